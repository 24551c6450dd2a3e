"""Alembic: one head, and after `migrate` the database matches the tables in code (no drift)."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from cloud.store.db import MIGRATIONS, make_engine, migrate
from cloud.store.schema import metadata


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def _versions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}


def test_the_migrations_have_one_head() -> None:
    assert _script().get_heads() == [_script().get_current_head()]


def test_no_drift_after_migrate(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    assert _drift(engine) == []
    assert _versions(engine) == {_script().get_current_head()}
    assert "ts_outbox" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_database_at_the_two_old_heads_upgrades_to_the_one_head(database_url: str) -> None:
    """Databases migrated before the merge carry both `0002_*` heads; `migrate` must take them."""
    engine = make_engine(database_url)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_compliance")
        command.upgrade(cfg, "0002_timeseries")
    assert _versions(engine) == {"0002_compliance", "0002_timeseries"}
    migrate(engine)
    assert _versions(engine) == {_script().get_current_head()}
    assert _drift(engine) == []
    engine.dispose()
