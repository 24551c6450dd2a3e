"""Issue 13, finding 3: bodies were read whole before authentication (an unauthenticated
300 MiB POST took 1.1 GB of RAM). Replayed against a real cloud: refused before any handler."""

import resource
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from testkit.api_security import JPEG, SITE_A, device_client, hardened_cloud
from testkit.cloud import RunningCloud

MIB = 1024 * 1024


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    with hardened_cloud(
        tmp_path, embedded_broker.address.url(), evidence_max_bytes=4 * MIB
    ) as running:
        yield running


def _chunks(total: int, size: int = MIB) -> Iterator[bytes]:
    block = b"\0" * size
    for _ in range(total // size):
        yield block


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("path", ["/api/v1/messages", "/api/v1/evidence", "/api/v1/tokens"])
def test_declared_300_mib_is_refused_before_auth(cloud: RunningCloud, path: str) -> None:
    """A Content-Length of 300 MiB is answered 413 at once: nothing read, no token checked."""
    with httpx.Client(timeout=10) as raw:
        r = raw.post(
            f"{cloud.base_url}{path}",
            content=_chunks(300 * MIB),
            headers={"Content-Length": str(300 * MIB)},
        )
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_streamed_body_without_length_is_capped_without_buffering(cloud: RunningCloud) -> None:
    """A chunked 300 MiB body: unauthenticated → 401 before the body is read; with a device
    token the stream is cut at the evidence limit (413) and the process does not grow by it."""
    before = _peak_rss_mib()
    with httpx.Client(timeout=30) as raw:
        r = raw.post(f"{cloud.base_url}/api/v1/evidence", content=_chunks(300 * MIB))
    assert r.status_code == 401
    camera = device_client(cloud, SITE_A, "cam-01")
    r = camera.post("/api/v1/evidence", content=(c for c in [JPEG, *_chunks(300 * MIB)]))
    assert r.status_code == 413
    # 300 MiB were offered twice; the process's peak grew by far less (not the 1.1 GB of old).
    assert _peak_rss_mib() - before < 100
    staging = Path(cloud.runtime.settings.data_dir) / "evidence" / ".staging"
    assert list(staging.iterdir()) == []  # the partial upload was dropped


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/tokens"), ("POST", "/api/v1/webhooks"), ("PUT", "/api/v1/sites/X")],
)
def test_chunked_json_bodies_are_cut_before_auth(
    cloud: RunningCloud, method: str, path: str
) -> None:
    """The finding itself: FastAPI reads a JSON body before the token dependency runs, so an
    unauthenticated chunked 300 MiB body was buffered whole (bench/api/hostile_bodies.py: +600
    MiB on POST /api/v1/tokens before). Now the stream is cut at the route's cap: 413, not 422."""
    with httpx.Client(timeout=30) as raw:
        r = raw.request(
            method,
            f"{cloud.base_url}{path}",
            content=_chunks(300 * MIB),
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 413


def test_default_cap_on_json_routes(cloud: RunningCloud) -> None:
    """Routes without their own limit take AGRISAFE_MAX_BODY_BYTES (1 MiB) at most."""
    r = cloud.http.post("/api/v1/webhooks", content=b"{" + b" " * (2 * MIB) + b"}")
    assert r.status_code == 413
    ok = cloud.http.post("/api/v1/tokens", json={"name": "x", "role": "regulator"})
    assert ok.status_code == 422  # small bodies still reach validation


def test_nosniff_on_every_response(cloud: RunningCloud) -> None:
    """`X-Content-Type-Options: nosniff` on success, refusal and not-found alike."""
    for resp in (
        httpx.get(f"{cloud.base_url}/api/v1/health"),
        httpx.get(f"{cloud.base_url}/api/v1/alerts"),
        cloud.http.get("/api/v1/alerts"),
        cloud.http.get("/api/v1/nowhere"),
    ):
        assert resp.headers["x-content-type-options"] == "nosniff", resp.url
