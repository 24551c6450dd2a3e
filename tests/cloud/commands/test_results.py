"""A device's answer settles its command only if it is the commanded device's first answer."""

from typing import Any

from sqlalchemy import select

from agrisafe.protocol import ENVELOPE_ADAPTER
from agrisafe.protocol.enums import Kind
from agrisafe.protocol.envelope import CommandResultEnvelope
from agrisafe.protocol.examples import EXAMPLES
from cloud.commands.results import settle
from cloud.commands.service import public
from cloud.store import audit
from cloud.store.command_tables import device_commands
from cloud.store.db import make_engine, migrate

CMD = "0193a4f3-0000-7000-8000-0000000000c1"  # the id the example answer names


def _answer(device: str = "edge-01", msg_id: str = "0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3a99") -> Any:
    doc = EXAMPLES[Kind.COMMAND_RESULT] | {"device": device, "id": msg_id}
    env = ENVELOPE_ADAPTER.validate_python(doc)
    assert isinstance(env, CommandResultEnvelope)
    return env


def _row(**changes: Any) -> dict[str, Any]:
    return {
        "id": CMD,
        "site": "SX-TG-001",
        "device": "edge-01",
        "name": "snapshot",
        "params": {},
        "issued_by": "admin",
        "issued_ms": 1_000,
        "expires_ms": 61_000,
        "status": "sent",
        "detail": None,
        "evidence": None,
        "result_record": None,
        "answered_ms": None,
    } | changes


def test_only_the_commanded_device_settles_it_once(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(device_commands.delete())
        conn.execute(device_commands.insert().values(**_row()))
        assert not settle(conn, _answer(device="cam-01"), 5_000)  # another device: ignored
        assert settle(conn, _answer(), 5_000)
        assert not settle(conn, _answer(msg_id="0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3a98"), 6_000)
        row = conn.execute(select(device_commands)).mappings().one()
        trail = audit.for_target(conn, f"command:{CMD}")
    assert row["status"] == "done"
    assert row["answered_ms"] == 5_000
    assert row["result_record"] == "0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3a99"
    assert row["evidence"][0]["media"] == "image/jpeg"
    assert [(a["action"], a["actor"]) for a in trail] == [
        ("command.result", "device:SX-TG-001/edge-01")
    ]


def test_an_unanswered_command_reads_expired_after_its_time() -> None:
    assert public(_row(), 60_999)["status"] == "sent"
    assert public(_row(), 61_000)["status"] == "expired"
    assert public(_row(status="done"), 99_000)["status"] == "done"
