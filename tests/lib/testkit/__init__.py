"""Helpers for the tests (on the pytest pythonpath; not part of the product)."""
