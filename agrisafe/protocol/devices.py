"""Which message kinds each device type may send (part of the contract: docs/protocol.md).

Machines report what they measure: a camera or edge node sees activities, an instrument or its
bridge reports tests and samples, a GPS receiver tags samples. People's apps and terminals,
gateways (which forward for others) and untyped devices may send every kind. Every device may
send `status`, `telemetry` and `command_result` (its answers to commands). Keys are the
registry's device types.
"""

from agrisafe.protocol.enums import Kind

_ALWAYS = (Kind.STATUS, Kind.TELEMETRY, Kind.COMMAND_RESULT)
_EVERY = tuple(Kind)
DEVICE_KINDS: dict[str, tuple[Kind, ...]] = {
    "camera": (Kind.ACTIVITY, *_ALWAYS),
    "edge": (Kind.ACTIVITY, *_ALWAYS),
    "instrument": (Kind.RAPID_TEST, Kind.SAMPLE, *_ALWAYS),
    "bridge": (Kind.RAPID_TEST, Kind.SAMPLE, *_ALWAYS),
    "gps": (Kind.SAMPLE, *_ALWAYS),
    "gateway": _EVERY,
    "app": _EVERY,
    "terminal": _EVERY,
    "other": _EVERY,
}


def kind_allowed(device_type: str | None, kind: Kind) -> bool:
    """True when a device of this type may send this kind (unknown or no type: every kind)."""
    allowed = DEVICE_KINDS.get(device_type or "other")
    return allowed is None or kind in allowed
