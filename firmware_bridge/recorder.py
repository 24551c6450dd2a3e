"""Turns readings and sampling requests into envelopes and publishes each exactly once.

This is the thin runner between the pure parts (readings, envelopes, GPS state) and the
durable outbox: it resolves the sample id and commodity, picks the position, publishes, and
remembers what it published.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from agrisafe.identity import EnvelopeSigner
from agrisafe.outbox import SqliteOutbox
from agrisafe.protocol import EnvelopeBase, Geo
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import utc_now
from firmware_bridge.envelopes import (
    InstrumentContext,
    SampleRecord,
    rapid_test_envelope,
    sample_envelope,
    sample_id,
)
from firmware_bridge.gps import GpsTracker
from firmware_bridge.readings import TestReading
from firmware_bridge.sampling import SampleRequest
from firmware_bridge.state import BridgeState

logger = logging.getLogger(__name__)


class Publisher(Protocol):
    """Where envelopes go."""

    def publish(self, env: EnvelopeBase) -> None:
        """Queue one envelope durably (returning means it will be delivered)."""
        ...


class OutboxPublisher:
    """`Publisher` adapter on the shared durable outbox (the pump drains it to MQTT)."""

    def __init__(
        self,
        outbox: SqliteOutbox,
        wake: Callable[[], None] | None = None,
        on_published: Callable[[EnvelopeBase], None] | None = None,
        signer: EnvelopeSigner | None = None,
    ) -> None:
        self.outbox = outbox
        self._signer = signer or EnvelopeSigner()
        self._wake = wake
        self._on_published = on_published

    def publish(self, env: EnvelopeBase) -> None:
        """Put the envelope on its protocol topic."""
        kind = str(getattr(env, "kind", ""))
        payload = self._signer.sign(env.device, env.to_json())
        self.outbox.put(message_topic(env.site, env.device, kind), payload)
        if self._wake is not None:
            self._wake()
        if self._on_published is not None:
            self._on_published(env)


class Recorder:
    """Publishes rapid tests (geo-tagged with the station) and samples (with the live fix)."""

    def __init__(
        self,
        state: BridgeState,
        publisher: Publisher,
        *,
        site: str,
        device: str,
        station_geo: Callable[[], Geo],
        gps: GpsTracker | None = None,
        sample_fallback: Geo | None = None,
    ) -> None:
        self.state = state
        self.publisher = publisher
        self.site, self.device = site, device
        self._station_geo = station_geo
        self._gps = gps
        self._sample_fallback = sample_fallback
        self._lock = threading.Lock()  # coordinators share one recorder
        self.published = 0

    def now(self) -> datetime:
        """GPS time when the receiver has it, else the system clock (UTC)."""
        gps_time = self._gps.utc_now() if self._gps is not None else None
        return gps_time or utc_now()

    def is_published(self, ctx: InstrumentContext, key: str) -> bool:
        """Whether a reading key of this instrument was already published."""
        return self.state.published(f"{ctx.device}/{key}")

    def reading(self, reading: TestReading, ctx: InstrumentContext) -> bool:
        """Publish one reading unless it was published before; True if published now."""
        key = f"{ctx.device}/{reading.key}"
        with self._lock:
            if self.state.published(key):
                return False
            if reading.tested_at is not None:
                tested_at = reading.tested_at.replace(tzinfo=ctx.tz)
            else:
                tested_at = self.now().astimezone(ctx.tz)
            sample = sample_id(reading, ctx, tested_at)
            commodity = (
                reading.commodity or self.state.commodity_of(sample) or ctx.default_commodity
            )
            env = rapid_test_envelope(
                reading,
                ctx,
                tested_at=tested_at,
                sample=sample,
                commodity=commodity,
                geo=self._station_geo(),
            )
            self.publisher.publish(env)
            self.state.mark_published(key)
            self.published += 1
        logger.info(
            "%s: %s %s %s → %s",
            ctx.device,
            sample,
            commodity,
            "-" if reading.inhibition_pct is None else f"{reading.inhibition_pct:.2f} %",
            reading.result.value,
        )
        return True

    def sample(self, req: SampleRequest) -> bool:
        """Publish a sampling record with the live fix; False (retry later) without one."""
        key = f"sample/{req.request_id}"
        if self.state.published(key):
            return True  # published before a crash kept its spool file: done already
        pos = self._gps.position() if self._gps is not None else None
        geo = pos.geo() if pos is not None else self._sample_fallback
        if geo is None:
            return False
        rec = SampleRecord(
            req.request_id,
            req.sample,
            req.commodity,
            req.inspector,
            req.lot,
            req.plot,
            req.photo_sha256,
        )
        env = sample_envelope(rec, site=self.site, device=self.device, when=self.now(), geo=geo)
        with self._lock:
            self.publisher.publish(env)
            self.state.remember_sample(req.sample, req.commodity)
            self.state.mark_published(key)
            self.published += 1
        logger.info("sample %s (%s) at %s,%s", req.sample, req.commodity, geo.lat, geo.lon)
        return True
