"""The sending side of signatures: a device node signs each envelope with its device's key.

One node may speak for several devices (a bridge publishes as each of its instruments), so keys
are looked up by the envelope's device id. A device without a key sends unsigned envelopes —
accepted only where its site keeps signatures optional.
"""

from collections.abc import Mapping
from pathlib import Path

from agrisafe.identity.keys import SigningKey, key_id, load_signing_key
from agrisafe.identity.sign import sign_payload


class EnvelopeSigner:
    """Signs envelope JSON for the devices it holds keys of."""

    def __init__(self, keys: Mapping[str, SigningKey] | None = None) -> None:
        self._keys = {device: (key, key_id(key)) for device, key in (keys or {}).items()}

    @classmethod
    def from_files(cls, files: Mapping[str, Path]) -> "EnvelopeSigner":
        """Keys from PEM files by device id (`KeyError_` naming the file when one is unusable)."""
        return cls({device: load_signing_key(path) for device, path in files.items()})

    @classmethod
    def for_device(cls, device: str, path: Path | None) -> "EnvelopeSigner":
        """One device's key from its PEM file, or a signer holding none when `path` is None."""
        return cls() if path is None else cls.from_files({device: path})

    @property
    def devices(self) -> frozenset[str]:
        """The device ids this signer signs for."""
        return frozenset(self._keys)

    def sign(self, device: str, payload: bytes) -> bytes:
        """The envelope with its `sig` when `device` has a key, else unchanged."""
        held = self._keys.get(device)
        if held is None:
            return payload
        return sign_payload(payload, held[0], held[1])
