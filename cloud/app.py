"""Composition root of the cloud: builds every object once and wires them together."""

import logging
import secrets

from sqlalchemy import Engine

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.mqtt.negotiate import negotiated_address
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.settings import EMBEDDED, SettingsError
from cloud.admin.retention import QuarantineRetention
from cloud.alerts.hub import AlertHub
from cloud.alerts.mqtt_sink import MqttAlertSink
from cloud.chain.anchor import AnchorWorker
from cloud.chain.anchorlog import AnchorLog, anchor_log_path
from cloud.chain.append import ChainStage
from cloud.chain.keyfile import cloud_signing_key
from cloud.commands.results import CommandResultStage
from cloud.commands.service import CommandService
from cloud.domain import AlertSink
from cloud.engine.clock import RuleTicker
from cloud.engine.runner import RuleEngine
from cloud.ingest.mqtt_worker import FlowControl, MqttIngestWorker
from cloud.ingest.process import IngestProcess
from cloud.ingest.service import IngestService
from cloud.ingest.supervisor import IngestSupervisor, status_path
from cloud.ingest.validate import IngestPolicy
from cloud.metrics import IngestMetrics
from cloud.registry import RegistryService, load_registry_file
from cloud.rules.config import RulesConfig
from cloud.runtime import CloudRuntime
from cloud.settings import CloudSettings, instance_name, refuse_weak_secrets
from cloud.store.db import default_database_url, make_engine, migrate
from cloud.store.permissions import private_data_dir, private_sqlite_file
from cloud.timeseries.factory import TimeSeriesParts, build_timeseries
from cloud.webhooks.dispatcher import WebhookDispatcher

logger = logging.getLogger(__name__)


def build_runtime(settings: CloudSettings) -> CloudRuntime:
    """Build (not start) the cloud from settings; starts the embedded broker if configured."""
    refuse_weak_secrets(settings)
    data_dir = private_data_dir(settings)
    engine = make_engine(settings.database_url or default_database_url(data_dir))
    migrate(engine)
    private_sqlite_file(engine)
    registry = RegistryService(engine, auto_register=settings.auto_register)
    if settings.registry_file is not None:
        registry.sync_file(load_registry_file(settings.registry_file))

    broker = None
    if settings.mqtt_url == EMBEDDED:
        broker = EmbeddedBroker(settings.broker_host, settings.broker_port)
        broker.start()
        addr = broker.address
    else:
        addr = negotiated_address(settings.mqtt_url)
    n_workers = settings.ingest_workers
    n_processes = settings.ingest_processes
    # amqtt has no shared subscriptions; Mosquitto and EMQX do. A lone consumer keeps a plain
    # persistent subscription: Mosquitto 2.0 restores those after a broker restart but not
    # shared ones, so messages published before a shared member resubscribes would be dropped
    # by the broker (docs/scaling.md, "Broker restarts").
    shared = settings.shared_subscription
    if shared is None:
        shared = broker is None and max(n_workers, n_processes) > 1
    if not shared and max(n_workers, n_processes) > 1:
        # Without shared subscriptions every worker would receive every message.
        logger.warning(
            "broker without shared subscriptions: running 1 ingest worker, not %d",
            max(n_workers, n_processes),
        )
        n_workers, n_processes = 1, min(n_processes, 1)
    token = (
        settings.admin_token.get_secret_value()
        if settings.admin_token
        else secrets.token_urlsafe(32)
    )
    name = instance_name(settings)
    sink = MqttAlertSink(data_dir / f"{name}-alerts-outbox.db", addr, f"{name}-alerts")
    rules = build_rules(settings)
    metrics = IngestMetrics()
    timeseries = build_timeseries(settings, engine, metrics)
    hub = AlertHub(engine)  # fed from the store; in-process commits only wake it
    service = build_ingest_service(
        settings, engine, registry, [sink, hub], metrics, timeseries, rules=rules
    )
    supervisor = None
    if n_processes > 0:
        # Worker processes instead of in-process workers (they restart when they die).
        child_url = settings.mqtt_url if broker is None else addr.url()
        supervisor = IngestSupervisor(settings, n_processes, child_url, shared)
        n_workers = 0
    workers = [
        ingest_worker(settings, service, addr, f"{name}-ingest-{n}", shared, metrics)
        for n in range(n_workers)
    ]
    key = cloud_signing_key(settings, data_dir)
    return CloudRuntime(
        settings=settings,
        engine=engine,
        registry=registry,
        ingest=service,
        alert_sink=sink,
        hub=hub,
        broker_addr=addr,
        admin_token=token,
        broker=broker,
        workers=workers,
        rules=rules,
        ticker=RuleTicker(engine, rules, registry, [sink, hub], interval_s=settings.timer_tick_s),
        webhooks=WebhookDispatcher(
            engine,
            max_attempts=settings.webhook_max_attempts,
            concurrency=settings.webhook_concurrency,
            allow_private=settings.webhook_allow_private,
        ),
        metrics=metrics,
        timeseries=timeseries,
        supervisor=supervisor,
        anchors=AnchorWorker(
            engine,
            key,
            interval_s=settings.anchor_interval_s,
            log=AnchorLog(anchor_log_path(settings, data_dir)),
        ),
        commands=CommandService(engine, key, sink.send),
        retention=QuarantineRetention(
            engine,
            max_age_days=settings.quarantine_max_age_days,
            max_rows=settings.quarantine_max_rows,
            period_s=settings.quarantine_purge_s,
        ),
    )


