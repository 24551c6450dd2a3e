"""Scenario replay: a JSON-lines file through the real path on a throw-away store."""
