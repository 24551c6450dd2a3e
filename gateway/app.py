"""Composition root of one gateway: outbox, pump to the cloud, relay from the site, telemetry."""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from agrisafe.config import ConfigError
from agrisafe.identity import EnvelopeSigner, KeyError_, load_verify_key
from agrisafe.ids import new_id
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import OutboxFull, OutboxPump, SqliteOutbox
from agrisafe.outbox.pump import AckOptions
from agrisafe.protocol import Kind, TelemetryBody, TelemetryEnvelope
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import utc_now
from agrisafe.worker import BackgroundWorker
from gateway.boundary import BoundaryRules
from gateway.config import GatewayConfig
from gateway.downlink import Downlink
from gateway.quarantine import LocalQuarantine, now_ms
from gateway.relay import Relay

logger = logging.getLogger(__name__)


def rules_of(cfg: GatewayConfig) -> BoundaryRules:
    """The boundary's rules from the configuration."""
    return BoundaryRules(
        site=cfg.site,
        gateway=cfg.gateway,
        signatures_required=cfg.signatures == "required",
        keys={d: load_verify_key(k) for d, k in cfg.device_keys.items()},
        max_bytes=cfg.max_message_bytes,
    )


def telemetry_body(app: "GatewayApp") -> dict[str, float]:
    """The gateway's own health as telemetry fields (numbers only)."""
    oldest = app.outbox.oldest_created_ms()
    full_since = app.relay.stats.full_since_ms
    body: dict[str, float] = {
        "wan_connected": 1.0 if app.pump.session.connected.is_set() else 0.0,
        "site_connected": 1.0 if app.relay.session.connected.is_set() else 0.0,
        "backlog": float(app.outbox.depth()),
        "backlog_mb": round(app.outbox.size_bytes() / 2**20, 3),
        "oldest_queued_s": 0.0 if oldest is None else round((now_ms() - oldest) / 1000, 1),
        "received": float(app.relay.stats.received),
        "relayed": float(app.pump.delivered),
        "quarantined": float(app.relay.stats.quarantined),
        "outbox_full": 1.0 if full_since is not None else 0.0,
        "outbox_full_s": 0.0 if full_since is None else round((now_ms() - full_since) / 1000, 1),
        "held": float(app.relay.stats.held),
        "wan_reconnects": float(app.pump.session.reconnects),
        "commands_relayed": float(app.downlink.stats.relayed),
        "commands_refused": float(app.downlink.stats.refused),
    }
    own = app.pump.cloud_clock.offset_ms()
    if own is not None:  # this gateway's clock against the cloud's (from its acks)
        body["clock_offset_ms.cloud"] = float(own)
    for device, offset in sorted(app.relay.offsets.offsets_ms().items()):
        body[f"clock_offset_ms.{device}"] = float(offset)
    return body


class Telemetry(BackgroundWorker):
    """Queues the gateway's telemetry every `interval_s` (droppable: data goes first)."""

    def __init__(self, app: "GatewayApp", interval_s: float) -> None:
        super().__init__("gateway-telemetry")
        self.app = app
        self.interval_s = interval_s

    def run(self) -> None:
        """One telemetry message per interval."""
        while not self.sleep(self.interval_s):
            self.publish_now()

    def publish_now(self) -> None:
        """Queue one telemetry message now."""
        cfg = self.app.cfg
        env = TelemetryEnvelope(
            v=1,
            id=new_id(),
            kind=Kind.TELEMETRY,
            site=cfg.site,
            device=cfg.gateway,
            ts=utc_now(),
            body=TelemetryBody.model_validate(telemetry_body(self.app)),
        )
        topic = message_topic(cfg.site, cfg.gateway, Kind.TELEMETRY)
        payload = self.app.signer.sign(cfg.gateway, env.to_json())
        try:
            self.app.outbox.put(topic, payload, droppable=True)
        except OutboxFull:
            # No room even after older telemetry went: this report (which says the outbox is
            # full) goes straight to the cloud broker, QoS 0, if the WAN is up; droppable anyway.
            pump = self.app.pump
            if pump.session.connected.is_set():
                pump.session.client.publish(topic, payload, qos=0)
            logger.warning("outbox full: telemetry sent without keeping it on disk")
            return
        self.app.pump.wake()


@dataclass
class GatewayApp:
    """A running gateway's parts."""

    cfg: GatewayConfig
    outbox: SqliteOutbox
    quarantine: LocalQuarantine
    pump: OutboxPump
    relay: Relay
    downlink: Downlink
    signer: EnvelopeSigner
    telemetry: Telemetry | None = None

    def start(self) -> None:
        """Start relaying: the pump first (a WAN outage only grows the outbox)."""
        self.pump.start()
        self.relay.start()
        if self.telemetry is not None:
            self.telemetry.start()
        logger.info(
            "gateway %s/%s: %d queued from before",
            self.cfg.site,
            self.cfg.gateway,
            self.outbox.depth(),
        )

    def workers(self) -> list[BackgroundWorker]:
        """The threads that must all run for the gateway to do its job."""
        return [w for w in (self.pump, self.relay, self.telemetry) if w is not None]

    def dead(self) -> list[str]:
        """The workers that ended without being asked to (crashed: the log has why)."""
        return [w.name for w in self.workers() if w.died]

    def serve(self, stop: threading.Event, check_s: float = 1.0) -> int:
        """Run until `stop` is set (0) or a worker dies (1): a gateway missing its relay or
        pump must exit, so its supervisor restarts it, not linger as a process that relays
        nothing. Stops the gateway either way."""
        code = 0
        try:
            while not stop.wait(check_s):
                dead = self.dead()
                if dead:
                    logger.critical("gateway worker(s) died: %s; exiting", ", ".join(dead))
                    code = 1
                    break
        finally:
            self.stop()
        return code

    def stop(self) -> None:
        """Stop taking messages, then stop relaying; the outbox keeps the rest on disk."""
        if self.telemetry is not None:
            self.telemetry.stop()
        self.relay.stop()
        self.pump.stop()
        self.outbox.close()
        self.quarantine.close()


def build_app(
    cfg: GatewayConfig, local: BrokerAddress, cloud: BrokerAddress, data_dir: Path
) -> GatewayApp:
    """Build (not start) the gateway."""
    data_dir.mkdir(parents=True, exist_ok=True)
    outbox = SqliteOutbox(data_dir / "gateway-outbox.db", max_bytes=cfg.outbox_max_mb << 20)
    quarantine = LocalQuarantine(data_dir / "gateway-quarantine.db")
    who = f"{cfg.site}-{cfg.gateway}"
    signer = _signer(cfg)
    pump = OutboxPump(
        outbox,
        cloud,
        client_id=f"gw-{who}",
        presence=(cfg.site, cfg.gateway),
        window=1000,
        acks=AckOptions(window=5000),
        sign=signer.sign,
    )
    relay = Relay(
        rules_of(cfg), local, outbox, quarantine, client_id=f"gw-{who}-site", on_queued=pump.wake
    )
    downlink = Downlink(cfg.site, cfg.cloud_verify_key(), relay.session, quarantine)
    downlink.attach(pump)
    app = GatewayApp(cfg, outbox, quarantine, pump, relay, downlink, signer)
    app.telemetry = Telemetry(app, cfg.telemetry_interval_s)
    return app


def _signer(cfg: GatewayConfig) -> EnvelopeSigner:
    try:
        return EnvelopeSigner.for_device(cfg.gateway, cfg.signing_key)
    except KeyError_ as err:
        raise ConfigError(f"signing_key: {err}") from err
