"""Sunshine Agri-Safety (阳光农安): the shared wire contract, settings base and CLI."""

__version__ = "0.1.0"
