"""Time-series points: one value object, its outbox JSON form and InfluxDB line protocol.

Every field value is a float: InfluxDB refuses a field whose type changes between writes
(1 then 1.5), and VictoriaMetrics stores float64 anyway. Strings are never fields
(VictoriaMetrics stores string fields as 0): outcomes are numeric codes or tags.
Times are epoch milliseconds, the precision VictoriaMetrics keeps.
"""

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import orjson

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What the SQL store's columns hold (cloud/store/timeseries_tables.py): `field` VARCHAR(64),
# `series` VARCHAR(1024). Telemetry keys and tag values (512 characters, twice that once JSON
# escapes quotes) may be longer, and a protocol-valid message must never be refused by the
# time-series store, so over-long names are shortened here, deterministically, for every store.
MAX_FIELD_CHARS = 64
MAX_SERIES_CHARS = 1024
MAX_TAG_CHARS = 64  # a shortened tag value; `site` is never shortened (queries select by it)
_DIGEST_CHARS = 16


@lru_cache(maxsize=65536)
def _series_json(tags: tuple[tuple[str, str], ...]) -> str:
    # Cached: a device reports the same few tag sets all day (hot path of every stored record).
    return orjson.dumps(dict(tags)).decode()


class PointError(ValueError):
    """A point that cannot be written (no fields, bad name, non-finite value)."""


def bounded(text: str, limit: int, sep: str = "~") -> str:
    """`text` when it has at most `limit` characters, else its head, `sep` and 16 hex digits
    of its SHA-256: the same long name always gives the same short one, and two long names
    that share a head still differ."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST_CHARS]
    return text[: limit - len(sep) - _DIGEST_CHARS] + sep + digest


def bounded_tags(tags: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Tags whose canonical JSON fits `MAX_SERIES_CHARS`: unchanged when they fit, else every
    tag value but `site` over `MAX_TAG_CHARS` shortened by `bounded` (then to its digest alone
    should that still not fit)."""
    if len(_series_json(tags)) <= MAX_SERIES_CHARS:
        return tags
    for limit in (MAX_TAG_CHARS, _DIGEST_CHARS + 1):
        short = tuple((k, v if k == "site" else bounded(v, limit)) for k, v in tags)
        if len(_series_json(short)) <= MAX_SERIES_CHARS:
            return short
    raise PointError(f"tags too long for a series even when shortened: {tags!r:.200}")


@dataclass(frozen=True, slots=True)
class Point:
    """One measurement at one instant: tags identify the series, fields carry the numbers."""

    measurement: str
    tags: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, float], ...]
    ts_ms: int

    @property
    def series_key(self) -> str:
        """Canonical JSON of the tags (sorted): identifies the series within the measurement."""
        return _series_json(self.tags)

    def tag(self, name: str) -> str | None:
        """Value of one tag, if present."""
        for key, value in self.tags:
            if key == name:
                return value
        return None


def clean_tag(value: str) -> str:
    """Tag values without control characters (line protocol has no escape for newlines)."""
    if not value.isprintable():  # rare: skip the regex for ordinary text (hot path)
        value = _CONTROL.sub(" ", value)
    return value.strip()


def make_point(
    measurement: str,
    tags: Mapping[str, str | None],
    fields: Mapping[str, float | None],
    ts_ms: int,
) -> Point | None:
    """A point from loose parts: empty tags and missing or non-finite fields are dropped,
    over-long field names and tag values shortened (`bounded`, `bounded_tags`).

    Returns None when no field is left (a point needs at least one).
    """
    cleaned = [(k, clean_tag(v)) for k, v in tags.items() if v is not None]
    kept_tags = bounded_tags(tuple(sorted((k, v) for k, v in cleaned if v)))
    kept_fields = tuple(
        sorted(
            (bounded(k, MAX_FIELD_CHARS, "_"), float(v))
            for k, v in fields.items()
            if v is not None and math.isfinite(v)
        )
    )
    if not kept_fields:
        return None
    return Point(measurement, kept_tags, kept_fields, ts_ms)


# -- outbox form -------------------------------------------------------------------------
def to_json(point: Point) -> str:
    """Compact JSON kept in the outbox: [measurement, {tags}, {fields}, ts_ms]."""
    return orjson.dumps(
        [point.measurement, dict(point.tags), dict(point.fields), point.ts_ms]
    ).decode()


def from_json(text: str | bytes) -> Point:
    """Inverse of `to_json`; raises PointError on anything else."""
    try:
        m, tags, fields, ts = orjson.loads(text)
        tag_items = tuple(sorted(tags.items()))
        field_items = tuple(sorted((k, float(v)) for k, v in fields.items()))
    except (ValueError, TypeError, AttributeError) as err:
        raise PointError(f"not an outbox point: {text!r:.200}") from err
    if not (
        isinstance(m, str)
        and isinstance(ts, int)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in tag_items)
        and all(isinstance(k, str) for k, _ in field_items)
    ):
        raise PointError(f"not an outbox point: {text!r:.200}")
    return Point(m, tag_items, field_items, ts)


# -- line protocol -----------------------------------------------------------------------
@lru_cache(maxsize=65536)
def _esc_measurement(text: str) -> str:
    text = _CONTROL.sub(" ", text)  # a newline would end the line
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")


@lru_cache(maxsize=65536)  # tag keys and values repeat all day: escape each once
def _esc_key(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise PointError(f"non-finite field value {value}")
    return repr(value)


def to_line(point: Point) -> str:
    """InfluxDB line protocol, millisecond timestamp (write with precision=ms)."""
    if not point.fields:
        raise PointError(f"point of {point.measurement!r} has no fields")
    head = _esc_measurement(point.measurement)
    if point.tags:
        head += "," + ",".join(f"{_esc_key(k)}={_esc_key(v)}" for k, v in point.tags)
    body = ",".join(f"{_esc_key(k)}={_number(v)}" for k, v in point.fields)
    return f"{head} {body} {point.ts_ms}"
