"""The downlink: commands to devices (issued, signed, sent, answered, audited)."""
