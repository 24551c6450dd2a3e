"""What the pump says about itself: its presence messages, and hints for a quarantined row."""

from agrisafe.ids import new_id
from agrisafe.protocol import DeviceState, Kind, OfflineReason, StatusBody, StatusEnvelope
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import utc_now


def status_message(
    site: str, device: str, state: DeviceState, reason: OfflineReason | None = None
) -> tuple[str, bytes]:
    """Topic and payload of a presence message."""
    env = StatusEnvelope(
        v=1,
        id=new_id(),
        kind=Kind.STATUS,
        site=site,
        device=device,
        ts=utc_now(),
        body=StatusBody(state=state, reason=reason),
    )
    return message_topic(site, device, Kind.STATUS), env.to_json()


# What a sender can do about the commonest reasons (shown with the error).
QUARANTINE_HINTS = {
    "unknown_device": (
        ": this site/device is not in the cloud's registry (register it, or set "
        "AGRISAFE_AUTO_REGISTER=true on a demo cloud)"
    ),
    "kind_not_allowed": ": the registry's device type may not send this kind",
    "schema": ": the message does not match the protocol (docs/protocol.md)",
    "event_time": ": the event time is too far from the cloud's clock (check this box's clock)",
}
