"""Rule evaluation against a large history: new events evaluated per second on one core, and
memory, with 1,000,000 stored events versus an empty store (baseline, same run).

    nice -n 15 .venv/bin/python bench/rules/evaluate.py [--history 1000000] [--events 20000]

The new events are the kinds whose rules read history (input_use, harvest, treatment,
dispatch, certificate_request), each through the real `IngestService.process` in batches; the
rule step (`RuleEngine.apply`: timeline reads, pure rules, alert and certificate writes) is
timed on its own in CPU time of the ingest thread (SQLite runs in it: "one core", whatever else
the machine runs), and the whole batch (decode + insert + rules) in wall time. Memory: the
traced Python peak while evaluating ten more batches, and RSS growth over the timed run.
Prints one JSON object.
"""

import argparse
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import psutil  # type: ignore[import-untyped]  # no stubs in the dev extra (types-psutil)
from sqlalchemy import Connection, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import DAY_MS, Farm, load_history, registry

from agrisafe.protocol import Alert, Envelope
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source
from cloud.engine.runner import RuleEngine, SiteLookup
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService
from cloud.store import tables as t
from cloud.store.db import make_engine, migrate

# Every kind that reads history; treatments are rare next to the dispatches (milk, eggs) they
# constrain, and most lots ask for a certificate.
NEW_KINDS = (
    ("input_use", 20),
    ("harvest", 25),
    ("treatment", 2),
    ("dispatch", 38),
    ("certificate_request", 15),
)
SITES, PLOTS, HERDS = 50, 200, 40  # 10,000 plots and 2,000 herds
END_MS = 1_780_000_000_000  # 2026-05-28: history ends here, new events follow


class TimedRules(RuleEngine):
    """The real engine, with the time spent in `apply` added up."""

    spent_s = 0.0

    def apply(
        self,
        conn: Connection,
        new: Sequence[Envelope],
        arrivals: Sequence[int],
        sites_: SiteLookup,
        now_ms: int,
    ) -> list[Alert]:
        start = time.thread_time()
        try:
            return super().apply(conn, new, arrivals, sites_, now_ms)
        finally:
            self.spent_s += time.thread_time() - start


def run(history: int, events: int, batch: int, data: Path) -> dict[str, Any]:
    """Load `history` events, then evaluate `events` new ones; return the measurements."""
    engine = make_engine(f"sqlite:///{data / f'bench-{history}.db'}")
    migrate(engine)
    reg = RegistryService(engine)
    reg.sync_file(registry(SITES, PLOTS, HERDS))
    farm = Farm(SITES, PLOTS, HERDS)
    t0 = time.perf_counter()
    if history:
        load_history(engine, farm, history, END_MS - 730 * DAY_MS, END_MS)
    load_s = time.perf_counter() - t0
    rules = TimedRules()
    service = IngestService(engine, reg, rules, clock=Clock())
    kinds = tuple(k for k, w in NEW_KINDS for _ in range(w))
    payloads = [orjson.dumps(farm.event(END_MS + i * 60_000, kinds)) for i in range(events)]
    arrival = END_MS + 30 * DAY_MS  # every new event has arrived: no clock skew

    def feed(chunk: list[bytes]) -> None:
        service.process([Incoming(p, None, Source.HTTP, arrival) for p in chunk])

    feed(payloads[:batch])  # warm caches and the SQLite page cache: not what we measure
    rules.spent_s = 0.0
    gc.collect()
    proc = psutil.Process()
    rss_before = proc.memory_info().rss
    timed = payloads[batch : events - 10 * batch]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(0, len(timed), batch):
        feed(timed[i : i + batch])
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    rss_growth = proc.memory_info().rss - rss_before
    rules_cpu = rules.spent_s
    # Memory per batch, traced apart from the timing (tracing slows Python down a lot).
    tracemalloc.start()
    for i in range(events - 10 * batch, events, batch):
        feed(payloads[i : i + batch])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    evaluated = len(timed)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(t.records)).scalar()
        alerts = conn.execute(select(func.count()).select_from(t.alerts)).scalar()
    engine.dispose()
    return {
        "history_events": history,
        "stored_after": int(stored or 0),
        "load_s": round(load_s, 1),
        "evaluated_events": evaluated,
        "alerts": int(alerts or 0),
        "rules_events_per_s": round(evaluated / rules_cpu),
        "rules_cpu_s": round(rules_cpu, 2),
        "ingest_events_per_s": round(evaluated / wall),
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "python_peak_per_batch_mib": round(peak / 2**20, 1),
        "rss_growth_mib": round(rss_growth / 2**20, 1),
    }


def main() -> None:
    """Baseline (empty history) and the full history, in the same run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp:
        baseline = run(0, args.events, args.batch, Path(tmp))
        full = run(args.history, args.events, args.batch, Path(tmp))
    goal = 20_000
    print(
        json.dumps(
            {
                "benchmark": "rules.evaluate",
                "database": "sqlite",
                "goal_rules_events_per_s": goal,
                "baseline_empty_history": baseline,
                "with_history": full,
                "rules_events_per_s_ratio_vs_baseline": round(
                    full["rules_events_per_s"] / baseline["rules_events_per_s"], 2
                ),
                "meets_goal": full["rules_events_per_s"] >= goal,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
