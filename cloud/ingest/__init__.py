"""Ingest: bytes from MQTT or HTTP → validated envelopes → store → rules → alerts."""
