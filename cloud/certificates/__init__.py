"""Certificates: the pure decision (`decide`), its I/O in the ingest transaction (`service`)
and the public trace pages (`page`)."""
