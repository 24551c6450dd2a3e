"""The whole database schema in one `MetaData`: core, compliance and time-series tables.

Alembic's environment and the drift test compare against this, so a table defined in any of
the three modules cannot be forgotten by a migration.
"""

from cloud.store import (
    api_tables,
    command_tables,
    compliance_tables,
    consult_tables,
    timeseries_tables,
    trust_tables,
)
from cloud.store.tables import metadata

# Imported for their side effect: each registers its tables on `metadata`.
TABLE_MODULES = (
    compliance_tables,
    timeseries_tables,
    api_tables,
    trust_tables,
    consult_tables,
    command_tables,
)

__all__ = ["TABLE_MODULES", "metadata"]
