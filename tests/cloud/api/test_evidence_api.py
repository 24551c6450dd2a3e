"""`POST /api/v1/evidence` against a real running cloud, fed by the edge's real uploader."""

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from cloud.settings import CloudSettings
from edge.evidence import EvidenceStore
from edge.upload import EvidenceUploader
from testkit.cloud import RunningCloud, cloud_settings, mint_token, running_cloud
from testkit.paths import DEMO_SITE_FILE

SITE = {"X-Agrisafe-Site": "SX-TG-001"}  # an admin names the site it uploads for


def _settings(tmp_path: Path, broker: EmbeddedBroker, **overrides: Any) -> CloudSettings:
    """A cloud on the embedded broker with the demo site, and these settings changed."""
    return cloud_settings(
        tmp_path / "cloud",
        f"mqtt://127.0.0.1:{broker.port}",
        shared_subscription=False,
        registry_file=DEMO_SITE_FILE,
        **overrides,
    )


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    settings = _settings(tmp_path, embedded_broker)
    with running_cloud(settings) as c:
        yield c


def test_stored_by_sha256_verified_and_idempotent(cloud: RunningCloud) -> None:
    data = b"\xff\xd8\xff\xe0 a jpeg, nominally"
    sha = hashlib.sha256(data).hexdigest()
    # The declared type is not trusted: the first bytes make it a JPEG.
    headers = {"Content-Type": "video/mp4", "X-Content-SHA256": sha} | SITE
    r = cloud.http.post("/api/v1/evidence", content=data, headers=headers)
    assert r.status_code == 201
    assert r.json() == {
        "sha256": sha,
        "bytes": len(data),
        "uri": f"/api/v1/evidence/{sha}",
        "site": "SX-TG-001",
        "media": "image/jpeg",
    }
    assert cloud.http.post("/api/v1/evidence", content=data, headers=headers).status_code == 200
    got = cloud.http.get(f"/api/v1/evidence/{sha}")
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == "image/jpeg"


def test_corrupted_upload_is_refused_and_not_stored(cloud: RunningCloud) -> None:
    data = b"\x00\x00\x00\x18ftypmp42 clip bytes"
    claimed = hashlib.sha256(b"other bytes").hexdigest()
    headers = {"Content-Type": "video/mp4", "X-Content-SHA256": claimed} | SITE
    r = cloud.http.post("/api/v1/evidence", content=data, headers=headers)
    assert r.status_code == 422
    assert r.json()["received"] == hashlib.sha256(data).hexdigest()
    assert cloud.http.get(f"/api/v1/evidence/{claimed}").status_code == 404
    html = b"<html><script>alert(1)</script></html>"
    as_jpeg = {"Content-Type": "image/jpeg"} | SITE
    assert cloud.http.post("/api/v1/evidence", content=html, headers=as_jpeg).status_code == 415
    unnamed = cloud.http.post("/api/v1/evidence", content=data, headers={})
    assert unnamed.status_code == 422
    assert "X-Agrisafe-Site" in unnamed.json()["detail"]
    assert cloud.http.get("/api/v1/evidence/not-a-hash").status_code == 422


def test_needs_a_token(cloud: RunningCloud) -> None:
    import httpx

    r = httpx.post(f"{cloud.base_url}/api/v1/evidence", content=b"x")
    assert r.status_code == 401


