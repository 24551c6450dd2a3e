"""Errors the bridge raises at its I/O edges, each naming the instrument or file involved."""

from agrisafe.config import ConfigError as BaseConfigError


class InstrumentError(RuntimeError):
    """An instrument could not be reached or answered badly (the cause is chained)."""


class ConfigError(BaseConfigError):
    """bridge.yaml is missing, unreadable or invalid; the message names the file and key."""
