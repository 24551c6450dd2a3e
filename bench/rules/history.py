"""Synthetic farm history for the rule benchmarks: sites, plots, herds and realistic records.

Writes records straight into the store (the rows ingest would write) so that a million events
load in a minute or two; the events the benchmark then evaluates go through the real ingest.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, insert

from agrisafe.timeutil import fixed_offset, format_rfc3339, from_ms
from cloud.registry import RegistryFile
from cloud.store import tables as t

CST = fixed_offset(8)
DAY_MS = 86_400_000
CROPS = ("黄瓜", "番茄", "白菜", "小麦", "柑橘", "豇豆")
# Products a farmer would use on each crop (each has a sourced PHI row, so no unknown_input).
# (ingredient, formulation, max per season from phi.csv or None).
SPRAYS: dict[str, tuple[tuple[str, str, int | None], ...]] = {
    "黄瓜": (("阿维菌素", "1.8% EC", 3), ("啶虫脒", "20% EC", 3), ("百菌清", "75% WP", None)),
    "番茄": (("联苯菊酯", "10% EC", 3), ("百菌清", "75% WP", None)),
    "白菜": (("百菌清", "75% WP", None), ("溴氰菊酯", "2.5%", None)),
    "小麦": (("多菌灵", "50% WP", None), ("甲基硫菌灵", "70% WP", None), ("乐果", "40% EC", None)),
    "柑橘": (("噻嗪酮", "25% WP", 2), ("苯螨特", "10% EC", 2), ("三唑锡", "25% WP", 2)),
    "豇豆": (("阿维菌素", "1.8% EC", 3), ("百菌清", "75% WP", None)),
}
HERDS = (
    ("pig", "土霉素注射液", "meat"),
    ("dairy_cow", "双甲脒溶液", "milk"),
    ("layer", "土霉素片", "eggs"),
)


def registry(sites: int, plots: int, herds: int) -> RegistryFile:
    """`sites` bases in one region, each with `plots` plots and `herds` herds."""
    return RegistryFile.model_validate(
        {
            "producers": [{"id": f"BENCH-P{s}", "name": f"生产者{s}"} for s in range(sites)],
            "sites": [
                {
                    "id": f"B{s:03d}",
                    "name": f"基地{s}",
                    "producer": f"BENCH-P{s}",
                    "region": "140703",
                    "plots": [{"id": f"P{p}", "crop": CROPS[p % len(CROPS)]} for p in range(plots)],
                    "herds": [
                        {"id": f"H{h}", "species": HERDS[h % len(HERDS)][0]} for h in range(herds)
                    ],
                    "devices": [{"id": "app"}, {"id": "rt"}, {"id": "cam"}],
                }
                for s in range(sites)
            ],
        }
    )


class Farm:
    """Random but plausible events for the registry's plots and herds.

    Farmers mostly comply: a harvest (dispatch) goes to a plot (herd) whose last spray
    (treatment) is more than `wait_days` old, except for a `violation_rate` share.
    """

    def __init__(
        self,
        sites: int,
        plots: int,
        herds: int,
        seed: int = 7,
        violation_rate: float = 0.01,
        wait_days: int = 40,
    ) -> None:
        self.sites, self.plots, self.herds = sites, plots, herds
        self.rng = random.Random(seed)
        self.n = 0
        self.lots: list[tuple[str, str]] = []  # (site, lot) of recent harvests / dispatches
        self.violation_rate, self.wait_ms = violation_rate, wait_days * DAY_MS
        self.last: dict[tuple[str, str], int] = {}  # (site, plot / herd) → last spray / treatment
        self.season: dict[tuple[str, str, int, str], int] = {}  # applications per season

    def _pick(self, ts_ms: int, prefix: str, count: int) -> tuple[str, int]:
        """(site, index) of a unit to harvest or dispatch from: compliant unless chosen not to."""
        r = self.rng
        comply = r.random() >= self.violation_rate
        for _ in range(50):
            site, i = f"B{r.randrange(self.sites):03d}", r.randrange(count)
            last = self.last.get((site, f"{prefix}{i}"))
            if not comply or last is None or ts_ms - last > self.wait_ms:
                return site, i
        return site, i

    def _env(
        self, kind: str, site: str, device: str, ts_ms: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        self.n += 1
        return {
            "v": 1,
            "id": f"bench-{kind[:3]}-{self.n:09d}",
            "kind": kind,
            "site": site,
            "device": device,
            "ts": format_rfc3339(from_ms(ts_ms, CST)),
            "body": body,
        }

    def event(self, ts_ms: int, kinds: tuple[str, ...]) -> dict[str, Any]:
        """One event of a kind drawn from `kinds`."""
        r = self.rng
        kind = r.choice(kinds)
        site = f"B{r.randrange(self.sites):03d}"
        p = r.randrange(self.plots)
        d = _Draw(site, f"P{p}", CROPS[p % len(CROPS)], r.randrange(self.herds), f"L{self.n}")
        if kind in ("harvest", "dispatch"):
            self._compliant_unit(kind, ts_ms, d)
            self.lots = [*self.lots[-999:], (d.site, d.lot)]
        if kind == "input_use":
            return self._input_use(ts_ms, d)
        return self._record(kind, ts_ms, d)

    def _compliant_unit(self, kind: str, ts_ms: int, d: "_Draw") -> None:
        """Harvest from a plot / dispatch from a herd that waited long enough (mostly)."""
        harvest = kind == "harvest"
        d.site, unit = self._pick(
            ts_ms, "P" if harvest else "H", self.plots if harvest else self.herds
        )
        if harvest:
            d.plot, d.crop = f"P{unit}", CROPS[unit % len(CROPS)]
        else:
            d.herd = unit

    def _input_use(self, ts_ms: int, d: "_Draw") -> dict[str, Any]:
        """A spray: farmers rotate products and keep to the maximum per season (mostly)."""
        r = self.rng
        year = from_ms(ts_ms, CST).year
        allowed = [
            (ai, form)
            for ai, form, most in SPRAYS[d.crop]
            if most is None
            or self.season.get((d.site, d.plot, year, ai), 0) < most
            or r.random() < self.violation_rate
        ]
        if not allowed:
            return self._env("telemetry", d.site, "cam", ts_ms, {"fps": 5.0})
        ai, form = r.choice(allowed)
        key = (d.site, d.plot, year, ai)
        self.season[key] = self.season.get(key, 0) + 1
        self.last[(d.site, d.plot)] = ts_ms
        body = {
            "plot": d.plot,
            "crop": d.crop,
            "product": {"name": ai, "active_ingredients": [ai], "formulation": form},
        }
        return self._env("input_use", d.site, "app", ts_ms, body)

    def _record(self, kind: str, ts_ms: int, d: "_Draw") -> dict[str, Any]:
        """Any other kind; telemetry for kinds that cannot be made now."""
        species, drug, product = HERDS[d.herd % len(HERDS)]
        herd = f"H{d.herd}"
        body: dict[str, Any]
        if kind == "harvest":
            body = {"plot": d.plot, "crop": d.crop, "lot": d.lot, "qty_kg": 100}
            return self._env(kind, d.site, "app", ts_ms, body)
        if kind == "treatment":
            self.last[(d.site, herd)] = ts_ms
            body = {"herd": herd, "species": species, "drug": drug}
            return self._env(kind, d.site, "app", ts_ms, body)
        if kind == "dispatch":
            body = {"herd": herd, "species": species, "product": product, "lot": d.lot}
            return self._env(kind, d.site, "app", ts_ms, body)
        if kind == "certificate_request" and self.lots:
            site, lot = self.rng.choice(self.lots)
            body = {"lot": lot, "commodity": d.crop, "qty_kg": 10, "basis": ["control"]}
            return self._env(kind, site, "app", ts_ms, body)
        if kind == "rapid_test":
            body = {
                "sample": f"S{self.n}",
                "commodity": d.crop,
                "method": "enzyme_inhibition",
                "analyte": "有机磷",
                "result": "negative",
                "inhibition_pct": 10.0,
                "plot": d.plot,
            }
            return self._env(kind, d.site, "rt", ts_ms, body)
        return self._env("telemetry", d.site, "cam", ts_ms, {"fps": 5.0})


@dataclass(slots=True)
class _Draw:
    """What one event is about: site, plot and crop, herd index, lot id."""

    site: str
    plot: str
    crop: str
    herd: int
    lot: str


# A year of a base: mostly instrument results and telemetry; a plot sprayed ~5 times a
# season; a herd treated ~2–3 times a year and dispatching often (milk, eggs).
HISTORY_KINDS = (
    ("input_use", 10),
    ("harvest", 10),
    ("treatment", 1),
    ("dispatch", 19),
    ("rapid_test", 30),
    ("telemetry", 30),
)


def _row(env: dict[str, Any], ts_ms: int) -> dict[str, Any]:
    b = env["body"]
    return {
        "id": env["id"],
        "kind": env["kind"],
        "site": env["site"],
        "device": env["device"],
        "ts_ms": ts_ms,
        "received_ms": ts_ms,
        "source": "mqtt",
        "content_hash": env["id"],
        "plot": b.get("plot"),
        "herd": b.get("herd"),
        "lot": b.get("lot"),
        "sample": b.get("sample"),
        "envelope": orjson.loads(orjson.dumps(env)),
    }


def history(farm: Farm, count: int, start_ms: int, end_ms: int) -> Iterator[list[dict[str, Any]]]:
    """`count` historical rows between start and end, in chunks, in time order."""
    kinds = tuple(k for k, w in HISTORY_KINDS for _ in range(w))
    step = (end_ms - start_ms) / max(count, 1)
    chunk: list[dict[str, Any]] = []
    for i in range(count):
        ts = int(start_ms + i * step)
        chunk.append(_row(farm.event(ts, kinds), ts))
        if len(chunk) == 20_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load_history(engine: Engine, farm: Farm, count: int, start_ms: int, end_ms: int) -> None:
    """Insert the history (plain inserts: these rows are known to be new)."""
    for chunk in history(farm, count, start_ms, end_ms):
        with engine.begin() as conn:
            conn.execute(insert(t.records), chunk)
