"""Logging set-up for every command: to stderr, plain or one JSON object per line."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    """Structured log lines: time, level, logger, message, `fields` given as extra (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object per record."""
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)  # logger.info(..., extra={"fields": {...}})
        if isinstance(fields, dict):
            out |= {k: v for k, v in fields.items() if k not in out}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted, not when it was set up.

    A command run in-process (tests, `CliRunner`) swaps and then closes `sys.stderr`; a handler
    that kept the old stream would fail on every later record ("I/O operation on closed file").
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass  # always sys.stderr


def setup_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Route all logs to stderr (stdout is reserved for command output such as JSON lines)."""
    handler = StderrHandler()
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter that drowns our own messages at INFO.
    for noisy in ("amqtt", "transitions", "uvicorn.access", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
