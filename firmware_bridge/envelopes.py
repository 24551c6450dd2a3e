"""Pure construction of `rapid_test` and `sample` envelopes from readings and sampling records.

Message ids are derived from what the message is about (UUIDv7 layout: the event time, then bits
of an HMAC-SHA256 of site/device/key), so reading the same record again after a restart yields
the same id and the cloud treats it as the duplicate it is, instead of a second positive.

The HMAC is keyed with the bridge's own secret (`firmware_bridge/idkey.py`, persisted in its
data directory): message ids are one global first-come namespace in the cloud, and an id anyone
can compute from what the instrument's screen shows (time, record number, channel) could be
claimed first by another sender, turning the real positive into a rejected `id_reuse`.
"""

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache

from agrisafe.protocol import (
    Geo,
    Kind,
    RapidTestBody,
    RapidTestEnvelope,
    SampleBody,
    SampleEnvelope,
)
from firmware_bridge.maths import enzyme
from firmware_bridge.readings import Kit, TestReading

_IDENT = re.compile(r"^[^/+#\s][^/+#]*$")
DEFAULT_SAMPLE_TEMPLATE = "S-{date:%Y%m%d}-{sample_no:04d}"


MIN_ID_KEY_BYTES = 16


def stable_id(when: datetime, key: str, secret: bytes) -> str:
    """A UUIDv7-shaped id: 48-bit Unix ms of `when`, then 74 bits of HMAC-SHA256(secret, key).

    The same (when, key, secret) always gives the same id; without `secret` it cannot be
    predicted.
    """
    if len(secret) < MIN_ID_KEY_BYTES:
        raise ValueError(f"an id key needs at least {MIN_ID_KEY_BYTES} bytes")
    ms = int(when.timestamp() * 1000) & ((1 << 48) - 1)
    mac = hmac.new(secret, key.encode("utf-8"), hashlib.sha256).digest()
    digest = int.from_bytes(mac[:10], "big")
    rand_a = digest >> 68  # 12 bits
    rand_b = digest & ((1 << 62) - 1)
    value = ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


@dataclass(frozen=True, slots=True)
class InstrumentContext:
    """What an instrument's readings need to become envelopes."""

    site: str
    device: str
    instrument: str  # model and serial as shown to people, e.g. "DY-3000#12"
    kit: Kit
    tz: tzinfo
    sample_template: str = DEFAULT_SAMPLE_TEMPLATE
    default_commodity: str = "未登记样品"
    # The bridge's persisted id secret (app.py passes it). Left out, a random key of this
    # process is used: ids stay unguessable, but are stable only until a restart.
    id_key: bytes | None = field(default=None, kw_only=True, repr=False)

    def message_key(self) -> bytes:
        """The secret that keys this instrument's message ids."""
        return self.id_key if self.id_key is not None else _process_key()


@cache
def _process_key() -> bytes:
    # Only for contexts built without the bridge's key (tests, tools): never a public default.
    return secrets.token_bytes(32)


def sample_id(reading: TestReading, ctx: InstrumentContext, tested_at: datetime) -> str:
    """The instrument's sample id, else one made from the template, else from record/channel."""
    if reading.sample and _IDENT.match(reading.sample):
        return reading.sample
    if reading.sample_no:
        made = ctx.sample_template.format(
            device=ctx.device, date=tested_at, sample_no=reading.sample_no, channel=reading.channel
        )
        if _IDENT.match(made):
            return made
    return f"{ctx.device}-{tested_at:%Y%m%d%H%M%S}-C{reading.channel or 0}"


def rapid_test_envelope(
    reading: TestReading,
    ctx: InstrumentContext,
    *,
    tested_at: datetime,
    sample: str,
    commodity: str,
    geo: Geo | None,
) -> RapidTestEnvelope:
    """The `rapid_test` message of one reading; `tested_at` is aware."""
    advice = enzyme.retest_advice(commodity, reading.result, ctx.kit.retest_matrices)
    fields: dict[str, object] = {
        "sample": sample,
        "commodity": commodity,
        "method": reading.method,
        "analyte": reading.analyte or ctx.kit.analyte,
        "result": reading.result,
        "inhibition_pct": reading.inhibition_pct,
        "t_c_ratio": reading.t_c_ratio,
        "lot": reading.lot,
        "plot": reading.plot,
        "instrument": ctx.instrument,
        "operator": reading.operator,
        "retest_advice": advice,
        "raw_hex": reading.raw.hex() if reading.raw else None,
        # Extra fields the contract keeps: which channel, and why a result is invalid.
        "channel": reading.channel,
        "invalid_reason": reading.reason,
    }
    body = RapidTestBody.model_validate({k: v for k, v in fields.items() if v is not None})
    return RapidTestEnvelope(
        v=1,
        id=stable_id(tested_at, f"{ctx.site}/{ctx.device}/{reading.key}", ctx.message_key()),
        kind=Kind.RAPID_TEST,
        site=ctx.site,
        device=ctx.device,
        ts=tested_at,
        geo=geo,
        body=body,
    )


@dataclass(frozen=True, slots=True)
class SampleRecord:
    """A sampling (抽样) act: who took what, with an optional photo hash."""

    request_id: str
    sample: str
    commodity: str
    inspector: str
    lot: str | None = None
    plot: str | None = None
    photo_sha256: str | None = None


def sample_envelope(
    rec: SampleRecord, *, site: str, device: str, when: datetime, geo: Geo
) -> SampleEnvelope:
    """The `sample` message; `geo` must carry a fix (the contract refuses one without)."""
    return SampleEnvelope(
        v=1,
        id=rec.request_id,  # the request's own id: a retried request is the same message
        kind=Kind.SAMPLE,
        site=site,
        device=device,
        ts=when,
        geo=geo,
        body=SampleBody(
            sample=rec.sample,
            commodity=rec.commodity,
            inspector=rec.inspector,
            lot=rec.lot,
            plot=rec.plot,
            photo_sha256=rec.photo_sha256,
        ),
    )
