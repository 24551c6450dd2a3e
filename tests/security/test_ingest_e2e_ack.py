"""Issue 13, finding 4: a PUBACK from a broker is not a promise that the cloud has a message.

Replayed as found: Mosquitto on its Debian default configuration (1,000 queued messages per
client), a plain mqtt:// URL, a sender's burst through its durable outbox, and the cloud's
ingest process `kill -9`-ed mid-way and restarted. Before, the broker dropped what did not fit
in the absent consumer's queue although every publisher had its PUBACK (4,000 sent → 2,800
stored). Now the sender keeps each message until the cloud's end-to-end ack and re-sends it
after a timeout: every message is stored exactly once.
"""

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agrisafe.ids import new_id
from agrisafe.mqtt import parse_mqtt_url
from agrisafe.outbox import SqliteOutbox
from agrisafe.outbox.pump import AckOptions, OutboxPump
from agrisafe.outbox.store import Publication
from cloud.store import tables as t
from cloud.store.db import make_engine
from testkit.ingest_hostile import StockMosquitto
from testkit.ingestload import rapid_tests
from testkit.net import wait_for
from testkit.procs import CloudProcess, cloud_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _stored(db_url: str, site: str) -> tuple[int, int]:
    """(rows, distinct ids) stored for the site."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            c = t.records.c
            q = select(func.count(), func.count(func.distinct(c.id))).where(c.site == site)
            rows, distinct = conn.execute(q).one()
            return int(rows), int(distinct)
    finally:
        engine.dispose()


def test_kill_9_the_cloud_mid_burst_and_every_message_is_stored_exactly_once(
    tmp_path: Path,
) -> None:
    broker = StockMosquitto(tmp_path / "broker").start()
    db = f"sqlite:///{tmp_path / 'cloud.db'}"
    env = cloud_env(
        tmp_path, broker.url(), database_url=db, timeseries="off", shared_subscription="false"
    )
    cloud = CloudProcess(["ingest", "--index", "0"], env, tmp_path / "ingest.log").start()
    outbox = SqliteOutbox(tmp_path / "sender-outbox.db")
    pump = OutboxPump(
        outbox,
        parse_mqtt_url(broker.url()),
        client_id=f"sender-{new_id()[-8:]}",
        window=20,
        acks=AckOptions(timeout_s=5.0),
    )
    try:
        cloud.wait_log("subscribed to agrisafe/v1/+/+/+")
        load = rapid_tests(f"EA-{new_id()[-8:]}", 4000)
        outbox.put_many([Publication(topic, payload) for topic, payload in load.messages])
        pump.start()
        assert wait_for(lambda: _stored(db, load.site)[0] > 1000, 60)
        cloud.kill9()  # mid-burst: a batch in hand, broker acks not sent, sender acks not sent
        killed_at = _stored(db, load.site)[0]
        time.sleep(2.0)  # the sender goes on publishing into the absent consumer's queue
        cloud.start()
        assert wait_for(lambda: outbox.depth() == 0, 120), f"{outbox.depth()} never acked"
        assert _stored(db, load.site) == (len(load.ids), len(load.ids))
        assert killed_at < len(load.ids)  # the kill really happened mid-way
    finally:
        pump.stop()
        outbox.close()
        cloud.stop()
        broker.stop()


def test_a_puback_only_sender_still_works_with_an_acking_cloud(tmp_path: Path) -> None:
    """Old senders ignore acks; the cloud's acks are harmless to them."""
    broker = StockMosquitto(tmp_path / "broker").start()
    db = f"sqlite:///{tmp_path / 'cloud.db'}"
    env = cloud_env(
        tmp_path, broker.url(), database_url=db, timeseries="off", shared_subscription="false"
    )
    cloud = CloudProcess(["ingest", "--index", "0"], env, tmp_path / "ingest.log").start()
    outbox = SqliteOutbox(tmp_path / "sender-outbox.db")
    pump = OutboxPump(
        outbox,
        parse_mqtt_url(broker.url()),
        client_id=f"legacy-{new_id()[-8:]}",
        acks=AckOptions(cloud_acks=False),
    )
    try:
        cloud.wait_log("subscribed to agrisafe/v1/+/+/+")
        load = rapid_tests(f"EL-{new_id()[-8:]}", 200)
        outbox.put_many([Publication(topic, payload) for topic, payload in load.messages])
        pump.start()
        assert wait_for(lambda: _stored(db, load.site)[0] == len(load.ids), 60)
        # PUBACKs are settled on the pump's thread: under load a moment after the cloud stored
        assert wait_for(lambda: outbox.depth() == 0, 20)
    finally:
        pump.stop()
        outbox.close()
        cloud.stop()
        broker.stop()
