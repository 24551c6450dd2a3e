"""Concurrent workers on PostgreSQL: a harvest and a late spray of the same plot processed at
the same moment in two transactions still make their phi_violation (per-subject locks)."""

import threading

import orjson
import pytest
from sqlalchemy import func, select

from cloud.domain import Incoming, Source
from cloud.ingest.service import IngestService
from cloud.store import tables as t
from testkit.compliance import Bench, env, spray


@pytest.mark.integration
def test_racing_transactions_do_not_hide_a_violation(postgres_url: str) -> None:
    bench = Bench(postgres_url)
    other = IngestService(bench.engine, bench.registry, bench.rules, clock=bench.clock)
    arrival = 1_780_000_000_000
    pairs = []
    for n in range(12):
        plot = f"RACE-{n}"
        harvest = env(
            "harvest", "2026-05-02T09:00:00+08:00", {"plot": plot, "crop": "黄瓜", "lot": f"L{n}"}
        )
        late = env("input_use", "2026-05-01T18:00:00+08:00", spray(plot, "黄瓜", ["阿维菌素"]))
        pairs.append((harvest, late))
    barrier = threading.Barrier(2)

    def run(service: IngestService, which: int) -> None:
        for pair in pairs:
            barrier.wait(10)
            service.process([Incoming(orjson.dumps(pair[which]), None, Source.HTTP, arrival)])

    threads = [
        threading.Thread(target=run, args=(bench.service, 0)),
        threading.Thread(target=run, args=(other, 1)),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    with bench.engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(t.alerts).where(t.alerts.c.rule == "phi_violation")
        ).scalar()
    bench.close()
    assert count == len(pairs)
