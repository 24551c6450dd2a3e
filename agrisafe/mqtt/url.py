"""MQTT broker URLs: mqtt://user:pass@host:port?protocol=5&client_id=x (mqtts:// for TLS)."""

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit


class MqttProtocol(StrEnum):
    """Protocol level spoken to the broker."""

    V311 = "3.1.1"
    V5 = "5"


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where and how to connect to a broker."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    protocol: MqttProtocol = MqttProtocol.V311
    ca_file: str | None = None
    insecure: bool = False

    def url(self) -> str:
        """URL form without the password (safe to log)."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        query = "?protocol=5" if self.protocol is MqttProtocol.V5 else ""
        return f"{scheme}://{user}{self.host}:{self.port}{query}"


def parse_mqtt_url(url: str) -> BrokerAddress:
    """Parse a broker URL; raise ValueError with the reason for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"MQTT URL has no host: {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    proto = query.get("protocol", "3.1.1")
    if proto in ("5", "5.0", "mqttv5"):
        protocol = MqttProtocol.V5
    elif proto in ("3.1.1", "311", "4", "mqttv311"):
        protocol = MqttProtocol.V311
    else:
        raise ValueError(f"unknown MQTT protocol {proto!r}: use 3.1.1 or 5")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError as err:
        raise ValueError(f"bad port in MQTT URL {url!r}") from err
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        protocol=protocol,
        ca_file=query.get("ca"),
        insecure=query.get("insecure") in ("1", "true"),
    )
