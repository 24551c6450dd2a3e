"""Composition root of the cloud: builds every object once and wires them together."""

import logging
import secrets
from dataclasses import dataclass, field

from sqlalchemy import Engine

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.mqtt.url import BrokerAddress, parse_mqtt_url
from agrisafe.settings import EMBEDDED
from cloud.alerts.hub import AlertHub
from cloud.alerts.mqtt_sink import MqttAlertSink
from cloud.ingest.mqtt_worker import MqttIngestWorker
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService, load_registry_file
from cloud.rules import RuleEngine
from cloud.rules.clock import RuleTicker
from cloud.rules.config import RulesConfig
from cloud.settings import CloudSettings
from cloud.store.db import default_database_url, make_engine, migrate
from cloud.webhooks.dispatcher import WebhookDispatcher

logger = logging.getLogger(__name__)


@dataclass
class CloudRuntime:
    """The running cloud: store, registry, ingest workers, alert delivery, live hub."""

    settings: CloudSettings
    engine: Engine
    registry: RegistryService
    ingest: IngestService
    alert_sink: MqttAlertSink
    hub: AlertHub
    broker_addr: BrokerAddress
    admin_token: str
    broker: EmbeddedBroker | None = None
    workers: list[MqttIngestWorker] = field(default_factory=list)
    rules: RuleEngine | None = None
    ticker: RuleTicker | None = None
    webhooks: WebhookDispatcher | None = None

    def start(self) -> None:
        """Start the MQTT side (the API is served by uvicorn around this)."""
        self.alert_sink.start()
        for worker in self.workers:
            worker.start()
        for part in (self.ticker, self.webhooks):
            if part is not None:
                part.start()

    def stop(self) -> None:
        """Stop in reverse order; the broker last so in-flight acks still go out."""
        for part in (self.webhooks, self.ticker):
            if part is not None:
                part.stop()
        for worker in self.workers:
            worker.stop()
        self.hub.detach()
        self.alert_sink.stop()
        if self.broker is not None:
            self.broker.stop()


def build_runtime(settings: CloudSettings) -> CloudRuntime:
    """Build (not start) the cloud from settings; starts the embedded broker if configured."""
    data_dir = settings.ensure_data_dir()
    engine = make_engine(settings.database_url or default_database_url(data_dir))
    migrate(engine)
    registry = RegistryService(engine, auto_register=settings.auto_register)
    if settings.registry_file is not None:
        registry.sync_file(load_registry_file(settings.registry_file))

    broker = None
    if settings.mqtt_url == EMBEDDED:
        broker = EmbeddedBroker(settings.broker_host, settings.broker_port)
        broker.start()
        addr = broker.address
    else:
        addr = parse_mqtt_url(settings.mqtt_url)
    # amqtt has no shared subscriptions; Mosquitto and EMQX do.
    shared = settings.shared_subscription
    if shared is None:
        shared = broker is None

    n_workers = settings.ingest_workers
    if not shared and n_workers > 1:
        # Without shared subscriptions every worker would receive every message.
        logger.warning(
            "broker without shared subscriptions: running 1 ingest worker, not %d", n_workers
        )
        n_workers = 1
    token = (
        settings.admin_token.get_secret_value()
        if settings.admin_token
        else secrets.token_urlsafe(24)
    )
    name = settings.instance
    sink = MqttAlertSink(data_dir / f"{name}-alerts-outbox.db", addr, f"{name}-alerts")
    rules = RuleEngine(
        config=RulesConfig(
            spraying_grace_h=settings.spraying_grace_h,
            clock_skew_tolerance_s=settings.clock_skew_tolerance_s,
        )
    )
    service = IngestService(
        engine, registry, rules, [sink], max_message_bytes=settings.max_message_bytes
    )
    workers = [
        MqttIngestWorker(
            service,
            addr,
            client_id=f"{name}-ingest-{n}",
            shared=shared,
            group=settings.ingest_group,
        )
        for n in range(n_workers)
    ]
    return CloudRuntime(
        settings=settings,
        engine=engine,
        registry=registry,
        ingest=service,
        alert_sink=sink,
        hub=AlertHub(),
        broker_addr=addr,
        admin_token=token,
        broker=broker,
        workers=workers,
        rules=rules,
        ticker=RuleTicker(engine, rules, registry, [sink], interval_s=settings.timer_tick_s),
        webhooks=WebhookDispatcher(engine, max_attempts=settings.webhook_max_attempts),
    )
