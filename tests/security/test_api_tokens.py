"""Issue 13, finding 3: tokens never expired, `?token=` worked on every route, the bootstrap
admin token could not be revoked (and could read everything), audits did not name the token,
any short admin token was accepted. Replayed against a real cloud."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.settings import SettingsError
from cloud.app import build_runtime
from cloud.settings import weak_secret
from cloud.store import compliance_tables as ct
from testkit.api_security import REGION_A, client, hardened_cloud
from testkit.cloud import TEST_BOOTSTRAP_TOKEN, RunningCloud, cloud_settings
from testkit.paths import REPO


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    with hardened_cloud(tmp_path, embedded_broker.address.url()) as running:
        yield running


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_expire(cloud: RunningCloud) -> None:
    reg, _token = client(cloud, role="regulator", regions=[REGION_A])
    created = cloud.http.get("/api/v1/tokens").json()["items"][-1]
    day_ms = 24 * 3600 * 1000
    assert 89 * day_ms < created["expires_ms"] - created["created_ms"] <= 90 * day_ms  # default
    assert reg.get("/api/v1/alerts").status_code == 200
    # Time passes: the token's expiry is behind us.
    with cloud.runtime.engine.begin() as conn:
        conn.execute(
            update(ct.api_tokens).where(ct.api_tokens.c.id == created["id"]).values(expires_ms=1)
        )
    r = reg.get("/api/v1/alerts")
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


def test_rotation_mints_a_new_token_and_revokes_the_old(cloud: RunningCloud) -> None:
    reg, _token = client(cloud, role="regulator", regions=[REGION_A])
    token_id = cloud.http.get("/api/v1/tokens").json()["items"][-1]["id"]
    rotated = cloud.http.post(f"/api/v1/tokens/{token_id}/rotate")
    assert rotated.status_code == 200
    body = rotated.json()
    assert (body["role"], body["regions"]) == ("regulator", [REGION_A])
    assert reg.get("/api/v1/alerts").status_code == 401
    fresh = httpx.get(f"{cloud.base_url}/api/v1/alerts", headers=_bearer(body["token"]))
    assert fresh.status_code == 200
    assert cloud.http.post(f"/api/v1/tokens/{token_id}/rotate").status_code == 409


def test_bootstrap_token_only_mints_and_can_be_switched_off(cloud: RunningCloud) -> None:
    boot = _bearer(TEST_BOOTSTRAP_TOKEN)
    for path in ("/api/v1/alerts", "/api/v1/records", "/api/v1/audit", "/api/v1/quarantine"):
        r = httpx.get(f"{cloud.base_url}{path}", headers=boot)
        assert r.status_code == 403, path
        assert "only mints" in r.json()["detail"]
    assert httpx.get(f"{cloud.base_url}/metrics", headers=boot).status_code == 401
    minted = httpx.post(
        f"{cloud.base_url}/api/v1/tokens", json={"name": "ops", "role": "admin"}, headers=boot
    )
    assert minted.status_code == 201
    # Only a real admin switches the bootstrap token off, and then it stops working at once.
    assert httpx.delete(f"{cloud.base_url}/api/v1/tokens/bootstrap", headers=boot).status_code == (
        403
    )
    assert cloud.http.delete("/api/v1/tokens/bootstrap").status_code == 200
    r = httpx.get(f"{cloud.base_url}/api/v1/tokens", headers=boot)
    assert r.status_code == 401
    assert cloud.http.get("/api/v1/tokens").status_code == 200
    actions = [e["action"] for e in cloud.http.get("/api/v1/audit").json()["items"]]
    assert "token.bootstrap_disable" in actions


def test_query_token_only_on_the_live_stream(cloud: RunningCloud) -> None:
    _reg, token = client(cloud, role="regulator", regions=[REGION_A])
    for path in ("/api/v1/alerts", "/api/v1/records", "/api/v1/sites"):
        r = httpx.get(f"{cloud.base_url}{path}", params={"token": token})
        assert r.status_code == 401, path
    with httpx.stream(
        "GET", f"{cloud.base_url}/api/v1/alerts/stream", params={"token": token}, timeout=10
    ) as stream:
        assert stream.status_code == 200
        first = next(stream.iter_lines())
        assert first == "event: ready"


def test_every_audit_entry_names_the_token(cloud: RunningCloud) -> None:
    client(cloud, role="regulator", regions=[REGION_A])
    entries = cloud.http.get("/api/v1/audit").json()["items"]
    assert entries
    admin_id = cloud.http.get("/api/v1/tokens").json()["items"][0]["id"]
    by_bootstrap = [e for e in entries if e["actor"] == "bootstrap"]
    by_admin = [e for e in entries if e["actor"] == "test-admin"]
    assert {e["detail"]["token_id"] for e in by_bootstrap} == {"bootstrap"}
    assert {e["detail"]["token_id"] for e in by_admin} == {admin_id}


@pytest.mark.parametrize(
    "token",
    [
        "change-me-admin-token",  # the old docker-compose default
        "CHANGE_ME_ADMIN_TOKEN_AT_LEAST_32_CHARACTERS",  # the .env.example placeholder
        "s3cret",
        "x" * 31,
    ],
)
def test_refuses_to_start_with_a_default_or_short_admin_token(tmp_path: Path, token: str) -> None:
    settings = cloud_settings(tmp_path, "mqtt://127.0.0.1:1", admin_token=token)
    with pytest.raises(SettingsError, match="AGRISAFE_ADMIN_TOKEN"):
        build_runtime(settings)


def test_env_example_placeholders_are_all_refused() -> None:
    lines = (REPO / ".env.example").read_text("utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    for name in ("AGRISAFE_ADMIN_TOKEN", "AGRISAFE_METRICS_TOKEN"):
        assert weak_secret(values[name]) is not None, name
    assert weak_secret(TEST_BOOTSTRAP_TOKEN) is None
