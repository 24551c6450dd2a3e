"""Ed25519 key files: a private key (PKCS#8 PEM, mode 0600) per device and for the cloud.

A public key travels as text: the 32 raw bytes in unpadded base64url (what the registry holds).
Its id is a short fingerprint so a signature names the key without carrying it.
"""

import base64
import hashlib
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AfterValidator

from agrisafe.files import atomic_write

SigningKey = Ed25519PrivateKey
VerifyKey = Ed25519PublicKey


class KeyError_(ValueError):  # noqa: N801 - `KeyError` is a builtin with another meaning
    """A key file or public key text that cannot be used (says which and why)."""


def generate_signing_key() -> SigningKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_text(key: SigningKey | VerifyKey) -> str:
    """The public key as unpadded base64url of its 32 raw bytes."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def key_id(key: SigningKey | VerifyKey | str) -> str:
    """A 16-hex-digit fingerprint of the public key (SHA-256 of its raw bytes)."""
    text = key if isinstance(key, str) else public_text(key)
    return hashlib.sha256(_b64decode(text)).hexdigest()[:16]


def load_verify_key(text: str) -> VerifyKey:
    """A public key from its base64url text."""
    raw = _b64decode(text)
    if len(raw) != 32:
        raise KeyError_(f"an Ed25519 public key has 32 bytes, this one {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_key_from(text: str | None, path: Path | None) -> VerifyKey | None:
    """A public key given as text or in a file holding that text (the text wins); None when
    neither is given. `KeyError_` says which one is unusable."""
    if text is None and path is not None:
        try:
            text = path.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as err:
            raise KeyError_(f"{path}: cannot read a public key ({err})") from err
    return None if text is None else load_verify_key(text)


def _checked_public_text(value: str) -> str:
    try:
        load_verify_key(value)
    except KeyError_ as err:
        raise ValueError(str(err)) from err
    return value


# A config field holding an Ed25519 public key as base64url text, checked when loaded.
PublicKeyText = Annotated[str, AfterValidator(_checked_public_text)]


def write_signing_key(path: Path, key: SigningKey) -> None:
    """Write the private key as PKCS#8 PEM, readable by its owner only."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, pem, mode=0o600)


def load_signing_key(path: Path) -> SigningKey:
    """Read a private key file written by `write_signing_key` (or `openssl genpkey`)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise KeyError_(f"{path}: not a readable unencrypted PEM private key ({err})") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"{path}: an Ed25519 key is needed, this is {type(key).__name__}")
    return key


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as err:
        raise KeyError_(f"not base64url text: {err}") from err
