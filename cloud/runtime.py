"""The running cloud as one typed object: what the composition root built, started and stopped.

It lives below the HTTP layer (`cloud.api` receives it) and above every service it holds;
`cloud.app` is the only place that builds one.
"""

from dataclasses import dataclass, field

from sqlalchemy import Engine

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.mqtt.url import BrokerAddress
from cloud.admin.retention import QuarantineRetention
from cloud.alerts.hub import AlertHub
from cloud.alerts.mqtt_sink import MqttAlertSink
from cloud.chain.anchor import AnchorWorker
from cloud.commands.service import CommandService
from cloud.engine.clock import RuleTicker
from cloud.engine.runner import RuleEngine
from cloud.ingest.mqtt_worker import MqttIngestWorker
from cloud.ingest.service import IngestService
from cloud.ingest.supervisor import IngestSupervisor
from cloud.metrics import IngestMetrics
from cloud.registry import RegistryService
from cloud.settings import CloudSettings
from cloud.timeseries.factory import TimeSeriesParts
from cloud.webhooks.dispatcher import WebhookDispatcher


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
    rules: RuleEngine
    ticker: RuleTicker
    webhooks: WebhookDispatcher
    metrics: IngestMetrics
    timeseries: TimeSeriesParts
    # Absent when an external broker is used / when ingest runs in this process.
    broker: EmbeddedBroker | None = None
    supervisor: IngestSupervisor | None = None
    workers: list[MqttIngestWorker] = field(default_factory=list)
    anchors: AnchorWorker | None = None  # signs each site's chain head daily
    retention: QuarantineRetention | None = None
    commands: CommandService | None = None  # the downlink (signed commands to devices)

    def start(self) -> None:
        """Start the MQTT side (the API is served by uvicorn around this)."""
        self.alert_sink.start()
        if self.timeseries.pump is not None:
            self.timeseries.pump.start()
        for worker in self.workers:
            worker.start()
        self.ticker.start()
        self.webhooks.start()
        if self.anchors is not None:
            self.anchors.start()
        if self.retention is not None:
            self.retention.start()
        if self.supervisor is not None:
            self.supervisor.start()

    def stop(self) -> None:
        """Stop in reverse order; the broker last so in-flight acks still go out."""
        if self.supervisor is not None:
            self.supervisor.stop()
        if self.anchors is not None:
            self.anchors.stop()
        if self.retention is not None:
            self.retention.stop()
        self.webhooks.stop()
        self.ticker.stop()
        for worker in self.workers:
            worker.stop()
        if self.timeseries.pump is not None:
            self.timeseries.pump.stop()
        self.hub.detach()
        self.alert_sink.stop()
        if self.broker is not None:
            self.broker.stop()
