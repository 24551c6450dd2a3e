"""Devices' answers to commands: an ingest stage that settles the command and audits it.

Runs as an ingest `StoredRecordSink`, so the answer settles its command in the same transaction
that stores (and chains) the `command_result` record. Only the device the command was sent to
can answer it, and only the first answer counts; anything else is logged and changes nothing
(the record itself stays stored as what that device said).
"""

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, update

from agrisafe.protocol.envelope import CommandResultEnvelope
from cloud.commands.service import SENT
from cloud.domain import StoredRecord
from cloud.store import audit
from cloud.store.command_tables import device_commands

logger = logging.getLogger(__name__)


class CommandResultStage:
    """`StoredRecordSink`: a stored `command_result` answers its command."""

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        """Settle the commands the batch's answers name (in the ingest transaction)."""
        for rec in stored:
            env = rec.envelope
            if isinstance(env, CommandResultEnvelope):
                settle(conn, env, rec.received_ms)


def settle(conn: Connection, env: CommandResultEnvelope, received_ms: int) -> bool:
    """Record one answer; False when it names no open command sent to this device."""
    body = env.body
    c = device_commands.c
    done = conn.execute(
        update(device_commands)
        .where(
            c.id == body.command,
            c.site == env.site,
            c.device == env.device,
            c.name == body.name.value,
            c.status == SENT,
        )
        .values(
            status=body.status.value,
            detail=body.detail,
            evidence=[e.model_dump(mode="json") for e in body.evidence] or None,
            result_record=env.id,
            answered_ms=received_ms,
        )
    ).rowcount
    if not done:
        logger.warning(
            "command_result %s from %s/%s names no open %s command %s sent to it",
            env.id,
            env.site,
            env.device,
            body.name.value,
            body.command,
        )
        return False
    audit.record(
        conn,
        actor=f"device:{env.site}/{env.device}",
        role="device",
        action="command.result",
        target=f"command:{body.command}",
        detail={"status": body.status.value, "detail": body.detail, "record": env.id},
        now_ms=received_ms,
    )
    return True
