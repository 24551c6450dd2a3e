"""Generated ingest traffic: rapid tests with distinct event times, some positive, some repeated."""

from dataclasses import dataclass, field

import orjson

from agrisafe.protocol import Kind
from testkit.messages import message, topic_of

BASE_TS = 1_780_000_000  # 2026-05-28 (UTC), far from "now" so no clock-skew logic interferes


@dataclass
class Load:
    """What a test publishes and what it must find afterwards."""

    site: str
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    positives: set[str] = field(default_factory=set)


def rapid_tests(site: str, n: int, *, positives: int = 0, repeats: int = 0) -> Load:
    """`n` unique rapid tests (one second apart), the first `positives` positive; then the
    first `repeats` messages again, byte for byte (QoS 1 duplicates)."""
    load = Load(site)
    for i in range(n):
        positive = i < positives
        env = message(
            Kind.RAPID_TEST,
            site=site,
            device=f"rt-{i % 4}",
            sample=f"S-{i}",
            result="positive" if positive else "negative",
            inhibition_pct=72.0 if positive else float(i % 40),
        )
        env["ts"] = _rfc3339(BASE_TS + i)
        load.messages.append((topic_of(env), orjson.dumps(env)))
        load.ids.add(env["id"])
        if positive:
            load.positives.add(env["id"])
    load.messages.extend(load.messages[:repeats])
    return load


def _rfc3339(epoch_s: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")
