"""The log format every command shares."""

import json
import logging

from agrisafe.logs import JsonFormatter


def test_json_logs_carry_structured_fields() -> None:
    record = logging.LogRecord("cloud.ingest", logging.INFO, __file__, 1, "ingest: %d", (5,), None)
    record.fields = {"received": 5, "worker": "w-0", "msg": "not overwritten"}
    out = json.loads(JsonFormatter().format(record))
    assert out["msg"] == "ingest: 5"
    assert out["received"] == 5
    assert out["worker"] == "w-0"
