"""Removing a device from a site (audited): it may no longer send, at once."""

import logging

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from cloud.access import Caller, NotFound, audited
from cloud.registry.service import RegistryService
from cloud.store import sites

logger = logging.getLogger(__name__)


def remove(
    engine: Engine, registry: RegistryService, caller: Caller, site: str, device: str
) -> None:
    """Delete the device row and forget it in this process's sender cache (NotFound if absent).

    Its records, alerts and evidence stay. Ingest processes other than this one forget it
    when their cached answer expires (`RegistryService.sender_ttl_s`, 30 s).
    """
    now = Clock().now_ms()
    with engine.begin() as conn:
        if not sites.delete_device(conn, site, device):
            raise NotFound(f"no device {device} at site {site}")
        audited(conn, caller, "device.remove", f"device:{site}/{device}", {}, now)
    registry.forget_sender(site, device)
    logger.info("device %s removed from site %s by %s", device, site, caller.name)
