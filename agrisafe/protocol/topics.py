"""MQTT topic strings of protocol v1, built and parsed in one place."""

from dataclasses import dataclass

from agrisafe.protocol.enums import Kind, Rule

ROOT = "agrisafe/v1"
CLOUD_ROOT = "agrisafe/cloud/v1"
# Five levels: matches device → cloud messages only, never commands (six levels) or cloud output.
INGEST_FILTER = f"{ROOT}/+/+/+"
SHARED_GROUP = "agrisafe-ingest"
ALERTS_FILTER = f"{CLOUD_ROOT}/alerts/#"
ACK_ROOT = f"{CLOUD_ROOT}/ack"
ACK_FILTER = f"{ACK_ROOT}/+/+"  # every ack topic (`ack_topic(site, device)`)
_FORBIDDEN = frozenset("/+#\x00")


class TopicError(ValueError):
    """A topic that is not a protocol v1 device topic."""


def _check_segment(name: str, value: str) -> str:
    if not value or any(ch in _FORBIDDEN for ch in value):
        raise TopicError(f"{name} {value!r} cannot be a topic segment")
    return value


def message_topic(site: str, device: str, kind: Kind | str) -> str:
    """`agrisafe/v1/{site}/{device}/{kind}`: device → cloud, QoS 1."""
    return f"{ROOT}/{_check_segment('site', site)}/{_check_segment('device', device)}/{kind}"


def alert_topic(region: str, rule: Rule | str) -> str:
    """`agrisafe/cloud/v1/alerts/{region}/{rule}`: cloud → regulators."""
    return f"{CLOUD_ROOT}/alerts/{_check_segment('region', region)}/{rule}"


def ack_topic(site: str, device: str) -> str:
    """`agrisafe/cloud/v1/ack/{site}/{device}`: cloud → sender, the ids it committed."""
    return f"{ACK_ROOT}/{_check_segment('site', site)}/{_check_segment('device', device)}"


def command_topic(site: str, device: str, name: str) -> str:
    """`agrisafe/v1/{site}/{device}/cmd/{name}`: cloud → device (through its gateway), QoS 1."""
    return f"{ROOT}/{_check_segment('site', site)}/{_check_segment('device', device)}/cmd/" + (
        _check_segment("command", name)
    )


def command_filter(site: str, device: str = "+") -> str:
    """Every command for one device of a site (or, with the default, for the whole site)."""
    return f"{ROOT}/{_check_segment('site', site)}/{device}/cmd/+"


def shared_filter(group: str = SHARED_GROUP, filt: str = INGEST_FILTER) -> str:
    """Shared-subscription form so N ingest workers split the load."""
    return f"$share/{group}/{filt}"


@dataclass(frozen=True, slots=True)
class MessageTopic:
    """The parts of a device → cloud topic."""

    site: str
    device: str
    kind: Kind


def parse_message_topic(topic: str) -> MessageTopic:
    """Parse `agrisafe/v1/{site}/{device}/{kind}`; raise `TopicError` otherwise."""
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != ROOT:
        raise TopicError(f"not a device message topic: {topic!r}")
    try:
        kind = Kind(parts[4])
    except ValueError:
        raise TopicError(f"unknown kind in topic: {parts[4]!r}") from None
    if not parts[2] or not parts[3]:
        raise TopicError(f"empty site or device in topic: {topic!r}")
    return MessageTopic(parts[2], parts[3], kind)


@dataclass(frozen=True, slots=True)
class CommandTopic:
    """The parts of a cloud → device command topic."""

    site: str
    device: str
    name: str


def parse_command_topic(topic: str) -> CommandTopic:
    """Parse `agrisafe/v1/{site}/{device}/cmd/{name}`; raise `TopicError` otherwise."""
    parts = topic.split("/")
    if len(parts) != 6 or f"{parts[0]}/{parts[1]}" != ROOT or parts[4] != "cmd":
        raise TopicError(f"not a command topic: {topic!r}")
    if not parts[2] or not parts[3] or not parts[5]:
        raise TopicError(f"empty site, device or command in topic: {topic!r}")
    return CommandTopic(parts[2], parts[3], parts[5])
