"""The cloud: ingest, storage, rules, alerts and the HTTP API."""
