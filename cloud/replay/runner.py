"""`agrisafe scenario run`: replay a scenario through embedded broker → ingest → rules.

Everything runs on a throw-away SQLite store in a temporary directory; unknown sites and devices
are accepted (replay only). Each line is published on its own topic, received from the broker by
the replay's ingest subscriber and processed before the next line is sent. Every alert raised is
written to `out` as one JSON object per line, in the order raised.
"""

import logging
import queue
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import orjson
import paho.mqtt.client as mqtt

from agrisafe.ids import new_id
from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.mqtt.client import MqttSession
from agrisafe.protocol import Alert, Kind
from agrisafe.protocol.topics import INGEST_FILTER, TopicError, message_topic
from cloud.domain import CallbackSink
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService, load_registry_file
from cloud.replay.clock import SimulatedClock
from cloud.replay.driver import ReplayDriver, arrival_problem
from cloud.rules.config import RulesConfig
from cloud.store.db import make_engine, migrate

logger = logging.getLogger(__name__)
WAIT_S = 10.0


class ScenarioError(ValueError):
    """The scenario cannot be replayed (missing file, …); the message says why."""


def topic_for(payload: bytes) -> str | None:
    """The device topic a line belongs on, or None when its envelope cannot name one."""
    try:
        obj = orjson.loads(payload)
        return message_topic(obj["site"], obj["device"], Kind(obj["kind"]))
    except (orjson.JSONDecodeError, TypeError, KeyError, ValueError, TopicError):
        return None


def lines_of(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of the non-blank lines."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read scenario ({err.strerror})") from err
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield number, line.strip()


def _feed(driver: ReplayDriver, payload: bytes, topic: str | None, where: str) -> None:
    """Hand one line to the driver; a failure it raises names the file and line."""
    try:
        driver.feed(payload, topic)
    except (OverflowError, ValueError) as err:  # ValueError: e.g. a date out of range
        raise ScenarioError(f"{where}: {err}") from err


class ScenarioRunner:
    """Builds the throw-away cloud once per run and feeds it the file."""

    def __init__(
        self, out: TextIO, *, registry_file: Path | None = None, config: RulesConfig | None = None
    ) -> None:
        self.out = out
        self.registry_file = registry_file
        self.config = config or RulesConfig()
        self.printed = 0
        self.set_aside = 0  # lines whose time a replay cannot place (driver.arrival_problem)

    def _print(self, alert: Alert) -> None:
        self.out.write(alert.to_json().decode() + "\n")
        self.out.flush()
        self.printed += 1

    def _print_all(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self._print(alert)

    def run(self, path: Path) -> int:
        """Replay the file; return the number of alerts printed."""
        registry_data = load_registry_file(self.registry_file) if self.registry_file else None
        lines = list(lines_of(path))
        with tempfile.TemporaryDirectory(prefix="agrisafe-replay-") as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'replay.db'}")
            migrate(engine)
            registry = RegistryService(engine, auto_register=True)
            if registry_data is not None:
                registry.sync_file(registry_data)
            clock = SimulatedClock()
            rules = RuleEngine(config=self.config)
            service = IngestService(
                engine, registry, rules, [CallbackSink(self._print_all)], clock=clock
            )
            driver = ReplayDriver(service, rules, registry, clock, self._print)
            try:
                self._through_broker(driver, lines, path)
            finally:
                engine.dispose()
        logger.info(
            "replayed %d lines of %s: %d alerts, %d line(s) set aside",
            len(lines),
            path,
            self.printed,
            self.set_aside,
        )
        return self.printed

    def _through_broker(
        self, driver: ReplayDriver, lines: list[tuple[int, bytes]], source: Path
    ) -> None:
        received: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        tag = new_id()[-12:]
        with EmbeddedBroker("127.0.0.1", 0) as broker:
            sub = MqttSession(
                broker.address,
                f"replay-ingest-{tag}",
                subscriptions=[(INGEST_FILTER, 1)],
                on_message=received.put,
            )
            pub = MqttSession(broker.address, f"replay-pub-{tag}")
            sub.start()
            pub.start()
            try:
                for number, payload in lines:
                    where = f"{source}:{number}"
                    problem = arrival_problem(payload)
                    if problem is not None:
                        logger.warning("%s: line set aside: %s", where, problem)
                        self.set_aside += 1
                        continue
                    topic = topic_for(payload)
                    if topic is None:
                        logger.warning("%s: line names no valid site/device/kind", where)
                        _feed(driver, payload, None, where)
                        continue
                    pub.client.publish(topic, payload, qos=1).wait_for_publish(WAIT_S)
                    try:
                        msg = received.get(timeout=WAIT_S)
                    except queue.Empty:
                        raise ScenarioError(f"{where}: not delivered by the broker") from None
                    _feed(driver, bytes(msg.payload), msg.topic, where)
            finally:
                pub.stop()
                sub.stop()
