"""A message whose id is already held by another sender's record (pure decisions).

Message ids are one first-come namespace. A repeat from the same (site, device) with other
content is `id_reuse` (the sender's own mistake: the first one stands, as before). A message
whose id another (site, device) used first is `id_conflict`: its sender may have been raced —
someone who computed the id of an instrument's coming positive and sent any message under it
first. That must not pass quietly: the message is quarantined with its raw bytes under its own
reason (ack and HTTP 409 say `id_conflict`), and an `id_conflict` alert goes to the regulators
of the refused message's site, so that a positive cannot be made to vanish.
"""

from dataclasses import dataclass

from agrisafe.protocol import Envelope, FieldProblem, QuarantineReason, Rule
from cloud.domain import AlertDraft, Rejection


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds an id: the content hash and sender of the record stored (or met) first."""

    content_hash: str
    site: str
    device: str


def repeat_rejection(env: Envelope, digest: str, holder: Holder) -> Rejection | None:
    """None for a true duplicate; `id_reuse` from the same sender; `id_conflict` otherwise."""
    if holder.content_hash == digest:
        return None
    if (holder.site, holder.device) == (env.site, env.device):
        problem = FieldProblem(
            "id", "id already used by a message with other content; the first one stands"
        )
        return Rejection(QuarantineReason.ID_REUSE, [problem], env.id)
    problem = FieldProblem(
        "id",
        "id already used by another sender's message; this one is kept for review and "
        "the regulator is alerted",
    )
    return Rejection(QuarantineReason.ID_CONFLICT, [problem], env.id)


def conflict_alert(env: Envelope, holder: Holder) -> AlertDraft:
    """The `id_conflict` alert on the refused message's site and device (one per id)."""
    # The holder is named only when it sits on the same site: another site may lie in another
    # region, outside what this alert's readers may see.
    first = f"device:{holder.device}" if holder.site == env.site else "another site"
    return AlertDraft(
        Rule.ID_CONFLICT,
        env.site,
        f"device:{env.device}",
        env.id,
        env.ts,
        (env.id,),
        {"id": env.id, "kind": env.kind.value, "first_sender": first},
    )
