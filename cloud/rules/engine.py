"""The rule engine: runs the pure rules over newly stored records.

Rules are pure functions of their inputs; the engine is the thin layer that feeds them.
"""

from collections.abc import Callable, Sequence

from agrisafe.protocol import Envelope
from cloud.rules.rapid_test import rapid_test_positive
from cloud.rules.types import AlertDraft

# Rules that need nothing but the message itself.
MessageRule = Callable[[Envelope], AlertDraft | None]
MESSAGE_RULES: tuple[MessageRule, ...] = (rapid_test_positive,)


class RuleEngine:
    """Evaluates every rule on a batch of new records (event time, not arrival time)."""

    def __init__(self, message_rules: Sequence[MessageRule] = MESSAGE_RULES) -> None:
        self.message_rules = tuple(message_rules)

    def evaluate(self, new: Sequence[Envelope]) -> list[AlertDraft]:
        """Alert drafts raised by the new records, in record order."""
        drafts: list[AlertDraft] = []
        for env in new:
            for rule in self.message_rules:
                draft = rule(env)
                if draft is not None:
                    drafts.append(draft)
        return drafts
