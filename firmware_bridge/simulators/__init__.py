"""Instrument and GPS simulators on pseudo-terminals: the bridge opens them like serial ports."""
