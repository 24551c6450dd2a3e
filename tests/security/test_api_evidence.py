"""Issue 13, finding 3: evidence was fetchable across regions, tied to no site, device or
token, typed by the client's header, unlimited per site. Replayed on SQLite and PostgreSQL."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from agrisafe.mqtt.broker import EmbeddedBroker
from cloud.store import api_tables
from testkit.api_security import (
    JPEG,
    REGION_A,
    REGION_B,
    SITE_A,
    SITE_B,
    client,
    device_client,
    hardened_cloud,
)
from testkit.cloud import RunningCloud

QUOTA = 4096


@pytest.fixture
def cloud(
    embedded_broker: EmbeddedBroker, tmp_path: Path, database_url: str
) -> Iterator[RunningCloud]:
    with hardened_cloud(
        tmp_path, embedded_broker.address.url(), database_url, evidence_quota_bytes=QUOTA
    ) as running:
        yield running


@pytest.mark.integration
def test_evidence_is_held_for_the_uploading_site_and_region_checked(cloud: RunningCloud) -> None:
    camera = device_client(cloud, SITE_A, "cam-01")
    r = camera.post("/api/v1/evidence", content=JPEG, headers={"Content-Type": "text/html"})
    assert r.status_code == 201
    assert (r.json()["site"], r.json()["media"]) == (SITE_A, "image/jpeg")  # sniffed, not told
    uri = r.json()["uri"]
    with cloud.runtime.engine.connect() as conn:
        [row] = conn.execute(select(api_tables.evidence_items)).mappings()
    assert (row["site"], row["device"]) == (SITE_A, "cam-01")
    assert row["token_id"]  # the uploading token's id

    regulator_a = client(cloud, role="regulator", regions=[REGION_A])[0]
    regulator_b = client(cloud, role="regulator", regions=[REGION_B])[0]
    producer_b = client(cloud, role="producer", sites=[SITE_B])[0]
    got = regulator_a.get(uri)
    assert (got.status_code, got.content) == (200, JPEG)
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert regulator_b.get(uri).status_code == 404  # not even its existence
    assert producer_b.get(uri).status_code == 404


@pytest.mark.integration
def test_a_device_cannot_upload_for_another_site(cloud: RunningCloud) -> None:
    camera = device_client(cloud, SITE_A, "cam-01")
    r = camera.post("/api/v1/evidence", content=JPEG, headers={"X-Agrisafe-Site": SITE_B})
    assert r.status_code == 403


@pytest.mark.integration
def test_media_type_comes_from_the_bytes(cloud: RunningCloud) -> None:
    camera = device_client(cloud, SITE_A, "cam-01")
    html = b"<!doctype html><script>fetch('/api/v1/tokens')</script>"
    r = camera.post("/api/v1/evidence", content=html, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 415
    sha = hashlib.sha256(html).hexdigest()
    assert cloud.http.get(f"/api/v1/evidence/{sha}").status_code == 404
    for head, media in (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\x00\x00\x00\x20ftypisom", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x01\x00", "video/webm"),
    ):
        ok = camera.post("/api/v1/evidence", content=head + b"frame" * 10)
        assert (ok.status_code, ok.json()["media"]) == (201, media)


@pytest.mark.integration
def test_per_site_quota(cloud: RunningCloud) -> None:
    camera = device_client(cloud, SITE_A, "cam-01")
    big = JPEG + b"\0" * (QUOTA - len(JPEG) - 100)
    assert camera.post("/api/v1/evidence", content=big).status_code == 201
    over = camera.post("/api/v1/evidence", content=JPEG + b"more" * 50)
    assert over.status_code == 507
    assert "quota" in over.json()["detail"]
    # A file the site already holds is acknowledged by its hash, quota or not (edge retries).
    again = camera.post(
        "/api/v1/evidence",
        content=big,
        headers={"X-Content-SHA256": hashlib.sha256(big).hexdigest()},
    )
    assert (again.status_code, again.json()["bytes"]) == (200, len(big))
    # The other site's quota is its own.
    other = device_client(cloud, SITE_B, "rt-01")
    assert other.post("/api/v1/evidence", content=JPEG + b"more" * 50).status_code == 201
