"""Reading the registry YAML with errors that name the file, the key and what was expected."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from cloud.registry.model import RegistryFile


class RegistryFileError(ValueError):
    """The registry file cannot be used; the message says where and why."""


def load_registry_file(path: Path) -> RegistryFile:
    """Parse and validate a registry YAML file."""
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise RegistryFileError(f"{path}: file not found") from None
    except yaml.YAMLError as err:
        raise RegistryFileError(f"{path}: not valid YAML: {err}") from err
    try:
        return RegistryFile.model_validate(raw or {})
    except ValidationError as err:
        lines = []
        for e in err.errors(include_url=False):
            key = ".".join(str(p) for p in e["loc"]) or "(top level)"
            lines.append(f"  {key}: {e['msg'].removeprefix('Value error, ')}")
        raise RegistryFileError(f"{path}: invalid registry\n" + "\n".join(lines)) from err
