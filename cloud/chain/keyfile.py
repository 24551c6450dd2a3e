"""The cloud's own Ed25519 key: loaded from the configured file, created on first start."""

import logging
from pathlib import Path

from agrisafe.identity import (
    SigningKey,
    VerifyKey,
    generate_signing_key,
    key_id,
    load_signing_key,
    write_signing_key,
)
from cloud.settings import CloudSettings

logger = logging.getLogger(__name__)


def key_path(settings: CloudSettings, data_dir: Path) -> Path:
    """Where the cloud's signing key lives."""
    return settings.signing_key or data_dir / "trust" / "cloud-ed25519.pem"


def cloud_signing_key(settings: CloudSettings, data_dir: Path) -> SigningKey:
    """The cloud's key; a missing default file is created (an explicit path must exist)."""
    path = key_path(settings, data_dir)
    if not path.exists() and settings.signing_key is None:
        write_signing_key(path, generate_signing_key())
        logger.info("chain: created the cloud signing key %s", path)
    key = load_signing_key(path)
    logger.info("chain: anchors signed with key %s", key_id(key))
    return key


def cloud_verify_key(settings: CloudSettings, data_dir: Path) -> VerifyKey:
    """The public half of the cloud's key (what a regulator is given out of band)."""
    return load_signing_key(key_path(settings, data_dir)).public_key()
