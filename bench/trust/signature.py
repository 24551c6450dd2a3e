"""Signature verification cost per message vs ingest cost without it, in the same run (JSON).

    python bench/trust/signature.py [--messages N] [--batch B] [--rounds R] [--out FILE]

Each round ingests N fresh messages through the real `IngestService` on a fresh SQLite file,
three ways, interleaved so machine load hits all alike: the baseline (site signatures optional,
unsigned messages), signatures required (every message signed and verified), and signatures
plus the hash-chain stage. Goal (issue 12): verification adds ≤ 25 % to ingest per message.
"""

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

import agrisafe
from agrisafe.identity import generate_signing_key, public_text, sign_document, verify_payload
from agrisafe.ids import new_id
from agrisafe.protocol import Kind
from agrisafe.protocol.examples import EXAMPLES
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import Clock
from cloud.chain.append import ChainStage
from cloud.domain import Incoming, Source
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService, load_registry_file

REGISTRY = Path(agrisafe.__file__).resolve().parent.parent / "demo" / "agrisafe_demo" / "site.yaml"
DEVICE = "app-zhang"


def _messages(n: int, key: object | None) -> list[Incoming]:
    now = Clock().now_ms()
    out = []
    for _ in range(n):
        env = copy.deepcopy(EXAMPLES[Kind.HARVEST])
        env["id"], env["device"] = new_id(), DEVICE
        doc = sign_document(env, key) if key is not None else env  # type: ignore[arg-type]
        topic = message_topic(env["site"], DEVICE, env["kind"])
        out.append(Incoming(orjson.dumps(doc), topic, Source.MQTT, now))
    return out


def _service(db: Path, signatures: str, public: str | None, chain: bool) -> IngestService:
    from cloud.store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    reg = load_registry_file(REGISTRY)
    site = reg.sites[0]
    devices = [
        d.model_copy(update={"public_key": public if d.id == DEVICE else None})
        for d in site.devices
    ]
    site = site.model_copy(update={"devices": devices, "signatures": signatures})
    registry = RegistryService(engine)
    registry.sync_file(reg.model_copy(update={"sites": [site]}))
    return IngestService(
        engine, registry, RuleEngine(), record_sinks=[ChainStage()] if chain else []
    )


def _us_per_message(service: IngestService, msgs: list[Incoming], batch: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(msgs), batch):
        service.process(msgs[i : i + batch])
    elapsed = time.perf_counter() - started
    if service.stats.stored != len(msgs):
        raise SystemExit(f"stored {service.stats.stored} of {len(msgs)}: {service.stats}")
    return elapsed / len(msgs) * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the JSON result."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    key = generate_signing_key()
    public = public_text(key)
    modes = {
        "baseline": ("optional", False, False),
        "signed": ("required", True, False),
        "signed_chain": ("required", True, True),
    }
    results: dict[str, list[float]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for mode, (policy, sign, chain) in modes.items():
                service = _service(Path(tmp) / f"{mode}-{r}.db", policy, public, chain)
                msgs = _messages(args.messages, key if sign else None)
                results[mode].append(_us_per_message(service, msgs, args.batch))
    signed = _messages(1000, key)
    pub = key.public_key()
    started = time.perf_counter()
    for m in signed:
        verify_payload(m.payload, pub)
    verify_us = (time.perf_counter() - started) / len(signed) * 1e6
    med = {m: statistics.median(v) for m, v in results.items()}
    extra = (med["signed"] - med["baseline"]) / med["baseline"] * 100
    doc = {
        "benchmark": "trust/signature",
        "messages_per_round": args.messages,
        "batch": args.batch,
        "rounds": args.rounds,
        "ingest_us_per_message_median": {m: round(v, 1) for m, v in med.items()},
        "ingest_us_per_message_rounds": {m: [round(x, 1) for x in v] for m, v in results.items()},
        "verify_only_us_per_message": round(verify_us, 1),
        "signature_extra_pct": round(extra, 1),
        "chain_extra_pct": round((med["signed_chain"] - med["signed"]) / med["baseline"] * 100, 1),
        "goal_signature_extra_pct_max": 25,
        "goal_met": extra <= 25,
    }
    text = json.dumps(doc, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
