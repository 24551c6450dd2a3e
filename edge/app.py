"""Composition root of the edge node: one thread per camera, outbox + pump, telemetry, upload."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from agrisafe.identity import EnvelopeSigner, KeyError_
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import OutboxFull, OutboxPump, SqliteOutbox
from agrisafe.protocol import ActivityEnvelope, Kind, TelemetryEnvelope
from agrisafe.protocol.envelope import CommandResultEnvelope
from agrisafe.protocol.topics import command_filter, message_topic
from agrisafe.worker import BackgroundWorker
from edge.calibration import Calibration
from edge.command_marks import MARKS_FILE, CommandMarks
from edge.commands import CommandExecutor
from edge.commission import load_record
from edge.config import CameraConfig, SiteConfig
from edge.detect import Detector
from edge.detect.verifier import Verifier
from edge.drift import DriftProfile, DriftStats, drift
from edge.envelopes import CameraContext
from edge.errors import ConfigError
from edge.evidence import EvidenceStore
from edge.frames import FrameSource, open_source
from edge.pipeline import CameraPipeline
from edge.stats import Stats
from edge.telemetry import Health, telemetry_envelope
from edge.uncertain import UncertainSample
from edge.upload import EvidenceUploader

logger = logging.getLogger(__name__)
Publishable = ActivityEnvelope | TelemetryEnvelope | CommandResultEnvelope


class Publisher:
    """Puts envelopes into the durable outbox (the only way anything leaves the node)."""

    def __init__(
        self,
        outbox: SqliteOutbox | None,
        wake: Callable[[], None],
        signer: EnvelopeSigner | None = None,
    ) -> None:
        self._outbox = outbox
        self._wake = wake
        self._signer = signer or EnvelopeSigner()
        self.refused = 0

    def publish(self, env: Publishable, *, droppable: bool = False) -> None:
        """Queue durably (fsynced before returning) and wake the pump."""
        if self._outbox is None:
            return
        topic = message_topic(env.site, env.device, Kind(env.kind))
        try:
            payload = self._signer.sign(env.device, env.to_json())
            self._outbox.put(topic, payload, qos=1, droppable=droppable)
        except OutboxFull:  # the cameras keep running; the operator sees it in the log
            self.refused += 1
            logger.error("outbox full: %s %s not queued (outbox_max_mb)", env.kind, env.id)
            return
        self._wake()


class CameraRunner(BackgroundWorker):
    """A camera's source and pipeline on their own thread."""

    def __init__(
        self,
        config: CameraConfig,
        source: FrameSource,
        pipeline: CameraPipeline,
        on_envelope: Callable[[ActivityEnvelope], None],
    ) -> None:
        super().__init__(f"camera-{config.name}", join_timeout_s=10.0)
        self.config = config
        self.source = source
        self.pipeline = pipeline
        self.on_envelope = on_envelope
        self.error: BaseException | None = None

    @property
    def camera(self) -> str:
        """The camera's id on this node."""
        return self.config.name

    def run(self) -> None:
        """Process frames until the source ends or is stopped; close open activities."""
        try:
            for frame in self.source.frames():
                for env in self.pipeline.process(frame):
                    self.on_envelope(env)
            for env in self.pipeline.finish():
                self.on_envelope(env)
        except Exception as err:
            self.error = err
            logger.exception("camera %s stopped", self.config.name)


class TelemetryTimer(BackgroundWorker):
    """Publishes the node's health every `period_s` until stopped (or the node is stopping)."""

    def __init__(self, app: "EdgeApp", period_s: float) -> None:
        super().__init__("telemetry")
        self._app = app
        self._period_s = period_s

    def run(self) -> None:
        """One telemetry message per period; it yields to activities when the outbox is full."""
        app, period = self._app, self._period_s
        while not self.sleep(period) and not app.stopping.is_set():
            env = telemetry_envelope(app.config.site, app.config.device, app.health(period))
            app.publisher.publish(env, droppable=True)


