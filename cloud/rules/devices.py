"""Message rules about devices and samples: device_offline, clock_skew, sample_out_of_geofence.

Each needs the message alone (plus its arrival time or its site's geofence): no history.
"""

from typing import Any

from agrisafe.geometry import point_in_polygon
from agrisafe.protocol import (
    DeviceState,
    Envelope,
    GeoFix,
    OfflineReason,
    Rule,
    SampleEnvelope,
    StatusEnvelope,
)
from agrisafe.timeutil import format_rfc3339, from_ms, to_ms
from cloud.domain import AlertDraft


def device_offline(env: Envelope) -> AlertDraft | None:
    """A status `offline` from the MQTT last will opens device_offline; a graceful goodbye
    (`reason: shutdown`) is not a fault and opens nothing."""
    if not isinstance(env, StatusEnvelope) or env.body.state is not DeviceState.OFFLINE:
        return None
    if env.body.reason is OfflineReason.SHUTDOWN:
        return None
    return AlertDraft(
        Rule.DEVICE_OFFLINE,
        env.site,
        f"device:{env.device}",
        env.id,
        env.ts,
        (env.id,),
        {"device": env.device},
    )


def clock_skew(env: Envelope, received_ms: int, tolerance_s: int) -> AlertDraft | None:
    """Event time ahead of arrival by more than the tolerance: one open alert per device."""
    ahead_ms = to_ms(env.ts) - received_ms
    if ahead_ms <= tolerance_s * 1000:
        return None
    subject = f"device:{env.device}"
    return AlertDraft(
        Rule.CLOCK_SKEW,
        env.site,
        subject,
        env.id,
        env.ts,
        (env.id,),
        {
            "device": env.device,
            "ahead_s": round(ahead_ms / 1000, 3),
            "tolerance_s": tolerance_s,
            "received_at": format_rfc3339(from_ms(received_ms)),
        },
        key=f"{Rule.CLOCK_SKEW.value}|{env.site}|{subject}",
    )


def inside_polygon(lon: float, lat: float, polygon: dict[str, Any]) -> bool:
    """True when (lon, lat) lies in a GeoJSON Polygon (outer ring minus holes)."""
    rings = polygon["coordinates"]
    # A point exactly on an edge may fall either way, which a GPS fix cannot tell anyway.
    if not point_in_polygon(lon, lat, rings[0]):
        return False
    return not any(point_in_polygon(lon, lat, hole) for hole in rings[1:])


def sample_out_of_geofence(env: Envelope, geofence: dict[str, Any] | None) -> AlertDraft | None:
    """A sample whose GPS position lies outside its site's geofence (if the site has one)."""
    if not isinstance(env, SampleEnvelope) or geofence is None or env.geo is None:
        return None
    geo = env.geo
    if geo.fix is GeoFix.NONE or geo.lat is None or geo.lon is None:
        return None
    if inside_polygon(geo.lon, geo.lat, geofence):
        return None
    return AlertDraft(
        Rule.SAMPLE_OUT_OF_GEOFENCE,
        env.site,
        f"sample:{env.body.sample}",
        env.id,
        env.ts,
        (env.id,),
        {"lat": geo.lat, "lon": geo.lon, "fix": geo.fix.value, "inspector": env.body.inspector},
    )
