"""Reading the registry YAML with errors that name the file, the key and what was expected."""

from pathlib import Path

from agrisafe.config import ConfigError, load_yaml_model
from cloud.registry.model import RegistryFile


class RegistryFileError(ConfigError):
    """The registry file cannot be used; the message says where and why."""


def load_registry_file(path: Path) -> RegistryFile:
    """Parse and validate a registry YAML file."""
    try:
        return load_yaml_model(path, RegistryFile, what="registry")
    except ConfigError as err:
        raise RegistryFileError(str(err)) from err