def build_rules(settings: CloudSettings) -> RuleEngine:
    """The rule engine with the configured windows (the same in every ingest process)."""
    return RuleEngine(
        config=RulesConfig(
            spraying_grace_h=settings.spraying_grace_h,
            clock_skew_tolerance_s=settings.clock_skew_tolerance_s,
        )
    )


def build_ingest_service(
    settings: CloudSettings,
    engine: Engine,
    registry: RegistryService,
    sinks: list[AlertSink],
    metrics: IngestMetrics | None,
    timeseries: TimeSeriesParts | None,
    *,
    rules: RuleEngine | None = None,
) -> IngestService:
    """The ingest service, built the same way in `serve` and in `agrisafe cloud ingest`."""
    return IngestService(
        engine,
        registry,
        rules or build_rules(settings),
        [*sinks, *([metrics] if metrics else [])],
        # The chain links first: a record's link commits with it (cloud/chain/append.py).
        record_sinks=[
            ChainStage(),
            CommandResultStage(),
            *([timeseries.stage] if timeseries and timeseries.stage else []),
        ],
        observers=[metrics] if metrics else [],
        policy=IngestPolicy(
            max_message_bytes=settings.max_message_bytes,
            max_depth=settings.ingest_max_depth,
            max_lead_s=settings.ingest_max_lead_s,
            max_age_s=settings.ingest_max_age_s,
        ),
    )


def ingest_worker(
    settings: CloudSettings,
    service: IngestService,
    addr: BrokerAddress,
    client_id: str,
    shared: bool,
    metrics: IngestMetrics | None,
) -> MqttIngestWorker:
    """One MQTT ingest worker with the configured flow control."""
    flow = FlowControl(
        batch_max=settings.ingest_batch_max,
        receive_maximum=settings.ingest_receive_maximum,
        # Our queue holds ≥ 2 batches, not the whole window: past it TCP pushes back and the
        # broker holds the in-flight rest (memory stays bounded whatever the window).
        queue_max=max(2 * settings.ingest_batch_max, min(settings.ingest_receive_maximum, 4000)),
        max_attempts=settings.ingest_max_attempts,
        publish_acks=settings.ingest_acks,
    )
    return MqttIngestWorker(
        service,
        addr,
        client_id=client_id,
        shared=shared,
        group=settings.ingest_group,
        flow=flow,
        session_expiry_s=settings.ingest_session_expiry_s,
        metrics=metrics,
    )


def build_ingest_process(settings: CloudSettings, index: int) -> IngestProcess:
    """Build worker `index` of this instance (client id `{instance}-ingest-{index}`)."""
    if settings.mqtt_url == EMBEDDED:
        raise SettingsError(
            "AGRISAFE_MQTT_URL: an ingest process needs a broker URL (mqtt://host:port); "
            "'embedded' only exists inside `agrisafe cloud serve`"
        )
    data_dir = settings.ensure_data_dir()
    engine = make_engine(settings.database_url or default_database_url(data_dir))
    migrate(engine)  # a no-op when `serve` (or another worker) already did it
    registry = RegistryService(engine, auto_register=settings.auto_register)
    addr = negotiated_address(settings.mqtt_url)
    shared = True if settings.shared_subscription is None else settings.shared_subscription
    name = f"{instance_name(settings)}-ingest-{index}"
    sink = MqttAlertSink(data_dir / f"{name}-alerts-outbox.db", addr, f"{name}-alerts")
    metrics = IngestMetrics()
    timeseries = build_timeseries(settings, engine, metrics)
    service = build_ingest_service(settings, engine, registry, [sink], metrics, timeseries)
    worker = ingest_worker(settings, service, addr, name, shared, metrics)
    report = status_path(settings, index)
    return IngestProcess(engine, worker, sink, metrics, timeseries, status_path=report)
