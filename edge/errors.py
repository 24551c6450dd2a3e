"""Errors a technician can act on: each names the file, URL or model and what was expected."""

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from agrisafe.config import ConfigError as BaseConfigError

M = TypeVar("M", bound=BaseModel)


class EdgeError(RuntimeError):
    """Base of every edge failure that should stop the command with a clear message."""


class SourceError(EdgeError):
    """A video source cannot be opened or decoded (corrupt file, unreachable camera)."""


class ModelError(EdgeError):
    """A detector model is missing, unreadable, or of an unsupported family or shape."""


class ConfigError(EdgeError, BaseConfigError):
    """The site YAML is missing, unparsable or invalid."""


def read_beside(model: Path, name: str, schema: type[M], what: str) -> M | None:
    """The JSON file NAME beside MODEL validated as SCHEMA, or None when there is none;
    a file that does not validate is a ModelError naming it as WHAT."""
    path = model.with_name(name)
    if not path.is_file():
        return None
    try:
        return schema.model_validate_json(path.read_bytes())
    except ValueError as err:
        raise ModelError(f"{path}: not {what}: {err}") from err
