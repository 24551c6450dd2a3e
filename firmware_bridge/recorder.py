"""Turns readings and sampling requests into envelopes and publishes each exactly once.

This is the thin runner between the pure parts (readings, envelopes, GPS state) and the
durable outbox: it resolves the sample id and commodity, picks the position, publishes, and
remembers what it published.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError

from agrisafe.identity import EnvelopeSigner
from agrisafe.outbox import SqliteOutbox
from agrisafe.protocol import EnvelopeBase, Geo, RapidTestEnvelope
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import to_ms, utc_now
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


TIME_KEY_SINCE = "dedupe.time_key_since_ms"


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
        self.quarantined = 0  # readings set aside: the message model refused them
        # When this bridge first ran with `@time` dedupe keys (kept: the line stays put).
        since = state.cursor(TIME_KEY_SINCE)
        if since is None:
            since = str(int(time.time() * 1000))
            state.set_cursor(TIME_KEY_SINCE, since)
        self._time_key_since = int(since)

    def now(self) -> datetime:
        """GPS time when the receiver has it, else the system clock (UTC)."""
        gps_time = self._gps.utc_now() if self._gps is not None else None
        return gps_time or utc_now()

    def is_published(self, ctx: InstrumentContext, key: str) -> bool:
        """Whether a reading key of this instrument was already published."""
        return self.state.published(f"{ctx.device}/{key}")

    def reading(self, reading: TestReading, ctx: InstrumentContext) -> bool:
        """Publish one reading unless it was published (or set aside) before; True if now.

        A reading the message model refuses (a `/` in a lot id …) can never be published, and
        retrying it would hold up every later reading of its instrument: it goes to the
        quarantine with its raw frame and the reason instead, and False is returned. Errors of
        the outbox or the state (disk full …) still raise, so the caller retries them.
        """
        key = f"{ctx.device}/{reading.dedupe_key}"
        with self._lock:
            if self.state.published(key):
                return False
            if self._published_before_upgrade(reading, ctx):
                self.state.mark_published(key)  # remembered under its new key from now on
                return False
            try:
                env = self._rapid_test(reading, ctx)
            except ValidationError as err:  # about this reading: it will never pass
                self._quarantine(key, reading, err)
                return False
            self.publisher.publish(env)
            self.state.mark_published(key)
            self.published += 1
        body = env.body
        logger.info(
            "%s: %s %s %s → %s",
            ctx.device,
            body.sample,
            body.commodity,
            "-" if reading.inhibition_pct is None else f"{reading.inhibition_pct:.2f} %",
            reading.result.value,
        )
        return True

    def _published_before_upgrade(self, reading: TestReading, ctx: InstrumentContext) -> bool:
        """A record a bridge before the `@time` dedupe key published (by its bare key).

        Such a bare key names the record that carried its number up to this bridge's first
        start with the time key (`TIME_KEY_SINCE`): a record tested before then is that record
        (not published again under a new id: no second alert for a positive), one tested after
        it reuses the number (memory cleared) and is new. The bridge's own start is the line,
        not the instant the old row was written: the instrument's clock may run minutes fast.
        """
        if reading.occurrence is None or reading.tested_at is None:
            return False
        if not self.state.published(f"{ctx.device}/{reading.key}"):
            return False
        return to_ms(reading.tested_at.replace(tzinfo=ctx.tz)) <= self._time_key_since

    def _rapid_test(self, reading: TestReading, ctx: InstrumentContext) -> RapidTestEnvelope:
        if reading.tested_at is not None:
            tested_at = reading.tested_at.replace(tzinfo=ctx.tz)
        else:
            tested_at = self.now().astimezone(ctx.tz)
        sample = sample_id(reading, ctx, tested_at)
        # A blank name (a DY-3000 name field of spaces) names nothing: fall back as for none.
        named = (reading.commodity or "").strip()
        commodity = named or self.state.commodity_of(sample) or ctx.default_commodity
        return rapid_test_envelope(
            reading,
            ctx,
            tested_at=tested_at,
            sample=sample,
            commodity=commodity,
            geo=self._station_geo(),
        )

    def _quarantine(self, key: str, reading: TestReading, err: ValidationError) -> None:
        reason = " ".join(str(err).split())[:2000]
        self.state.quarantine(key, reading.raw, reason)
        self.quarantined += 1
        logger.error(
            "%s: reading QUARANTINED, it can never become a message (raw %s): %s; "
            "later readings go on; the reading stays in %s (table quarantine)",
            key,
            reading.raw[:64].hex(),
            reason,
            self.state.path,
        )

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
