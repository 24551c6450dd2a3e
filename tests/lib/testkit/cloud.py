"""Running the real cloud in a test: built from settings, served by uvicorn on a free port."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import connect_sse

from agrisafe.ids import new_id
from cloud.api import create_app
from cloud.app import build_runtime
from cloud.runtime import CloudRuntime
from cloud.server import bound_port, listen, serve_in_thread
from cloud.settings import CloudSettings

# The bootstrap token of test clouds: ≥ 32 characters and no published placeholder.
TEST_BOOTSTRAP_TOKEN = "test-bootstrap-7Qm2vX9kR4tL8wZp3nB6yH1cF5dJ0sAe"


@dataclass
class RunningCloud:
    """A started cloud and an HTTP client authenticated as admin (a token the bootstrap token
    minted: the bootstrap token itself only mints tokens)."""

    runtime: CloudRuntime
    base_url: str
    http: httpx.Client
    admin_token: str


def mint_token(base_url: str, bootstrap: str, **scope: Any) -> str:
    """A new token (default: an admin) minted over HTTP with the bootstrap or an admin token."""
    body = {"name": "test-admin", "role": "admin"} | scope
    r = httpx.post(
        f"{base_url}/api/v1/tokens",
        json=body,
        headers={"Authorization": f"Bearer {bootstrap}"},
        timeout=10,
    )
    r.raise_for_status()
    token: str = r.json()["token"]
    return token


def bearer_client(base_url: str, token: str) -> httpx.Client:
    """An HTTP client on the API that sends TOKEN with every request."""
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def cloud_settings(tmp: Path, mqtt_url: str, **overrides: Any) -> CloudSettings:
    """Settings isolated for one test: own data dir, DB, client ids and ingest group."""
    tag = new_id()[-12:]
    defaults: dict[str, Any] = {
        "data_dir": tmp,
        "mqtt_url": mqtt_url,
        "instance": f"test-{tag}",
        "ingest_group": f"test-{tag}",
        "admin_token": TEST_BOOTSTRAP_TOKEN,
    }
    return CloudSettings.load(**(defaults | overrides))


@contextmanager
def cloud_runtime(settings: CloudSettings) -> Iterator[CloudRuntime]:
    """A started cloud runtime (ingest, rules, alerts; no HTTP API), stopped at the end."""
    runtime = build_runtime(settings)
    runtime.start()
    try:
        yield runtime
    finally:
        runtime.stop()


@contextmanager
def running_cloud(settings: CloudSettings) -> Iterator[RunningCloud]:
    """Build, serve and finally stop a cloud."""
    runtime = build_runtime(settings)
    sock = listen("127.0.0.1")
    base = f"http://127.0.0.1:{bound_port(sock)}"
    with serve_in_thread(create_app(runtime), runtime.hub, sock):
        admin = mint_token(base, runtime.admin_token)
        with bearer_client(base, admin) as http:
            yield RunningCloud(runtime, base, http, admin)


class SseReader:
    """Reads `event: alert` items from the live stream in a background thread."""

    def __init__(self, base_url: str, token: str) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(5, read=None))
        self._url = f"{base_url}/api/v1/alerts/stream"
        self._token = token
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("alert stream did not open")

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            with connect_sse(self._client, "GET", self._url, headers=headers) as source:
                for sse in source.iter_sse():
                    if sse.event == "ready":
                        self.ready.set()
                    elif sse.event == "alert":
                        self.alerts.append(sse.json())
        except (httpx.HTTPError, RuntimeError):
            return

    def close(self) -> None:
        """Stop reading."""
        self._client.close()
