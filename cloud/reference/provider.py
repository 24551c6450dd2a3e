"""The current catalogue: packaged files plus the admin label entries in the database.

Rules ask for it only when a batch needs reference data; the provider compares a cheap
signature of the entries table and rebuilds the catalogue only when an entry changed (entries
may be added through another cloud process).
"""

import logging
import threading
from typing import Any

from sqlalchemy import Connection

from cloud.reference.catalog import Catalog, build_catalog
from cloud.reference.loader import ReferenceFiles, load_files
from cloud.reference.lookup import Resolver
from cloud.reference.model import NameMapping, PhiRow, WithdrawalRow
from cloud.store import reference_entries

logger = logging.getLogger(__name__)


def split_entries(
    entries: list[dict[str, Any]],
) -> tuple[list[PhiRow], list[WithdrawalRow], list[NameMapping]]:
    """Stored entries by kind: label PHI rows, label withdrawal rows, name mappings."""
    phi: list[PhiRow] = []
    withdrawal: list[WithdrawalRow] = []
    mappings: list[NameMapping] = []
    for entry in entries:
        if entry["kind"] == "phi":
            phi.append(PhiRow.model_validate(entry["data"]))
        elif entry["kind"] == "mapping":
            mappings.append(NameMapping.model_validate(entry["data"]))
        else:
            withdrawal.append(WithdrawalRow.model_validate(entry["data"]))
    return phi, withdrawal, mappings


class ReferenceProvider:
    """Holds the validated files and the resolver over the current catalogue."""

    def __init__(self, files: ReferenceFiles | None = None) -> None:
        self.files = files if files is not None else load_files()
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._resolver = Resolver(build_catalog(self.files))

    @property
    def catalog(self) -> Catalog:
        """The catalogue as last built (no database look-up)."""
        return self._resolver.cat

    def resolver(self, conn: Connection) -> Resolver:
        """The resolver over the current catalogue, rebuilt if label entries changed."""
        sig = reference_entries.signature(conn)
        with self._lock:
            if sig == self._signature:
                return self._resolver
        phi, withdrawal, mappings = split_entries(reference_entries.active(conn) if sig[0] else [])
        resolver = Resolver(build_catalog(self.files, phi, withdrawal, mappings))
        with self._lock:
            self._signature, self._resolver = sig, resolver
        logger.info("reference data %s loaded", resolver.cat.version)
        return resolver
