"""Reference data: crops, PHI, bans, veterinary withdrawal — sourced, versioned, validated."""

from cloud.reference.catalog import Catalog, build_catalog, load_catalog
from cloud.reference.loader import ReferenceDataError, load_files

__all__ = ["Catalog", "ReferenceDataError", "build_catalog", "load_catalog", "load_files"]
