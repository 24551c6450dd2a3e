"""Cloud broker → check → site broker: commands for this site's devices (docs/gateway.md).

Commands ride the gateway's one cloud connection (the outbox pump's: a broker that forces the
client id to the login allows one). Each is checked as the device will check it — for this
site, signed by the cloud, not expired, well-formed — before it enters the site; anything else
stays in the local quarantine with its raw bytes. The device's answer goes back up as an
ordinary `command_result` message through the relay and the outbox, so it is signed,
acknowledged end to end and chained like any record.
"""

import logging
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from agrisafe.identity import VerifyKey
from agrisafe.identity.downlink import check_command
from agrisafe.mqtt.client import MqttSession
from agrisafe.outbox import OutboxPump
from agrisafe.protocol.commands import Refused
from agrisafe.protocol.topics import command_filter
from gateway.quarantine import Kept, LocalQuarantine, now_ms

logger = logging.getLogger(__name__)


@dataclass
class DownlinkStats:
    """Counters for telemetry."""

    relayed: int = 0
    refused: int = 0


class Downlink:
    """Relays checked commands from the cloud broker onto the site broker."""

    def __init__(
        self,
        site: str,
        cloud_key: VerifyKey | None,
        site_session: MqttSession,
        quarantine: LocalQuarantine,
    ) -> None:
        self.site = site
        self.cloud_key = cloud_key
        self.site_session = site_session
        self.quarantine = quarantine
        self.stats = DownlinkStats()
        if cloud_key is None:
            logger.warning("gateway: no cloud_key configured, so no command will reach the site")

    def attach(self, pump: OutboxPump) -> None:
        """Receive the site's commands on the pump's cloud connection."""
        pump.listen(command_filter(self.site), self.on_command)

    def on_command(self, msg: mqtt.MQTTMessage) -> None:
        """One command from the cloud broker (paho's network thread: checks are cheap)."""
        payload = bytes(msg.payload)
        rx = now_ms()
        verdict = check_command(
            msg.topic, payload, site=self.site, device=None, cloud_key=self.cloud_key, now_ms=rx
        )
        if isinstance(verdict, Refused):
            self.stats.refused += 1
            cmd = verdict.command
            self.quarantine.add(
                [
                    Kept(
                        rx,
                        msg.topic,
                        cmd.device if cmd else None,
                        cmd.id if cmd else None,
                        f"command_{verdict.reason.value}",
                        verdict.detail,
                        payload[:65536],
                        len(payload),
                    )
                ]
            )
            logger.warning("command on %s not relayed: %s", msg.topic, verdict.detail)
            return
        # QoS 1 on the site broker; paho keeps it for the session if the site broker is away.
        self.site_session.client.publish(msg.topic, payload, qos=1)
        self.stats.relayed += 1
        logger.info("command %s %s relayed to %s", verdict.id, verdict.name.value, verdict.device)
