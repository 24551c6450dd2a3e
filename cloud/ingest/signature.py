"""The signature step of ingest: a message's `sig` against its sender's registered key.

Where the site requires signatures, a message with no, a malformed, a foreign or a wrong
signature is quarantined `bad_signature`. Where they are optional, a present signature is still
checked when the device has a key (a wrong one is never accepted), an absent one passes.
"""

from agrisafe.identity import SignatureCheck, verify_payload
from agrisafe.protocol import Envelope, FieldProblem, QuarantineReason
from cloud.domain import Rejection
from cloud.registry.keys import DeviceKeys, SignerPolicy


def verify_sender(payload: bytes, env: Envelope, keys: DeviceKeys) -> Envelope | Rejection:
    """The envelope when its signature is acceptable for its sender, else the rejection."""
    policy = keys.policy(env.site, env.device)
    bad = check_signature(payload, env.sig is not None, policy, env.id)
    return env if bad is None else bad


def check_signature(
    payload: bytes, has_sig: bool, policy: SignerPolicy, message_id: str
) -> Rejection | None:
    """None when the message may pass, else the `bad_signature` rejection saying why."""
    if policy.key is None:
        if policy.required:
            return _bad(
                "the site requires signatures and the device has no registered key", message_id
            )
        return None
    if not has_sig and not policy.required:
        return None
    check = verify_payload(payload, policy.key, policy.key_id)
    if check is SignatureCheck.VALID:
        return None
    return _bad(_WHY[check], message_id)


_WHY = {
    SignatureCheck.MISSING: "the site requires signatures and the envelope has no sig",
    SignatureCheck.MALFORMED: "sig is not {alg: Ed25519, key_id, value} or has no JCS form",
    SignatureCheck.WRONG_KEY: "sig names a key other than the device's registered key",
    SignatureCheck.INVALID: "sig does not match the envelope's content (changed or forged)",
}


def _bad(why: str, message_id: str) -> Rejection:
    return Rejection(QuarantineReason.BAD_SIGNATURE, [FieldProblem("sig", why)], message_id)
