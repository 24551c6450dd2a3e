"""Pick the protocol level for a broker URL that does not name one: MQTT 5 when the broker
speaks it, else 3.1.1 with a warning (the broker's in-flight window then bounds ingest)."""

import logging
from dataclasses import replace

from agrisafe.ids import new_id
from agrisafe.mqtt.client import BrokerUnavailable, MqttSession
from agrisafe.mqtt.url import BrokerAddress, MqttProtocol, parse_mqtt_url

logger = logging.getLogger(__name__)


def _accepts(addr: BrokerAddress, timeout_s: float) -> bool:
    session = MqttSession(addr, f"agrisafe-probe-{new_id()[-12:]}")
    try:
        session.start(timeout_s)
    except BrokerUnavailable:
        return False
    session.stop()
    return True


def negotiated_address(url: str, timeout_s: float = 5.0) -> BrokerAddress:
    """The URL's address; without `?protocol=`, MQTT 5 unless the broker refuses it."""
    addr = parse_mqtt_url(url)
    if "protocol=" in url:
        return addr  # the operator chose
    v5 = replace(addr, protocol=MqttProtocol.V5)
    if _accepts(v5, timeout_s):
        return v5
    if _accepts(addr, timeout_s):
        logger.warning(
            "broker %s refused MQTT 5: using 3.1.1. Ingest acknowledges after the commit, so "
            "the broker's in-flight window (Mosquitto max_inflight_messages, default 20) now "
            "bounds every batch: raise it (deploy/mosquitto.conf) or use a broker with MQTT 5",
            addr.url(),
        )
        return addr
    return v5  # unreachable now: the workers retry and report it
