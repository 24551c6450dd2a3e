"""Issue 13, finding 3: webhook signatures had no timestamp (replayable), targets were
unrestricted (SSRF), deliveries sequential. Replayed against a real cloud and real receivers."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from cloud.webhooks.egress import EgressRefused, check_target
from cloud.webhooks.sign import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from cloud.webhooks.transport import guarded_client
from testkit.api_security import hardened_cloud
from testkit.cloud import RunningCloud
from testkit.compliance import env, post
from testkit.net import wait_for


class Receiver:
    """A real HTTP receiver on loopback; `gate` holds every request until it is set."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.gate = threading.Event()
        self.gate.set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.gate.wait(30)
                outer.calls.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()


@pytest.fixture
def cloud(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningCloud]:
    # Private targets allowed at registration so loopback receivers can be registered; each
    # test decides what the dispatcher allows.
    with hardened_cloud(
        tmp_path, embedded_broker.address.url(), webhook_allow_private=True
    ) as running:
        running.runtime.webhooks.base_s = 0.05
        yield running


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = (Receiver(), Receiver())
    yield pair
    for r in pair:
        r.close()


def _positive_test() -> dict[str, Any]:
    body = {
        "sample": "S-SEC",
        "commodity": "黄瓜",
        "method": "colloidal_gold",
        "analyte": "毒死蜱",
        "result": "positive",
    }
    return env("rapid_test", "2026-05-04T10:00:00+08:00", body, device="rt-01")


def _status(cloud: RunningCloud, hook_id: str) -> dict[str, Any]:
    items = cloud.http.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()["items"]
    return items[0] if items else {}


PRIVATE_TARGETS = (
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
)


def test_private_targets_are_refused_at_registration(
    embedded_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    with hardened_cloud(tmp_path, embedded_broker.address.url()) as cloud:
        for url in PRIVATE_TARGETS:
            r = cloud.http.post("/api/v1/webhooks", json={"url": url})
            assert r.status_code == 422, url
            assert "AGRISAFE_WEBHOOK_ALLOW_PRIVATE" in r.json()["detail"]
        assert cloud.http.get("/api/v1/webhooks").json()["total"] == 0


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    """DNS cannot be steered here: the resolver port gets a stand-in that answers 10.1.2.3."""
    with pytest.raises(EgressRefused, match="private"):
        check_target(
            "https://hooks.example.net/x", allow_private=False, resolve=lambda _h, _p: ["10.1.2.3"]
        )
    check_target(
        "https://hooks.example.net/x", allow_private=False, resolve=lambda _h, _p: ["93.184.215.14"]
    )


def test_the_connection_itself_goes_only_to_allowed_addresses(
    receivers: tuple[Receiver, Receiver],
) -> None:
    """Past every earlier check (as after a DNS rebinding), the socket is still not opened to
    loopback: the transport checks the addresses it connects to."""
    receiver = receivers[0]
    allowed = [False]
    with guarded_client(5.0, lambda: allowed[0]) as http:
        with pytest.raises(httpx.ConnectError, match="refused: localhost resolves to a loopback"):
            http.post(receiver.url.replace("127.0.0.1", "localhost"), content=b"{}")
        assert receiver.calls == []
        allowed[0] = True  # AGRISAFE_WEBHOOK_ALLOW_PRIVATE=true
        assert http.post(receiver.url, content=b"{}").status_code == 204


@pytest.mark.integration
def test_targets_are_checked_again_at_delivery(
    cloud: RunningCloud, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    hook = cloud.http.post("/api/v1/webhooks", json={"url": receiver.url}).json()
    cloud.runtime.webhooks.allow_private = False  # e.g. the name now resolves to loopback
    cloud.runtime.webhooks.max_attempts = 2
    assert post(cloud.http, _positive_test()).status_code == 202
    assert wait_for(lambda: _status(cloud, hook["id"]).get("status") == "failed", 15)
    assert _status(cloud, hook["id"])["last_error"].startswith("refused: ")
    assert receiver.calls == []


@pytest.mark.integration
def test_signed_over_timestamp_and_delivery_and_concurrent(
    cloud: RunningCloud, receivers: tuple[Receiver, Receiver]
) -> None:
    slow, fast = receivers
    slow.gate.clear()  # the slow receiver holds its request until released
    secret = "a-webhook-secret-for-this-test-only"
    hooks = [
        cloud.http.post("/api/v1/webhooks", json={"url": r.url, "secret": secret}).json()
        for r in (slow, fast)
    ]
    assert post(cloud.http, _positive_test()).status_code == 202
    # No head-of-line blocking: the fast receiver is served while the slow one still waits.
    assert wait_for(lambda: _status(cloud, hooks[1]["id"]).get("status") == "delivered", 15)
    assert slow.calls == []
    slow.gate.set()
    assert wait_for(lambda: _status(cloud, hooks[0]["id"]).get("status") == "delivered", 15)

    headers, body = fast.calls[0]
    signed = (headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], headers[DELIVERY_HEADER])
    now = time.time()
    assert verify(secret, body, *signed, now_s=now)
    assert not verify(secret, body, *signed, now_s=now + 301)  # a replay after 5 minutes
    assert not verify(secret, body, signed[0], signed[1], "another-delivery", now_s=now)
    assert not verify(secret, body, signed[0], str(int(signed[1]) + 1), signed[2], now_s=now)
