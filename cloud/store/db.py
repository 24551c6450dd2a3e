"""Engine creation (SQLite or PostgreSQL) and schema migration with Alembic at start-up."""

import json
import logging
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def default_database_url(data_dir: Path) -> str:
    """SQLite file in the data directory: the embedded default."""
    return f"sqlite:///{(data_dir / 'agrisafe.db').resolve()}"


def _json_dumps(value: Any) -> str:
    # orjson: ~7x faster than json.dumps for the envelope column written per message.
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson refuses (e.g. ints beyond 64 bits) json may still take
        return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    """An engine tuned for our access pattern; SQLite in WAL mode for concurrent readers."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True, "json_serializer": _json_dumps}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL: a committed transaction survives a process crash; a power cut can
            # lose the last commits, which the MQTT session re-delivers (we ack after commit).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        url = str(parsed.set(drivername="postgresql+psycopg"))
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        # One head (tests/cloud/store/test_migrations.py keeps it so): a second one would be
        # a branch nobody merged.
        command.upgrade(cfg, "head")
    logger.info("database schema at head (%s)", engine.url.render_as_string(hide_password=True))