def test_edge_uploader_sends_pending_evidence(cloud: RunningCloud, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev", 10 << 20)
    refs = [
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg") for i in range(3)
    ]
    camera = mint_token(
        cloud.base_url,
        cloud.admin_token,
        name="cam-01",
        role="device",
        sites=["SX-TG-001"],
        device="cam-01",
    )
    uploader = EvidenceUploader(store, cloud.base_url, camera)
    assert uploader.upload_pending() == 3
    assert store.pending() == []
    for ref in refs:
        assert (
            cloud.http.get(ref.uri).content == (tmp_path / "ev" / f"{ref.sha256}.jpg").read_bytes()
        )
    offline = EvidenceUploader(store, "http://127.0.0.1:9", None)
    store.put_bytes(b"later", "image/jpeg", ".jpg")
    assert offline.upload_pending() == 0  # unreachable: kept pending, retried later
    assert len(store.pending()) == 1


def _camera_token(cloud: RunningCloud) -> str:
    return mint_token(
        cloud.base_url,
        cloud.admin_token,
        name="cam-01",
        role="device",
        sites=["SX-TG-001"],
        device="cam-01",
    )


def test_edge_uploader_sets_aside_what_the_cloud_refuses_for_good(
    cloud: RunningCloud, tmp_path: Path
) -> None:
    store = EvidenceStore(tmp_path / "ev", 10 << 20)
    swapped, not_media, *good = (
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg") for i in range(4)
    )
    # Someone with disk access changes the oldest snapshot: the cloud refuses it (422) …
    changed = b"\xff\xd8\xff" + b"X" * 100
    original = (tmp_path / "ev" / f"{swapped.sha256}.jpg").read_bytes()
    (tmp_path / "ev" / f"{swapped.sha256}.jpg").write_bytes(changed)
    # … and bytes that are no evidence file at all (415).
    (tmp_path / "ev" / f"{not_media.sha256}.jpg").write_bytes(b"<html></html>")
    uploader = EvidenceUploader(store, cloud.base_url, _camera_token(cloud))
    assert uploader.upload_pending() == 2  # the later files are not held back
    assert store.pending() == []
    for ref in good:
        assert cloud.http.get(ref.uri).status_code == 200
    aside = store.set_aside()
    assert {sha: outcome for sha, (outcome, _) in aside.items()} == {
        swapped.sha256: "rejected",
        not_media.sha256: "rejected",
    }
    assert aside[swapped.sha256][1].startswith("cloud refused 422")
    assert (tmp_path / "ev" / f"{swapped.sha256}.jpg").read_bytes() == changed  # kept
    # A file gone before upload is lost, never counted as uploaded.
    gone = store.put_bytes(b"\xff\xd8\xff gone", "image/jpeg", ".jpg")
    (tmp_path / "ev" / f"{gone.sha256}.jpg").unlink()
    assert uploader.upload_pending() == 0
    assert store.set_aside()[gone.sha256] == ("lost", "file missing before upload")
    assert (store.counts().rejected, store.counts().lost, uploader.uploaded) == (2, 1, 2)
    # The operator restores the snapshot and puts it back in the queue: it goes up now.
    (tmp_path / "ev" / f"{swapped.sha256}.jpg").write_bytes(original)
    assert store.requeue([swapped.sha256]) == [swapped.sha256]
    assert uploader.upload_pending() == 1
    assert cloud.http.get(swapped.uri).content == original


def _stopped_without_setting_aside(store: EvidenceStore, uploader: EvidenceUploader) -> None:
    order = [p.sha256 for p in store.pending()]
    assert uploader.upload_pass().set_aside == 0
    assert [p.sha256 for p in store.pending()] == order  # nothing sent, order kept
    assert store.set_aside() == {}


def test_edge_uploader_stops_on_a_token_for_several_sites(
    cloud: RunningCloud, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A configuration error (the cloud cannot tell which site the files are for) answers 422
    # for every file: none of them is bad, so none may be set aside.
    store = EvidenceStore(tmp_path / "ev", 10 << 20)
    for i in range(3):
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg")
    camera = mint_token(
        cloud.base_url,
        cloud.admin_token,
        name="cam-01",
        role="device",
        sites=["SX-TG-001", "SX-TG-002"],
        device="cam-01",
    )
    with caplog.at_level(logging.ERROR, logger="edge.upload"):
        _stopped_without_setting_aside(store, EvidenceUploader(store, cloud.base_url, camera))
    assert "EVIDENCE UPLOAD REFUSED (422)" in caplog.text
    assert "X-Agrisafe-Site" in caplog.text  # the cloud's reason


def test_edge_uploader_stops_on_a_lowered_size_limit(
    embedded_broker: EmbeddedBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # 413 says the cloud (or a proxy before it) takes less than this now, not that the file is
    # bad: once the limit is raised the same file goes up.
    settings = _settings(tmp_path, embedded_broker, evidence_max_bytes=1024)
    store = EvidenceStore(tmp_path / "ev", 10 << 20)
    big = store.put_bytes(b"\xff\xd8\xff" + b"b" * 2000, "image/jpeg", ".jpg")
    store.put_bytes(b"\xff\xd8\xff small", "image/jpeg", ".jpg")
    with running_cloud(settings) as cloud, caplog.at_level(logging.ERROR, logger="edge.upload"):
        _stopped_without_setting_aside(
            store, EvidenceUploader(store, cloud.base_url, _camera_token(cloud))
        )
    assert "EVIDENCE UPLOAD REFUSED (413)" in caplog.text
    with running_cloud(settings.model_copy(update={"evidence_max_bytes": 4096})) as cloud:
        assert EvidenceUploader(store, cloud.base_url, _camera_token(cloud)).upload_pending() == 2
        assert cloud.http.get(big.uri).status_code == 200


def test_edge_uploader_keeps_its_order_while_the_site_quota_is_full(
    embedded_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, embedded_broker, evidence_quota_bytes=250)
    store = EvidenceStore(tmp_path / "ev", 10 << 20)
    refs = [
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg") for i in range(3)
    ]
    with running_cloud(settings) as cloud:
        uploader = EvidenceUploader(store, cloud.base_url, _camera_token(cloud))
        assert uploader.upload_pending() == 2
        # 507 may pass later (an operator raises the quota): kept pending, nothing set aside.
        assert uploader.upload_pending() == 0
        assert [p.sha256 for p in store.pending()] == [refs[2].sha256]
        assert store.set_aside() == {}
