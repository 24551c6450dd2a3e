"""Issue 13, finding 3: data directory and SQLite file 0644; `/health` open with broker URL and
client ids; `/metrics` open; quarantine kept forever; default secrets in docker-compose,
container running as root. Replayed against a real cloud and the shipped files."""

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, insert, select

from agrisafe.mqtt.broker import EmbeddedBroker
from cloud.admin.retention import DAY_MS, QuarantineRetention
from cloud.settings import instance_name
from cloud.store import tables as t
from testkit.api_security import hardened_cloud
from testkit.cloud import RunningCloud
from testkit.paths import REPO

METRICS_TOKEN = "metrics-token-for-this-test-0123456789abcdef"


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    with hardened_cloud(
        tmp_path / "data", embedded_broker.address.url(), metrics_token=METRICS_TOKEN
    ) as running:
        yield running


def test_data_directory_and_database_are_private(cloud: RunningCloud) -> None:
    data = Path(cloud.runtime.settings.data_dir)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "agrisafe.db").stat().st_mode) == 0o600


def test_health_tells_the_public_only_ok(cloud: RunningCloud) -> None:
    public = httpx.get(f"{cloud.base_url}/api/v1/health")
    assert public.json() == {"status": "ok"}
    assert "mqtt" not in public.text
    assert instance_name(cloud.runtime.settings) not in public.text
    assert httpx.get(f"{cloud.base_url}/api/v1/health/detail").status_code == 401
    detail = httpx.get(
        f"{cloud.base_url}/api/v1/health/detail",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )
    assert detail.status_code == 200
    assert detail.json()["mqtt"].startswith("mqtt://")


def test_metrics_need_the_metrics_or_an_admin_token(cloud: RunningCloud) -> None:
    url = f"{cloud.base_url}/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    by_metrics = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert by_metrics.status_code == 200
    assert "agrisafe_ingest" in by_metrics.text
    assert cloud.http.get("/metrics").status_code == 200  # an admin token


def _rejected(received_ms: int) -> dict[str, object]:
    return {
        "received_ms": received_ms,
        "source": "mqtt",
        "topic": "x",
        "reason": "bad_json",
        "detail": "replayed",
        "message_id": None,
        "raw": b"{",
    }


def test_quarantine_retention_by_age_and_count(cloud: RunningCloud) -> None:
    engine = cloud.runtime.engine
    retention = QuarantineRetention(engine, max_age_days=30, max_rows=100, period_s=3600)
    now = retention.clock.now_ms()
    with engine.begin() as conn:
        conn.execute(insert(t.quarantine), [_rejected(now - 31 * DAY_MS) for _ in range(5)])
        conn.execute(insert(t.quarantine), [_rejected(now - n) for n in range(150)])
    assert retention.run_once() == 5 + 50
    with engine.connect() as conn:
        kept = conn.execute(select(func.count(), func.min(t.quarantine.c.received_ms))).one()
    assert kept[0] == 100
    assert kept[1] >= now - 149  # the newest were kept
    assert cloud.runtime.retention is not None  # the runtime runs it periodically


def test_compose_takes_secrets_from_env_and_the_image_runs_unprivileged() -> None:
    compose = (REPO / "docker-compose.yml").read_text("utf-8")
    services = yaml.safe_load(compose)["services"]
    secret_keys = re.compile(r"(PASSWORD|TOKEN)$")
    for name, svc in services.items():
        for key, value in (svc.get("environment") or {}).items():
            if secret_keys.search(key):
                assert str(value).startswith("${"), (name, key, value)
    assert ".env" in (REPO / ".gitignore").read_text("utf-8").splitlines()
    assert (REPO / ".env.example").exists()
    dockerfile = (REPO / "Dockerfile").read_text("utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
