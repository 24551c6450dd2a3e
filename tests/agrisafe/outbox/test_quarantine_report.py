"""A sender whose messages the cloud quarantines says so loudly (issue 17: the bridge was silent).

Real parts: the machine's Mosquitto, the cloud runtime (ingest, acks) without auto-register, and
the outbox pump every device uses (bridge, edge).
"""

import logging
from pathlib import Path

import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import BrokerAddress
from agrisafe.outbox import SqliteOutbox
from agrisafe.outbox.pump import OutboxPump
from agrisafe.outbox.store import Publication
from agrisafe.protocol import CloudAck, Kind
from testkit.cloud import cloud_runtime, cloud_settings
from testkit.messages import encode, message, topic_of
from testkit.net import wait_for

pytestmark = pytest.mark.integration


def test_the_ack_names_quarantined_ids_and_the_sender_logs_an_error(
    tmp_path: Path, mosquitto: BrokerAddress, caplog: pytest.LogCaptureFixture
) -> None:
    site = f"QR-{new_id()[-8:]}"  # in no registry: unknown_device
    settings = cloud_settings(
        tmp_path / "cloud", f"mqtt://{mosquitto.host}:{mosquitto.port}", auto_register=False
    )
    env = message(Kind.RAPID_TEST, site=site, device="rt-02")
    outbox = SqliteOutbox(tmp_path / "outbox.db")
    pump = OutboxPump(outbox, mosquitto, client_id=f"qr-{new_id()[-8:]}", presence=(site, "rt-02"))
    with cloud_runtime(settings), caplog.at_level(logging.ERROR, "agrisafe.outbox.pump"):
        outbox.put_many([Publication(topic_of(env), encode(env))])
        pump.start()
        try:
            assert wait_for(lambda: pump.quarantined >= 1, 30)
            assert wait_for(lambda: outbox.depth() == 0, 10)  # acknowledged all the same
        finally:
            pump.stop()
            outbox.close()
    # (its online status, also from an unknown device, may be reported too)
    lines = [r.getMessage() for r in caplog.records if "QUARANTINED" in r.getMessage()]
    assert lines
    line = lines[0]
    assert "unknown_device" in line
    assert f"{site}/rt-02" in line
    assert "registry" in line


def test_an_ack_without_quarantined_ids_is_as_before() -> None:
    assert CloudAck(ids=["a"]).to_json() == b'{"v":1,"ids":["a"]}'
    back = CloudAck.model_validate_json(b'{"v":1,"ids":["a"],"quarantined":{"a":"schema"}}')
    assert back.quarantined == {"a": "schema"}
