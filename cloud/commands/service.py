"""Issuing commands to devices and reading their answers (docs/gateway.md, "Downlink").

A command is stored and audited first, then signed with the cloud's key and queued on the
cloud's durable MQTT outbox; the device's answer comes back as a `command_result` record
(`cloud.commands.results`). A command nobody answered before it expired reads `expired`: a
box that was offline never ran it (devices refuse expired commands), so it may be sent again.
"""

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from agrisafe.identity import SigningKey
from agrisafe.identity.downlink import sign_command
from agrisafe.ids import new_id
from agrisafe.protocol.commands import Command
from agrisafe.protocol.enums import CommandName
from agrisafe.protocol.topics import command_topic
from agrisafe.timeutil import Clock, from_ms
from cloud.access import Caller, NotFound, Rejected, audited
from cloud.store import sites
from cloud.store import tables as t
from cloud.store.command_tables import device_commands

logger = logging.getLogger(__name__)

SENT = "sent"
EXPIRED = "expired"  # read-time status: sent, unanswered, past its expiry
MIN_TTL_S, MAX_TTL_S = 10, 7 * 86400
# Who may command a site's devices: its producer (their own cameras) and admins.
ISSUERS = frozenset({"admin", "producer"})

Publish = Callable[[str, bytes], None]  # (topic, payload) onto the cloud's durable outbox


def public(row: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """A command row as the API shows it (`expired` when unanswered past its expiry)."""
    out = dict(row)
    if out["status"] == SENT and out["expires_ms"] <= now_ms:
        out["status"] = EXPIRED
    return out


class CommandService:
    """Commands over the store, signed with the cloud's key, sent through `publish`."""

    def __init__(
        self, engine: Engine, key: SigningKey, publish: Publish, clock: Clock | None = None
    ) -> None:
        self.engine = engine
        self.key = key
        self.publish = publish
        self.clock = clock or Clock()

    def issue(
        self,
        caller: Caller,
        site: str,
        device: str,
        name: CommandName,
        params: dict[str, Any],
        ttl_s: int,
    ) -> dict[str, Any]:
        """Store, audit, sign and send one command; the stored row comes back."""
        if str(caller.role) not in ISSUERS:
            raise Rejected(f"a {caller.role} may not command devices")
        if not MIN_TTL_S <= ttl_s <= MAX_TTL_S:
            raise Rejected(f"ttl_s must be between {MIN_TTL_S} and {MAX_TTL_S}")
        now = self.clock.now_ms()
        cmd_id = new_id(now)
        try:
            cmd = Command(
                id=cmd_id,
                site=site,
                device=device,
                name=name,
                params=params,
                issued=from_ms(now),
                expires=from_ms(now + ttl_s * 1000),
                by=caller.name,
            )
            cmd.typed_params()  # the device checks again; a wrong one is refused here first
        except ValidationError as err:
            raise Rejected(f"{name.value}: {err.errors()[0]['msg']}") from None
        row = {
            "id": cmd_id,
            "site": site,
            "device": device,
            "name": name.value,
            "params": params,
            "issued_by": caller.name,
            "issued_ms": now,
            "expires_ms": now + ttl_s * 1000,
            "status": SENT,
            "detail": None,
            "evidence": None,
            "result_record": None,
            "answered_ms": None,
        }
        with self.engine.begin() as conn:
            self._in_scope(conn, caller, site, device)
            conn.execute(device_commands.insert().values(**row))
            detail = {"name": name.value, "params": params, "ttl_s": ttl_s}
            audited(conn, caller, "command.issue", f"command:{cmd_id}", detail, now)
        # Queued durably after the commit: a command is never sent that the store lacks.
        self.publish(command_topic(site, device, name.value), sign_command(cmd, self.key))
        logger.info("command %s %s → %s/%s by %s", cmd_id, name.value, site, device, caller.name)
        return row

    def _in_scope(self, conn: Any, caller: Caller, site: str, device: str) -> None:
        region = sites.site_details(conn, site)["region"]
        if not caller.sees(site, region):
            raise NotFound(f"no site {site!r} in scope")
        c = t.devices.c
        found = conn.execute(select(c.id).where(c.site == site, c.id == device)).first()
        if found is None:
            raise NotFound(f"no device {device} at site {site}")

    def listing(
        self, caller: Caller, site: str, device: str | None, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, commands) to a site in scope (optionally one device), newest first."""
        c = device_commands.c
        where = [c.site == site] + ([c.device == device] if device is not None else [])
        with self.engine.connect() as conn:
            region = sites.site_details(conn, site)["region"]
            if not caller.sees(site, region):
                raise NotFound(f"no site {site!r} in scope")
            total = conn.execute(
                select(func.count()).select_from(device_commands).where(*where)
            ).scalar_one()
            rows = conn.execute(
                select(device_commands)
                .where(*where)
                .order_by(c.issued_ms.desc(), c.id.desc())
                .limit(limit)
                .offset(offset)
            ).mappings()
            now = self.clock.now_ms()
            return int(total), [public(dict(r), now) for r in rows]
