"""Errors a technician can act on: each names the file, URL or model and what was expected."""

from agrisafe.config import ConfigError as BaseConfigError


class EdgeError(RuntimeError):
    """Base of every edge failure that should stop the command with a clear message."""


class SourceError(EdgeError):
    """A video source cannot be opened or decoded (corrupt file, unreachable camera)."""


class ModelError(EdgeError):
    """A detector model is missing, unreadable, or of an unsupported family or shape."""


class ConfigError(EdgeError, BaseConfigError):
    """The site YAML is missing, unparsable or invalid."""
