"""Live streams re-check their token: revoked, the stream ends and sends nothing more."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.protocol import Kind
from cloud.api.auth import Principal, Role
from cloud.api.token_watch import still_valid
from testkit.api_security import REGION_A, SITE_A, client, device_client, hardened_cloud
from testkit.cloud import RunningCloud
from testkit.messages import message
from testkit.net import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    with hardened_cloud(
        tmp_path, embedded_broker.address.url(), sse_token_recheck_s=0.5
    ) as running:
        yield running


class Stream:
    """Reads one SSE stream in a thread: its events, and whether the server ended it."""

    def __init__(self, url: str, token: str) -> None:
        self.events: list[tuple[str, Any]] = []
        self.ready = threading.Event()
        self.ended = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(5, read=None))
        self._thread = threading.Thread(target=self._run, args=(url, token), daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "stream did not open"

    def _run(self, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with connect_sse(self._client, "GET", url, headers=headers) as source:
                for sse in source.iter_sse():
                    if sse.event == "ready":
                        self.ready.set()
                    else:
                        self.events.append((sse.event, sse.data))
            self.ended.set()  # the server closed the stream
        except (httpx.HTTPError, RuntimeError):
            return

    def close(self) -> None:
        """Stop reading."""
        self._client.close()


def _revoke(cloud: RunningCloud, token: str) -> None:
    [row] = [
        t
        for t in cloud.http.get("/api/v1/tokens", params={"limit": 1000}).json()["items"]
        if t.get("name") == "watched"
    ]
    assert cloud.http.delete(f"/api/v1/tokens/{row['id']}").status_code == 200
    assert (
        httpx.get(
            f"{cloud.base_url}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )


def test_a_revoked_tokens_alert_stream_ends_and_gets_no_alert(cloud: RunningCloud) -> None:
    _reg, token = client(cloud, name="watched", role="regulator", regions=[REGION_A])
    stream = Stream(f"{cloud.base_url}/api/v1/alerts/stream", token)
    try:
        _revoke(cloud, token)
        dev = device_client(cloud, SITE_A, "rt-01")
        positive = message(Kind.RAPID_TEST, device="rt-01", result="positive")
        assert dev.post("/api/v1/messages", json=positive).status_code == 202
        assert stream.ended.wait(10), "the revoked token's stream is still open"
        assert stream.events == []
        # The alert was raised: only the revoked stream did not get it.
        alerts = cloud.http.get("/api/v1/alerts", params={"rule": "rapid_test_positive"}).json()
        assert alerts["total"] == 1
    finally:
        stream.close()


def test_a_live_token_keeps_its_alert_stream(cloud: RunningCloud) -> None:
    _reg, token = client(cloud, name="kept", role="regulator", regions=[REGION_A])
    stream = Stream(f"{cloud.base_url}/api/v1/alerts/stream", token)
    try:
        dev = device_client(cloud, SITE_A, "rt-01")
        positive = message(Kind.RAPID_TEST, device="rt-01", result="positive")
        assert dev.post("/api/v1/messages", json=positive).status_code == 202
        assert wait_for(lambda: len(stream.events) == 1, 10)
        assert stream.events[0][0] == "alert"
        assert not stream.ended.wait(1.5)  # several re-checks later, still open
    finally:
        stream.close()


def test_a_revoked_tokens_consultation_stream_ends(cloud: RunningCloud) -> None:
    _reg, token = client(cloud, name="watched", role="regulator", regions=[REGION_A])
    stream = Stream(f"{cloud.base_url}/api/v1/consultations/stream", token)
    try:
        assert not stream.ended.wait(1.5)
        _revoke(cloud, token)
        assert stream.ended.wait(10), "the revoked token's stream is still open"
    finally:
        stream.close()


def test_only_the_same_live_token_keeps_a_stream() -> None:
    opened = Principal("r", Role.REGULATOR, token_id="tok-1")
    assert still_valid("tok-1", opened)
    assert not still_valid(None, opened)  # revoked, expired or unknown
    assert not still_valid("tok-2", opened)
    assert not still_valid("tok-1", Principal("b", Role.ADMIN, bootstrap=True, token_id="tok-1"))
