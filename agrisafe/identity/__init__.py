"""Identity and signatures every sender and verifier shares: Ed25519 keys, canonical JSON, sig."""

from agrisafe.identity.canonical import SIG_FIELD, canonical_bytes, signed_content
from agrisafe.identity.keys import (
    KeyError_,
    SigningKey,
    VerifyKey,
    generate_signing_key,
    key_id,
    load_signing_key,
    load_verify_key,
    public_text,
    write_signing_key,
)
from agrisafe.identity.sign import (
    SignatureCheck,
    sign_document,
    sign_payload,
    verify_document,
    verify_payload,
)
from agrisafe.identity.signer import EnvelopeSigner

__all__ = [
    "SIG_FIELD",
    "EnvelopeSigner",
    "KeyError_",
    "SignatureCheck",
    "SigningKey",
    "VerifyKey",
    "canonical_bytes",
    "generate_signing_key",
    "key_id",
    "load_signing_key",
    "load_verify_key",
    "public_text",
    "sign_document",
    "sign_payload",
    "signed_content",
    "verify_document",
    "verify_payload",
    "write_signing_key",
]
