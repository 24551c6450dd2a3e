"""MQTT plumbing shared by every component: URLs, paho sessions, the embedded broker."""

from agrisafe.mqtt.client import BrokerUnavailable, MqttSession, Will
from agrisafe.mqtt.url import BrokerAddress, MqttProtocol, parse_mqtt_url

__all__ = [
    "BrokerAddress",
    "BrokerUnavailable",
    "MqttProtocol",
    "MqttSession",
    "Will",
    "parse_mqtt_url",
]
