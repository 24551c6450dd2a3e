"""`agrisafe audit anchor|verify|public-key` on a real SQLite store the ingest service wrote."""

from pathlib import Path

import orjson
from sqlalchemy import update
from typer.testing import CliRunner

from agrisafe.protocol import Kind
from agrisafe.timeutil import Clock
from cloud.chain.cli import app
from cloud.domain import Incoming, Source
from cloud.store import tables as t
from testkit.messages import message, topic_of
from testkit.trust_keys import SITE, keyed_registry, keyed_service


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
