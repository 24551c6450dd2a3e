"""The history a batch is judged against, as facts per subject (pure: the engine reads it).

The batch's own facts are merged in directly and not decoded again; stored rows become facts
through `from_json` and `treatment_of`.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agrisafe.protocol import Species
from cloud.rules.facts import AnyFact, Application, Dispatch, Harvest, Treatment
from cloud.rules.plan import Key


@dataclass
class History:
    """Facts per subject, by message id (the batch's own and those read)."""

    apps: dict[Key, dict[str, Application]] = field(default_factory=lambda: defaultdict(dict))
    harvests: dict[Key, dict[str, Harvest]] = field(default_factory=lambda: defaultdict(dict))
    treatments: dict[Key, dict[str, Treatment]] = field(default_factory=lambda: defaultdict(dict))
    dispatches: dict[Key, dict[str, Dispatch]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, fact: AnyFact) -> None:
        """File one fact under its plot or herd."""
        if isinstance(fact, Application):
            self.apps[(fact.site, fact.plot)][fact.id] = fact
        elif isinstance(fact, Harvest):
            self.harvests[(fact.site, fact.plot)][fact.id] = fact
        elif isinstance(fact, Treatment):
            self.treatments[(fact.site, fact.herd)][fact.id] = fact
        elif isinstance(fact, Dispatch):
            self.dispatches[(fact.site, fact.herd)][fact.id] = fact


def history_of(known: Iterable[AnyFact]) -> History:
    """A history holding the already known facts."""
    hist = History()
    for f in known:
        hist.add(f)
    return hist


def treatment_of(row: Mapping[str, Any]) -> Treatment:
    """A far-reaching treatment from its side-table row."""
    return Treatment(
        row["id"],
        row["site"],
        row["ts_ms"],
        row["ts"],
        row["herd"],
        Species(row["species"]),
        row["drug"],
        row["water_temp_c"],
    )
