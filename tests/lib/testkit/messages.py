"""Building protocol messages for tests."""

import copy
from typing import Any

import orjson

from agrisafe.ids import new_id
from agrisafe.protocol import Kind
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.protocol.topics import message_topic


def message(
    kind: Kind, *, site: str = "SX-TG-001", device: str | None = None, **body: Any
) -> dict[str, Any]:
    """A fresh envelope (new id) of `kind`, based on the example, with body overrides."""
    env = copy.deepcopy(EXAMPLES[kind])
    env["id"] = new_id()
    env["site"] = site
    if device is not None:
        env["device"] = device
    env["body"].update(body)
    return env


def encode(env: dict[str, Any]) -> bytes:
    """JSON bytes of an envelope."""
    return orjson.dumps(env)


def topic_of(env: dict[str, Any]) -> str:
    """The MQTT topic an envelope belongs on."""
    return message_topic(env["site"], env["device"], env["kind"])
