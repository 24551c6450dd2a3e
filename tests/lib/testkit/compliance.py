"""A compliance test bench: the real ingest service + rules on a real database, driven like a
replay (simulated clock, arrival = `at` or `ts`), without the broker hop."""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from agrisafe.protocol import Alert
from agrisafe.timeutil import parse_rfc3339, to_ms
from cloud.domain import CallbackSink, Outcome
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService, load_registry_file
from cloud.replay.clock import SimulatedClock
from cloud.replay.driver import ReplayDriver
from cloud.rules.config import RulesConfig
from cloud.store import compliance_tables as ct
from cloud.store.db import make_engine, migrate
from testkit.paths import REPO

SCENARIOS = REPO / "docs" / "scenarios"
SCENARIO_REGISTRY = SCENARIOS / "registry.yaml"
SITE = "SX-TG-001"
_counter = [0]
# Makes an HTTP client holding a fresh token for a role and scope (fixture `client_for`).
TokenFactory = Callable[..., httpx.Client]


def env(
    kind: str,
    ts: str,
    body: dict[str, Any],
    *,
    site: str = SITE,
    device: str = "app-zhang",
    at: str | None = None,
    geo: dict[str, Any] | None = None,
    id: str | None = None,
) -> dict[str, Any]:
    """An envelope with a readable unique id."""
    _counter[0] += 1
    out: dict[str, Any] = {
        "v": 1,
        "id": id or f"t-{kind[:4]}-{_counter[0]:06d}",
        "kind": kind,
        "site": site,
        "device": device,
        "ts": ts,
        "body": body,
    }
    if at is not None:
        out["at"] = at
    if geo is not None:
        out["geo"] = geo
    return out


def spray(
    plot: str,
    crop: str,
    ingredients: Sequence[str],
    *,
    formulation: str | None = None,
    reg_no: str | None = None,
    name: str = "农药",
) -> dict[str, Any]:
    """An input_use body."""
    product: dict[str, Any] = {"name": name, "active_ingredients": list(ingredients)}
    if formulation:
        product["formulation"] = formulation
    if reg_no:
        product["reg_no"] = reg_no
    return {"plot": plot, "crop": crop, "product": product}


class Bench:
    """Ingest + rules + simulated clock on one database; records every alert raised."""

    def __init__(
        self,
        database_url: str,
        *,
        registry: Path | None = SCENARIO_REGISTRY,
        config: RulesConfig | None = None,
    ) -> None:
        self.engine = make_engine(database_url)
        migrate(self.engine)
        self.registry = RegistryService(self.engine, auto_register=True)
        if registry is not None:
            self.registry.sync_file(load_registry_file(registry))
        self.clock = SimulatedClock()
        self.rules = RuleEngine(config=config)
        self.alerts: list[Alert] = []
        self.service = IngestService(
            self.engine,
            self.registry,
            self.rules,
            [CallbackSink(self.alerts.extend)],
            clock=self.clock,
        )
        self.driver = ReplayDriver(
            self.service, self.rules, self.registry, self.clock, self.alerts.append
        )

    def send(self, *envelopes: dict[str, Any]) -> list[Outcome]:
        """Feed envelopes one by one, like scenario lines."""
        return [self.driver.feed(orjson.dumps(e), None) for e in envelopes]

    def advance(self, to: str) -> list[Alert]:
        """Move the simulated clock; return the alerts due timers raised."""
        return self.driver.advance(to_ms(parse_rfc3339(to)))

    def rules_raised(self) -> list[str]:
        """Rule names of the alerts raised so far, in order."""
        return [a.rule.value for a in self.alerts]

    def of(self, rule: str) -> list[Alert]:
        """Alerts raised for one rule."""
        return [a for a in self.alerts if a.rule.value == rule]

    def stored_alert(self, alert_id: str) -> dict[str, Any]:
        """The alert row as stored now (evidence may have grown, status may have changed)."""
        from cloud.store import tables as t

        with self.engine.connect() as conn:
            row = conn.execute(select(t.alerts).where(t.alerts.c.id == alert_id)).mappings().one()
        return dict(row)

    def certificates(self) -> list[dict[str, Any]]:
        """Every certificate decision."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(ct.certificates).order_by(ct.certificates.c.decided_ms))
            return [dict(r) for r in rows.mappings()]

    def close(self) -> None:
        """Release the database."""
        self.engine.dispose()


def post(client: httpx.Client, *envelopes: dict[str, Any]) -> httpx.Response:
    """POST envelopes as one JSON array."""
    return client.post("/api/v1/messages", content=orjson.dumps(list(envelopes)))
