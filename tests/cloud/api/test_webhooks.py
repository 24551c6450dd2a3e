"""Webhooks: HMAC-signed deliveries from a durable queue, retried with backoff, filtered."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cloud.webhooks.sign import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    backoff_ms,
    verify,
)
from testkit.cloud import RunningCloud
from testkit.compliance import env, post
from testkit.net import wait_for

pytest_plugins = ["testkit.compliance_api"]


class Receiver:
    """A real HTTP endpoint that fails the first `failures` calls, then accepts."""

    def __init__(self, failures: int) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), body))
                self.send_response(500 if len(outer.calls) <= failures else 204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(failures=2)
    yield r
    r.close()


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_ms(n, 2.0, 10.0) for n in (1, 2, 3, 4, 5)] == [2000, 4000, 8000, 10000, 10000]


@pytest.mark.integration
def test_alerts_reach_a_webhook_signed_after_retries(
    region_cloud: RunningCloud, receiver: Receiver
) -> None:
    cloud = region_cloud
    cloud.runtime.webhooks.base_s = 0.05  # fast backoff for the test
    # The receiver listens on loopback, which production refuses (tests/security covers that).
    cloud.runtime.settings.webhook_allow_private = True
    cloud.runtime.webhooks.allow_private = True
    secret = "s3cret-for-the-test-only"
    hook = cloud.http.post(
        "/api/v1/webhooks", json={"url": receiver.url, "secret": secret, "regions": ["140703"]}
    )
    assert hook.status_code == 201
    other = cloud.http.post(
        "/api/v1/webhooks", json={"url": receiver.url + "/jx", "regions": ["140781"]}
    )
    assert other.status_code == 201
    assert "secret" not in str(cloud.http.get("/api/v1/webhooks").json())
    positive = env(
        "rapid_test",
        "2026-05-04T10:00:00+08:00",
        {
            "sample": "S-WH",
            "commodity": "黄瓜",
            "method": "colloidal_gold",
            "analyte": "毒死蜱",
            "result": "positive",
        },
        device="rt-01",
    )
    assert post(cloud.http, positive).status_code == 202

    deliveries = f"/api/v1/webhooks/{hook.json()['id']}/deliveries"
    assert wait_for(
        lambda: cloud.http.get(deliveries).json()["items"][0]["status"] == "delivered", 15
    )
    [item] = cloud.http.get(deliveries).json()["items"]
    assert item["attempts"] == 3
    assert len(receiver.calls) == 3  # 500, 500, 204; nothing for the other region's hook
    headers, body = receiver.calls[-1]
    signed = (headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], headers[DELIVERY_HEADER])
    assert verify(secret, body, *signed, now_s=time.time())
    assert not verify("another-secret-entirely", body, *signed, now_s=time.time())
    assert not verify(secret, body, *signed, now_s=time.time() + 3600)  # a replay, an hour on
    assert headers[DELIVERY_HEADER] == str(item["id"])
    alert = json.loads(body)
    assert (alert["rule"], alert["evidence"]) == ("rapid_test_positive", [positive["id"]])
    assert cloud.http.get(f"/api/v1/webhooks/{other.json()['id']}/deliveries").json()["total"] == 0
