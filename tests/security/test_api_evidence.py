"""Issue 13, finding 3: evidence was fetchable across regions, tied to no site, device or
token, typed by the client's header, unlimited per site. Replayed on SQLite and PostgreSQL.
Later review: a producer could fill the quota its cameras need; a re-upload of a file gone from
disk was acknowledged without storing it; a refused upload's clean-up could delete the file a
concurrent upload of the same bytes had just been told was stored."""

import hashlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from agrisafe.mqtt.broker import EmbeddedBroker
from cloud.api.auth import Principal, Role
from cloud.api.routes.evidence import _Intake, _keep, evidence_store
from cloud.evidence import service
from cloud.evidence.store import EvidenceStore, Staged
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
PEOPLE_QUOTA = 2048


@pytest.fixture
def cloud(
    embedded_broker: EmbeddedBroker, tmp_path: Path, database_url: str
) -> Iterator[RunningCloud]:
    with hardened_cloud(
        tmp_path,
        embedded_broker.address.url(),
        database_url,
        evidence_quota_bytes=QUOTA,
        evidence_people_quota_bytes=PEOPLE_QUOTA,
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
def test_per_site_quota(cloud: RunningCloud, caplog: pytest.LogCaptureFixture) -> None:
    camera = device_client(cloud, SITE_A, "cam-01")
    big = JPEG + b"\0" * (QUOTA - len(JPEG) - 100)
    assert camera.post("/api/v1/evidence", content=big).status_code == 201
    over = camera.post("/api/v1/evidence", content=JPEG + b"more" * 50)
    assert over.status_code == 507
    assert "quota" in over.json()["detail"]
    # A camera's evidence refused is loud: an error in the log and a metric to alert on.
    assert any(
        r.levelno >= logging.ERROR and "EVIDENCE REFUSED" in r.getMessage() for r in caplog.records
    )
    metrics = cloud.http.get("/metrics").text
    assert f'agrisafe_evidence_quota_refusals_total{{sender="device",site="{SITE_A}"}} 1.0' in (
        metrics
    )
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


@pytest.mark.integration
def test_people_cannot_use_up_the_cameras_quota(cloud: RunningCloud) -> None:
    producer = client(cloud, role="producer", sites=[SITE_A])[0]
    junk = JPEG + b"\0" * (PEOPLE_QUOTA // 2)
    assert producer.post("/api/v1/evidence", content=junk).status_code == 201
    refused = producer.post("/api/v1/evidence", content=junk + b"more")
    assert refused.status_code == 507  # the people's quota: the producer's own budget
    assert "person" in refused.json()["detail"]
    camera = device_client(cloud, SITE_A, "cam-01")
    real = JPEG + b"spraying-frame" * ((QUOTA - len(JPEG) - 100) // 14)
    r = camera.post("/api/v1/evidence", content=real, headers={"X-Content-SHA256": _sha(real)})
    assert r.status_code == 201  # the devices' quota is untouched by what people sent


@pytest.mark.integration
def test_a_reupload_restores_a_file_gone_from_disk(cloud: RunningCloud) -> None:
    camera = device_client(cloud, SITE_A, "cam-01")
    data = JPEG + b"clip" * 20
    headers = {"X-Content-SHA256": _sha(data)}
    assert camera.post("/api/v1/evidence", content=data, headers=headers).status_code == 201
    evidence_store(cloud.runtime.settings).path(_sha(data)).unlink()
    assert camera.post("/api/v1/evidence", content=data, headers=headers).status_code == 200
    assert cloud.http.get(f"/api/v1/evidence/{_sha(data)}").content == data
    # The hash is still checked on a restoring upload: other bytes under the hash are refused.
    evidence_store(cloud.runtime.settings).path(_sha(data)).unlink()
    forged = camera.post("/api/v1/evidence", content=JPEG + b"forged", headers=headers)
    assert forged.status_code == 422
    assert cloud.http.get(f"/api/v1/evidence/{_sha(data)}").status_code == 404


class _Interleaved(EvidenceStore):
    """Replays a race by pausing `adopt`: upload A (site B, over its quota) places the file,
    upload B (site A) of the same bytes then finds it in place, A is refused and cleans up,
    and only then does B record its copy. Waits time out, so a lock that keeps B out while A
    is between placing and cleaning up lets the test run on instead of hanging."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.a_placed, self.b_found, self.a_done = (threading.Event() for _ in range(3))

    def adopt(self, staged: Staged, sha: str, media: str) -> bool:
        if threading.current_thread().name == "upload-a":
            created = super().adopt(staged, sha, media)
            self.a_placed.set()
            self.b_found.wait(2)
            return created
        self.a_placed.wait(2)
        created = super().adopt(staged, sha, media)
        self.b_found.set()
        self.a_done.wait(2)
        return created


@pytest.mark.integration
def test_a_refused_upload_does_not_delete_a_concurrent_uploads_file(cloud: RunningCloud) -> None:
    runtime = cloud.runtime
    store = _Interleaved(evidence_store(runtime.settings).root)
    quotas = service.Quotas(devices=QUOTA, people=PEOPLE_QUOTA)
    intake = _Intake(store, runtime.engine, quotas, runtime.metrics)
    data = JPEG + b"victim-clip" * 300  # more than the people's quota: A is refused
    sha = _sha(data)
    answers: dict[str, int] = {}

    def upload(name: str, principal: Principal, site: str) -> None:
        staged = store.stage()
        staged.write(data)
        staged.close()
        answers[name] = _keep(intake, staged, (sha, sha), principal, site).status_code
        if name == "upload-a":
            store.a_done.set()

    admin = Principal("admin", Role.ADMIN, token_id="t-a")
    camera = Principal("cam-01", Role.DEVICE, sites=frozenset({SITE_A}), device="cam-01")
    threads = [
        threading.Thread(target=upload, name="upload-a", args=("upload-a", admin, SITE_B)),
        threading.Thread(target=upload, name="upload-b", args=("upload-b", camera, SITE_A)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert answers == {"upload-a": 507, "upload-b": 201}
    assert store.path(sha).read_bytes() == data  # B was told it is stored: it is


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
