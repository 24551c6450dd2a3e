"""Activity events → protocol-v1 `activity` envelopes, with ids that a re-run reproduces.

Ids are UUIDv7-shaped (48-bit event-time ms, version, variant) with the remaining bits taken from
a hash of what identifies the fact (site, device, camera, activity, plot, back-dated start,
state). Processing the same file again after a crash therefore re-creates the same ids, and the
cloud's id de-duplication makes the replay harmless — exactly once in effect.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from agrisafe.protocol import (
    ActivityBody,
    ActivityEnvelope,
    ActivityState,
    ActivityType,
    EvidenceRef,
    Geo,
    Kind,
    ModelRef,
)
from edge.activity import ActivityEvent
from edge.detect.base import ModelInfo


@dataclass(frozen=True, slots=True)
class CameraContext:
    """Who sends, and from where."""

    site: str
    device: str
    camera: str
    geo: Geo | None = None
    commissioned: bool | None = None  # None: not known (offline evaluation)


@dataclass(frozen=True, slots=True)
class Trust:
    """What an activity says about how far it can be trusted (the cloud's abstention rule)."""

    verified: bool | None = None
    out_of_domain: bool | None = None
    commissioned: bool | None = None


def stable_id(ts: datetime, *parts: str) -> str:
    """A UUIDv7-layout id whose time is `ts` and whose other bits hash `parts`."""
    ms = int(ts.timestamp() * 1000) & ((1 << 48) - 1)
    digest = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:10], "big")
    rand_a = digest >> 68 & 0xFFF
    rand_b = digest & ((1 << 62) - 1)
    value = ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def track_id(ctx: CameraContext, event: ActivityEvent) -> str:
    """The id shared by the start and the end of one activity instance."""
    key = f"{ctx.site}|{ctx.device}|{ctx.camera}|{event.activity}|{event.plot}|{event.first_ts}"
    return "act-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def activity_envelope(
    ctx: CameraContext,
    model: ModelInfo,
    event: ActivityEvent,
    evidence: list[EvidenceRef],
    trust: Trust | None = None,
) -> ActivityEnvelope:
    """The `activity` message of one start or end (trust fields only when known)."""
    track = track_id(ctx, event)
    t = trust or Trust(commissioned=ctx.commissioned)
    flags = {
        k: v
        for k, v in (
            ("verified", t.verified),
            ("out_of_domain", t.out_of_domain),
            ("commissioned", t.commissioned),
        )
        if v is not None
    }
    return ActivityEnvelope(
        v=1,
        id=stable_id(event.ts, track, event.state),
        kind=Kind.ACTIVITY,
        site=ctx.site,
        device=ctx.device,
        ts=event.ts,
        geo=ctx.geo,
        body=ActivityBody(
            activity=ActivityType(event.activity),
            state=ActivityState(event.state),
            plot=event.plot,
            confidence=min(1.0, max(0.0, event.confidence)),
            track=track,
            evidence=evidence,
            model=ModelRef(name=model.name, version=model.version),
            camera=ctx.camera,  # an extra field: the protocol keeps it
            **flags,
        ),
    )
