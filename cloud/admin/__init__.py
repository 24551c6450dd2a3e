"""Administration services: API tokens."""
