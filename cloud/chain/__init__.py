"""Tamper evidence for stored records: a per-site hash chain, signed daily anchors, verification."""
