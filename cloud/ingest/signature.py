"""The signature step of ingest: a message's `sig` against its sender's registered key.

Where the site requires signatures, a message with no, a malformed, a foreign or a wrong
signature is quarantined `bad_signature`. Where they are optional, a present signature is still
checked when the device has a key (a wrong one is never accepted), an absent one passes.
"""

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import orjson

from agrisafe.identity import SIG_FIELD, SignatureCheck, verify_payload
from agrisafe.protocol import Envelope, FieldProblem, QuarantineReason
from cloud.domain import Rejection
from cloud.registry.keys import DeviceKeys, SignerPolicy

logger = logging.getLogger(__name__)

# Answers a message's cryptographic check for the sender's policy, or None (check it here).
Presigned = Callable[[SignerPolicy], SignatureCheck | None]


def verify_sender(
    payload: bytes,
    env: Envelope,
    keys: DeviceKeys,
    precomputed: Presigned | None = None,
) -> Envelope | Rejection:
    """The envelope when its signature is acceptable for its sender, else the rejection.

    `precomputed` may answer the cryptographic check for this payload and policy (the
    `ParallelVerifier`'s result); when it answers None the check is made here.
    """
    policy = keys.policy(env.site, env.device)
    known = precomputed(policy) if precomputed is not None else None
    bad = check_signature(payload, env.sig is not None, policy, env.id, known)
    return env if bad is None else bad


def check_signature(
    payload: bytes,
    has_sig: bool,
    policy: SignerPolicy,
    message_id: str,
    known: SignatureCheck | None = None,
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
    check = known if known is not None else verify_payload(payload, policy.key, policy.key_id)
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


class ParallelVerifier:
    """Checks a batch's signatures on a thread pool while the batch is validated in order.

    Ed25519 verification is most of a signed message's extra cost (≈ 55 µs with libsodium,
    against 75–140 µs for the rest of ingest) and libsodium runs without the GIL, so the pool
    uses the cores the ingest thread leaves idle (partly: between verifications its threads
    wait for the GIL the ingest thread holds; a helper process measured worse, docs/security.md).
    Results are used only by the step that would otherwise compute them itself, for the same
    payload and the same `SignerPolicy` object; anything the pool could not do falls back to
    the serial check.
    """

    def __init__(self, keys: DeviceKeys, workers: int | None = None, chunk: int = 16) -> None:
        self.keys = keys
        self.chunk = chunk
        self._pool = ThreadPoolExecutor(
            max_workers=workers or os.cpu_count() or 1, thread_name_prefix="agrisafe-sig"
        )

    def start(self, payloads: Sequence[bytes]) -> "PendingChecks":
        """Begin checking every signed payload of a batch whose sender has a key."""
        jobs: list[tuple[int, bytes, SignerPolicy]] = []
        for i, payload in enumerate(payloads):
            policy = self._policy_of(payload)
            if policy is not None:
                jobs.append((i, payload, policy))
        futures = [
            self._pool.submit(_check_chunk, jobs[j : j + self.chunk])
            for j in range(0, len(jobs), self.chunk)
        ]
        return PendingChecks(
            {i: (payload, policy) for i, payload, policy in jobs}, futures, self.chunk
        )

    def close(self) -> None:
        """Stop the pool's threads (pending checks are still answered serially)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _policy_of(self, payload: bytes) -> SignerPolicy | None:
        if b'"sig"' not in payload:  # cheap: most unsigned messages need no parse
            return None
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(doc, dict) or SIG_FIELD not in doc:
            return None
        site, device = doc.get("site"), doc.get("device")
        if not isinstance(site, str) or not isinstance(device, str):
            return None
        policy = self.keys.policy(site, device)
        return policy if policy.key is not None else None


class PendingChecks:
    """The pool's answers for one batch, by index in the batch.

    Asking for message i waits only for the chunk holding it, so validation goes on with the
    first messages while the pool still checks the later ones.
    """

    def __init__(
        self,
        jobs: dict[int, tuple[bytes, SignerPolicy]],
        futures: list["Future[list[tuple[int, SignatureCheck]]]"],
        chunk: int,
    ) -> None:
        self._jobs = jobs
        self._order = {i: n // chunk for n, i in enumerate(jobs)}  # index → its chunk
        self._futures = futures
        self._done: dict[int, SignatureCheck] = {}
        self._collected: set[int] = set()

    def result(self, index: int, payload: bytes, policy: SignerPolicy) -> SignatureCheck | None:
        """The pool's check of message `index`, if it was made for this payload and policy."""
        job = self._jobs.get(index)
        if job is None or job[0] is not payload or job[1] is not policy:
            return None
        n = self._order[index]
        if n not in self._collected:
            self._collected.add(n)
            try:
                self._done.update(self._futures[n].result())
            except Exception:  # the serial check answers instead
                logger.exception("signature pool failed on a chunk; checking serially")
        return self._done.get(index)


def _check_chunk(jobs: list[tuple[int, bytes, SignerPolicy]]) -> list[tuple[int, SignatureCheck]]:
    out = []
    for i, payload, policy in jobs:
        assert policy.key is not None  # start() only queues senders with a key
        out.append((i, verify_payload(payload, policy.key, policy.key_id)))
    return out
