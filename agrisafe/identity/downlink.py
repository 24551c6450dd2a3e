"""Checking and signing downlink commands (`agrisafe.protocol.commands`): pure functions.

A command a device cannot prove came from the cloud, meant for it and still fresh is never
executed: the gateway runs `check_command` before relaying (quarantining what fails) and the
device runs it again before acting (answering `refused` with the reason).
"""

from typing import Any

import orjson
from pydantic import ValidationError

from agrisafe.identity.keys import SigningKey, VerifyKey
from agrisafe.identity.sign import SignatureCheck, sign_document, verify_document
from agrisafe.protocol.commands import MAX_COMMAND_BYTES, Command, Refusal, Refused
from agrisafe.protocol.topics import TopicError, parse_command_topic
from agrisafe.timeutil import to_ms


def sign_command(cmd: Command, key: SigningKey) -> bytes:
    """The command's JSON with the cloud's signature."""
    doc: dict[str, Any] = orjson.loads(cmd.to_json())
    return orjson.dumps(sign_document(doc, key))


def check_command(
    topic: str,
    payload: bytes,
    *,
    site: str,
    device: str | None,
    cloud_key: VerifyKey | None,
    now_ms: int,
) -> Command | Refused:
    """Parse and check one command as received (pure).

    `device` None checks only the site (the gateway relays for all its devices). Without a
    `cloud_key` nothing can prove where a command came from, so every command is refused.
    """
    try:
        parts = parse_command_topic(topic)
    except TopicError as err:
        return Refused(Refusal.TOPIC_MISMATCH, str(err))
    if len(payload) > MAX_COMMAND_BYTES:
        return Refused(Refusal.MALFORMED, f"{len(payload)} bytes is more than a command may be")
    try:
        doc = orjson.loads(payload)
        cmd = Command.model_validate(doc)
    except (orjson.JSONDecodeError, ValidationError) as err:
        return Refused(Refusal.MALFORMED, str(err).splitlines()[0][:200])
    if (cmd.site, cmd.device, cmd.name.value) != (parts.site, parts.device, parts.name):
        return Refused(Refusal.TOPIC_MISMATCH, f"topic {topic} names another command", cmd)
    if cmd.site != site or (device is not None and cmd.device != device):
        return Refused(Refusal.NOT_FOR_US, f"for {cmd.site}/{cmd.device}", cmd)
    if cloud_key is None:
        return Refused(Refusal.BAD_SIGNATURE, "no cloud_key configured: cannot verify", cmd)
    verdict = verify_document(doc, cloud_key)
    if verdict is not SignatureCheck.VALID:
        return Refused(Refusal.BAD_SIGNATURE, f"cloud signature {verdict.value}", cmd)
    if to_ms(cmd.expires) <= now_ms:
        return Refused(Refusal.EXPIRED, f"expired at {cmd.expires.isoformat()}", cmd)
    try:
        cmd.typed_params()
    except ValidationError as err:
        return Refused(Refusal.BAD_PARAMS, str(err).splitlines()[0][:200], cmd)
    return cmd