@dataclass
class EdgeApp:
    """The running node."""

    config: SiteConfig
    runners: list[CameraRunner]
    publisher: Publisher
    outbox: SqliteOutbox | None = None
    pump: OutboxPump | None = None
    evidence: EvidenceStore | None = None
    uploader: EvidenceUploader | None = None
    profile: DriftProfile | None = None  # the model's drift reference (telemetry drift fields)
    stopping: threading.Event = field(default_factory=threading.Event)
    _telemetry: TelemetryTimer | None = None

    def start(self) -> None:
        """Connect (in the background) and start every camera and the telemetry timer."""
        if self.pump is not None:
            self.pump.start()
        if self.uploader is not None:
            self.uploader.start()
        for r in self.runners:
            r.start()
        self._telemetry = TelemetryTimer(self, self.config.telemetry_interval_s)
        self._telemetry.start()

    def wait_cameras(self, timeout_s: float | None = None) -> bool:
        """Block until every camera's source ended (files) or the timeout passes."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for r in self.runners:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            r.join(left)
            if r.alive:
                return False
        return True

    def stop(self, drain_timeout_s: float = 5.0) -> None:
        """Stop the cameras, flush the outbox briefly, close everything."""
        self.stopping.set()
        for r in self.runners:  # all sources first, so the cameras wind down together
            r.source.stop()
        for r in self.runners:
            r.stop()
        if self._telemetry is not None:
            self._telemetry.stop()
        if self.uploader is not None:
            self.uploader.stop()
        if self.pump is not None:
            self.pump.stop(drain_timeout_s=drain_timeout_s)
        if self.outbox is not None:
            self.outbox.close()
        if self.evidence is not None:
            self.evidence.close()

    def health(self, period_s: float) -> Health:
        """Counters of the period just ended (resets them)."""
        total = Stats()
        seen = DriftStats()
        for r in self.runners:
            s = r.pipeline.stats.snapshot_and_reset()
            for name, value in vars(s).items():
                setattr(total, name, getattr(total, name) + value)
            seen.merge(r.pipeline.drift.snapshot_and_reset())
        report = drift(seen, self.profile) if self.profile is not None else None
        return Health(
            period_s=period_s,
            stats=total,
            skipped=sum(r.source.skipped for r in self.runners),
            reconnects=sum(r.source.reconnects for r in self.runners),
            outbox_depth=self.outbox.depth() if self.outbox is not None else 0,
            cameras=len(self.runners),
            drift=report,
            evidence=self.evidence.counts() if self.evidence is not None else None,
        )


def build_app(  # noqa: PLR0913 - keyword-only model aids, each optional
    cfg: SiteConfig,
    detector: Detector,
    data_dir: Path,
    addr: BrokerAddress | None,
    *,
    on_envelope: Callable[[ActivityEnvelope], None] | None = None,
    start_time: datetime | None = None,
    verifier: Verifier | None = None,
    profile: DriftProfile | None = None,
    calibration: Calibration | None = None,
) -> EdgeApp:
    """Build (not start) the node: sources are opened now, so bad URLs fail before start."""
    data_dir.mkdir(parents=True, exist_ok=True)
    outbox = pump = None
    signer = _signer(cfg)
    if addr is not None:
        outbox = SqliteOutbox(data_dir / "edge-outbox.db", max_bytes=cfg.outbox_max_mb << 20)
        pump = OutboxPump(
            outbox,
            addr,
            client_id=f"edge-{cfg.site}-{cfg.device}",
            presence=(cfg.site, cfg.device),
            sign=signer.sign,
        )
    publisher = Publisher(outbox, pump.wake if pump is not None else lambda: None, signer)
    ev = cfg.pipeline.evidence
    store = EvidenceStore(data_dir / "evidence", ev.quota_mb << 20) if ev.enabled else None
    uploader = None
    if store is not None and cfg.cloud_url:
        uploader = EvidenceUploader(store, cfg.cloud_url, cfg.cloud_token)

    def emit(env: ActivityEnvelope) -> None:
        publisher.publish(env)
        if on_envelope is not None:
            on_envelope(env)

    runners = []
    for cam in cfg.cameras:
        source = open_source(
            cam.source, cam.detect_fps, start_time=start_time, realtime=cam.realtime
        )
        commissioned = load_record(data_dir, cam.name) is not None
        if not commissioned:
            logger.warning(
                "camera %s is not commissioned (agrisafe edge commission): its spraying alerts "
                "will be raised for review only",
                cam.name,
            )
        geo = cam.geo.to_geo() if cam.geo else None
        ctx = CameraContext(cfg.site, cfg.device, cam.name, geo, commissioned)
        pipe = CameraPipeline(
            ctx,
            detector,
            cfg.pipeline,
            cam.detect_fps,
            cam.polygons(),
            evidence=store,
            verifier=verifier,
            profile=profile,
            uncertain=_uncertain(cfg, data_dir, cam.name),
            calibration=calibration,
        )
        runners.append(CameraRunner(cam, source, pipe, emit))
    if pump is not None:  # the downlink: commands arrive on the pump's one connection
        executor = CommandExecutor(
            cfg.site,
            cfg.device,
            cfg.cloud_verify_key(),
            runners,
            store,
            publisher.publish,
            thresholds=getattr(detector, "set_thresholds", None),
            jpeg_quality=ev.jpeg_quality,
            marks=CommandMarks(data_dir / MARKS_FILE),
        )
        pump.listen(command_filter(cfg.site, cfg.device), executor.on_message)
    return EdgeApp(cfg, runners, publisher, outbox, pump, store, uploader, profile)


def _signer(cfg: SiteConfig) -> EnvelopeSigner:
    try:
        return EnvelopeSigner.for_device(cfg.device, cfg.signing_key)
    except KeyError_ as err:
        raise ConfigError(f"signing_key: {err}") from err


def _uncertain(cfg: SiteConfig, data_dir: Path, camera: str) -> UncertainSample | None:
    """The camera's sample of uncertain frames (DATA_DIR/uncertain/CAMERA), unless off."""
    p = cfg.pipeline.uncertain
    return UncertainSample(data_dir / "uncertain" / camera, p, camera) if p.enabled else None
