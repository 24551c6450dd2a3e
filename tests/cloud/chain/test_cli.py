"""`agrisafe audit anchor|verify|export-anchors|public-key` on a real SQLite store the ingest
service wrote."""

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from agrisafe.protocol import Kind
from agrisafe.timeutil import Clock
from cloud.chain.cli import app
from cloud.chain.hashing import link_hash
from cloud.domain import Incoming, Source
from cloud.ingest.service import IngestService
from cloud.store import tables as t
from cloud.store import trust_tables as tt
from testkit.messages import message, topic_of
from testkit.trust_keys import SITE, keyed_registry, keyed_service


def _anchored(
    tmp_path: Path, harvests: int = 1
) -> tuple[IngestService, list[str], list[dict[str, Any]]]:
    """A keyed cloud in TMP_PATH holding HARVESTS records, anchored once: the service, its CLI
    options and the records' envelopes."""
    url = f"sqlite:///{tmp_path / 'cloud.db'}"
    service = keyed_service(url, keyed_registry("optional"))
    envs = [message(Kind.HARVEST, device="app-zhang") for _ in range(harvests)]
    now = Clock().now_ms()
    service.process([Incoming(orjson.dumps(e), topic_of(e), Source.MQTT, now) for e in envs])
    common = ["--database-url", url, "--data-dir", str(tmp_path)]
    anchored = CliRunner().invoke(app, ["anchor", *common])
    assert anchored.exit_code == 0, anchored.output
    return service, common, envs


def test_anchor_then_verify_clean_then_tampered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cloud.db'}"
    service = keyed_service(url, keyed_registry("optional"))
    env = message(Kind.HARVEST, device="app-zhang")
    service.process([Incoming(orjson.dumps(env), topic_of(env), Source.MQTT, Clock().now_ms())])
    runner = CliRunner()
    common = ["--database-url", url, "--data-dir", str(tmp_path)]
    anchored = runner.invoke(app, ["anchor", *common])
    assert anchored.exit_code == 0, anchored.output
    assert anchored.stdout.startswith(f"{SITE} ")  # logs go to stderr
    pub = runner.invoke(app, ["public-key", "--data-dir", str(tmp_path)]).stdout.strip()
    clean = runner.invoke(app, ["verify", "--site", SITE, "--public-key", pub, *common])
    assert clean.exit_code == 0, clean.output
    assert "1 records, 1 anchors: clean" in clean.output
    with service.engine.begin() as conn:
        conn.execute(update(t.records).values(device="rt-01"))
    bad = runner.invoke(app, ["verify", "--site", SITE, "--json", *common])
    assert bad.exit_code == 1
    report = orjson.loads(bad.stdout)
    assert report["findings"][0]["problem"] == "edited"
    assert report["findings"][0]["record"] == env["id"]


def test_bad_time_and_bad_key_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'x.db'}"
    bad_time = runner.invoke(
        app,
        [
            "verify",
            "--site",
            SITE,
            "--from",
            "yesterday",
            "--public-key",
            "A" * 43,
            "--database-url",
            url,
        ],
    )
    assert bad_time.exit_code == 2
    bad_key = runner.invoke(app, ["verify", "--site", SITE, "--public-key", "abc"])
    assert bad_key.exit_code == 2
    assert "cloud public key" in bad_key.output


def test_anchor_log_export_and_verify_against_a_kept_copy(tmp_path: Path) -> None:
    service, common, envs = _anchored(tmp_path, harvests=3)
    runner = CliRunner()
    log = tmp_path / "anchors" / "anchors.jsonl"
    exported = runner.invoke(app, ["export-anchors", "--site", SITE, *common])
    assert exported.exit_code == 0, exported.output
    assert exported.stdout == log.read_text()  # the same lines: either is a regulator's copy
    copy = tmp_path / "regulator.jsonl"
    copy.write_text(exported.stdout)
    # A database writer edits the last record, recomputes its link and the head, deletes the
    # anchor row and signs nothing (no key): the database alone now verifies clean.
    with service.engine.begin() as conn:
        conn.execute(update(t.records).where(t.records.c.id == envs[2]["id"]).values(lot="L-X"))
        c = tt.record_chain.c
        prev = conn.execute(select(c.hash).where(c.seq == 2)).scalar_one()
        row = conn.execute(select(t.records).where(t.records.c.id == envs[2]["id"])).mappings()
        forged = link_hash(prev, dict(row.one()))
        conn.execute(update(tt.record_chain).where(c.seq == 3).values(hash=forged))
        conn.execute(update(tt.chain_heads).values(hash=forged))
        conn.execute(delete(tt.chain_anchors))
    log.unlink()  # this host's log went with it; the regulator's copy did not
    blind = runner.invoke(app, ["verify", "--site", SITE, *common])
    assert blind.exit_code == 0, blind.output
    assert "no anchor file outside the database" in blind.output
    caught = runner.invoke(
        app, ["verify", "--site", SITE, "--anchors", str(copy), "--json", *common]
    )
    assert caught.exit_code == 1, caught.output
    report = orjson.loads(caught.stdout)
    assert report["anchor_file"] == str(copy)
    assert {f["problem"] for f in report["findings"]} == {"anchor_missing", "anchor_mismatch"}


def test_verify_reads_the_local_log_and_reports_gaps(tmp_path: Path) -> None:
    service, common, _envs = _anchored(tmp_path)
    runner = CliRunner()
    with service.engine.begin() as conn:
        conn.execute(delete(tt.chain_anchors))
    local = runner.invoke(app, ["verify", "--site", SITE, "--json", *common])
    assert local.exit_code == 1
    assert {f["problem"] for f in orjson.loads(local.stdout)["findings"]} == {"anchor_missing"}
    gap = runner.invoke(app, ["verify", "--site", SITE, "--max-anchor-gap", "0", *common])
    assert gap.exit_code == 1
    assert "anchor_gap: no valid anchor from" in gap.output


def test_unreadable_anchor_file_exits_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    args = ["verify", "--site", SITE, "--public-key", "A" * 43, "--anchors", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--database-url", url])  # a folder, not a file
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_a_torn_local_log_is_a_finding_and_its_other_lines_still_count(tmp_path: Path) -> None:
    service, common, _envs = _anchored(tmp_path)
    runner = CliRunner()
    log = tmp_path / "anchors" / "anchors.jsonl"
    with log.open("a") as f:
        f.write('{"site":"SX')  # a power cut in the middle of the next round's append
    torn = runner.invoke(app, ["verify", "--site", SITE, "--json", *common])
    assert torn.exit_code == 1, torn.output  # was 2, for every site, until the file was edited
    findings = orjson.loads(torn.stdout)["findings"]
    assert [f["problem"] for f in findings] == ["anchor_log_damaged"]
    assert findings[0]["detail"].startswith(f"{log}:2: not an anchor")
    with service.engine.begin() as conn:
        conn.execute(delete(tt.chain_anchors))
    deleted = runner.invoke(app, ["verify", "--site", SITE, "--json", *common])
    assert deleted.exit_code == 1  # the good line before the torn one is still checked
    problems = {f["problem"] for f in orjson.loads(deleted.stdout)["findings"]}
    assert problems == {"anchor_log_damaged", "anchor_missing"}
