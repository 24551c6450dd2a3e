"""Fixtures shared by every test: real services over real connections.

Mosquitto (127.0.0.1:1883) and PostgreSQL (127.0.0.1:5432, database `test`) must be running;
`.ci/run` starts them. A missing service fails the tests loudly rather than skipping them.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.mqtt.url import BrokerAddress, MqttProtocol
from testkit.net import port_open
from testkit.services import PrivateMosquitto

POSTGRES_URL = os.environ.get("AGRISAFE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MOSQUITTO = ("127.0.0.1", 1883)


@pytest.fixture(scope="session")
def mosquitto() -> BrokerAddress:
    """The machine's Mosquitto, spoken to with MQTT 3.1.1."""
    if not port_open(*MOSQUITTO):
        pytest.fail("Mosquitto is not reachable on 127.0.0.1:1883 (.ci/run starts it)")
    return BrokerAddress(*MOSQUITTO)


@pytest.fixture(scope="session")
def mosquitto_v5(mosquitto: BrokerAddress) -> BrokerAddress:
    """The same Mosquitto, spoken to with MQTT 5."""
    return BrokerAddress(mosquitto.host, mosquitto.port, protocol=MqttProtocol.V5)


@pytest.fixture
def private_mosquitto(tmp_path: Path) -> Iterator[BrokerAddress]:
    """A stock Mosquitto of this test's own, on a free port (MQTT 3.1.1).

    For a test whose point is that no cloud answers: on the shared broker a cloud ingest worker
    of a test running beside it (xdist) subscribes to every site and acks this test's messages.
    """
    broker = PrivateMosquitto(tmp_path / "private-mosquitto")
    broker.start()
    try:
        yield broker.address(MqttProtocol.V311)
    finally:
        broker.stop()


@pytest.fixture
def embedded_broker() -> Iterator[EmbeddedBroker]:
    """A private amqtt broker on a free port."""
    broker = EmbeddedBroker("127.0.0.1", 0)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards (tests never share tables)."""
    if not port_open("127.0.0.1", 5432):
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (.ci/run starts it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in the test's temp dir."""
    return f"sqlite:///{tmp_path / 'agrisafe.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both supported databases, one test run each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'agrisafe.db'}"
    return str(request.getfixturevalue("postgres_url"))
