"""Composition root of the firmware bridge: builds every object once and wires them together."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agrisafe.identity import EnvelopeSigner, KeyError_
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import OutboxPump, SqliteOutbox
from agrisafe.protocol import EnvelopeBase, Geo
from firmware_bridge.config import BridgeConfig, InstrumentConfig, kit_of, lookback
from firmware_bridge.coordinator import InstrumentCoordinator
from firmware_bridge.drivers.base import Driver, Exchange, StreamDriver
from firmware_bridge.drivers.dy3000 import Dy3000Driver
from firmware_bridge.drivers.ty16 import Ty16Driver
from firmware_bridge.envelopes import InstrumentContext
from firmware_bridge.errors import ConfigError
from firmware_bridge.gps import GpsTracker, station_geo
from firmware_bridge.idkey import load_or_create
from firmware_bridge.protocols import Protocol
from firmware_bridge.protocols.base import Decoded
from firmware_bridge.protocols.dy3000 import Dy3000Decoder
from firmware_bridge.protocols.line import LineDecoder, LineRecord
from firmware_bridge.protocols.nmea import NmeaDecoder, NmeaFix
from firmware_bridge.protocols.ty16 import Ty16Decoder
from firmware_bridge.readings import Kit, TestReading, from_line
from firmware_bridge.recorder import OutboxPublisher, Recorder
from firmware_bridge.sampling import SampleRequest, SpoolWatcher, write_request
from firmware_bridge.serial_link import PySerialLink, ReconnectingLink
from firmware_bridge.state import BridgeState

logger = logging.getLogger(__name__)


@dataclass
class BridgeApp:
    """The running bridge: outbox + pump, GPS, one coordinator per instrument, sample spool."""

    config: BridgeConfig
    outbox: SqliteOutbox
    pump: OutboxPump
    state: BridgeState
    recorder: Recorder
    spool: SpoolWatcher
    gps: GpsTracker | None = None
    coordinators: list[InstrumentCoordinator] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        """Connect to the broker (in the background) and start every coordinator."""
        self.pump.start()
        for coordinator in self.coordinators:
            coordinator.start()
        self.spool.start()

    def stop(self, drain_timeout_s: float = 2.0) -> None:
        """Stop reading, flush the outbox briefly, close everything."""
        self.stopping.set()  # wakes links waiting to reconnect
        self.spool.stop()
        for coordinator in self.coordinators:
            coordinator.stop()
        self.pump.stop(drain_timeout_s=drain_timeout_s)
        self.outbox.close()
        self.state.close()

    def submit_sample(self, req: SampleRequest) -> Path:
        """Queue a sampling record; it is published once a position fix is available."""
        return write_request(self.spool.spool, req)

    def coordinator(self, name: str) -> InstrumentCoordinator:
        """The coordinator of a device id (or `gps`)."""
        return next(c for c in self.coordinators if c.name == name)


def _line_frame(kit: Kit, inst: InstrumentConfig) -> Callable[[Decoded[Any]], list[TestReading]]:
    def on_frame(frame: Decoded[Any]) -> list[TestReading]:
        rec: LineRecord = frame.value
        try:
            return [from_line(rec, frame.raw, kit, inst.method)]
        except ValueError as err:
            logger.warning("%s: line at offset %d rejected: %s", inst.device, frame.offset, err)
            return []

    return on_frame


def _gps_frame(tracker: GpsTracker) -> Callable[[Decoded[Any]], list[TestReading]]:
    def on_frame(frame: Decoded[Any]) -> list[TestReading]:
        fix: NmeaFix = frame.value
        tracker.update(fix)
        return []

    return on_frame


def _instrument(
    inst: InstrumentConfig,
    cfg: BridgeConfig,
    recorder: Recorder,
    stop: threading.Event,
    id_key: bytes,
) -> InstrumentCoordinator:
    kit = kit_of(inst, cfg.retest_matrices)
    ctx = InstrumentContext(
        site=cfg.site,
        device=inst.device,
        instrument=inst.name or inst.protocol.upper(),
        kit=kit,
        tz=ZoneInfo(cfg.station.timezone),
        sample_template=inst.sample_id,
        default_commodity=inst.default_commodity,
        id_key=id_key,
    )
    link = ReconnectingLink(PySerialLink(inst.serial.settings()), stop=stop)
    io: Exchange[Any]
    driver: Driver
    poll_s, answer_s = inst.poll_interval_s, inst.response_timeout_s
    if inst.protocol is Protocol.DY3000:
        io = Exchange(link, Dy3000Decoder)
        driver = Dy3000Driver(
            kit,
            families=inst.families,
            lookback=lookback(inst),
            local_now=lambda: datetime.now(ctx.tz).replace(tzinfo=None),
            poll_interval_s=poll_s,
            response_timeout_s=answer_s,
        )
    elif inst.protocol is Protocol.TY16:
        io = Exchange(link, Ty16Decoder)
        driver = Ty16Driver(
            kit,
            lambda key: recorder.is_published(ctx, key),
            poll_interval_s=poll_s,
            response_timeout_s=answer_s,
            cursors=recorder.state,  # where an unfinished walk resumes, across restarts
            name=inst.device,
        )
    else:
        fmt = inst.line
        io = Exchange(link, lambda: LineDecoder(fmt))
        driver = StreamDriver(_line_frame(kit, inst))

    def sink(reading: TestReading) -> None:
        recorder.reading(reading, ctx)

    return InstrumentCoordinator(inst.device, io, driver, sink)


def build_app(
    cfg: BridgeConfig,
    addr: BrokerAddress,
    data_dir: Path,
    *,
    on_published: Callable[[EnvelopeBase], None] | None = None,
) -> BridgeApp:
    """Build (not start) the bridge from its configuration."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    outbox = SqliteOutbox(data_dir / "bridge-outbox.db", max_bytes=cfg.outbox_max_mb << 20)
    signer = _signer(cfg)
    pump = OutboxPump(
        outbox,
        addr,
        client_id=f"bridge-{cfg.site}-{cfg.device}",
        presence=(cfg.site, cfg.device),
        sign=signer.sign,
    )
    state = BridgeState(data_dir / "bridge-state.db")
    tracker = GpsTracker(cfg.gps.max_age_s) if cfg.gps is not None else None
    fixed: Geo | None = cfg.station.fixed_geo()
    source = cfg.station.geo_source
    recorder = Recorder(
        state,
        OutboxPublisher(outbox, pump.wake, on_published, signer),
        site=cfg.site,
        device=cfg.device,
        station_geo=lambda: station_geo(source, fixed, tracker),
        gps=tracker,
        sample_fallback=fixed if cfg.samples.allow_station_fix else None,
    )
    id_key = load_or_create(cfg.id_key_file or data_dir / "bridge-id.key")
    coordinators = [_instrument(inst, cfg, recorder, stop, id_key) for inst in cfg.instruments]
    if cfg.gps is not None and tracker is not None:
        link = ReconnectingLink(PySerialLink(cfg.gps.serial.settings()), stop=stop)
        io: Exchange[Any] = Exchange(link, NmeaDecoder)
        coordinators.append(InstrumentCoordinator("gps", io, StreamDriver(_gps_frame(tracker))))
    spool = SpoolWatcher(cfg.samples.spool_dir or data_dir / "samples", recorder.sample)
    return BridgeApp(cfg, outbox, pump, state, recorder, spool, tracker, coordinators, stop)


def _signer(cfg: BridgeConfig) -> EnvelopeSigner:
    try:
        return EnvelopeSigner.from_files(cfg.signing_keys)
    except KeyError_ as err:
        raise ConfigError(f"signing_keys: {err}") from err
