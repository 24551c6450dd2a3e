"""Rules as pure functions over records and timelines; the engine feeds them."""

from cloud.rules.engine import RuleEngine
from cloud.rules.types import AlertDraft

__all__ = ["AlertDraft", "RuleEngine"]
