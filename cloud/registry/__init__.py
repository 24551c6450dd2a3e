"""Registry of producers, sites, plots, herds and devices (YAML file + API)."""

from cloud.registry.loader import RegistryFileError, load_registry_file
from cloud.registry.model import RegistryFile, SiteConfig
from cloud.registry.service import RegistryService, SiteInfo

__all__ = [
    "RegistryFile",
    "RegistryFileError",
    "RegistryService",
    "SiteConfig",
    "SiteInfo",
    "load_registry_file",
]
