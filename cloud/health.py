"""Whether the cloud's own dependencies answer."""

import logging

from sqlalchemy import Engine, text

logger = logging.getLogger(__name__)


def database_ok(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        # Any failure means "unreachable" for the health report; the cause goes to the log.
        logger.debug("database health check failed", exc_info=True)
        return False
    return True
