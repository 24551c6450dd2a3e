"""Per-protocol drivers: what to ask an instrument and when; the coordinator runs them."""
