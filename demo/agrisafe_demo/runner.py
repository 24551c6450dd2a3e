"""Runs the demo: embedded broker → cloud (SQLite) → live stream, with simulated devices."""

import json
import logging
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import connect_sse

from agrisafe.worker import BackgroundWorker
from agrisafe_demo.bridge_actor import BridgeActor
from agrisafe_demo.edge_actor import EdgeActor
from agrisafe_demo.records_actor import RecordsActor
from cloud.admin.tokens import mint_local
from cloud.api import create_app
from cloud.app import build_runtime
from cloud.runtime import CloudRuntime
from cloud.server import ServerStartError, bound_port, listen, serve_in_thread
from cloud.settings import CloudSettings

logger = logging.getLogger(__name__)
SITE_FILE = Path(__file__).with_name("site.yaml")
DEMO_SPRAYING_GRACE_H = 0.005  # 18 s


class AlertPrinter(BackgroundWorker):
    """Follows the live alert stream (SSE) and prints every alert as one JSON line on stdout."""

    def __init__(self, base_url: str, token: str, sent_at: dict[str, float]) -> None:
        super().__init__("alert-printer", join_timeout_s=2.0)
        self.base_url, self.token, self.sent_at = base_url, token, sent_at
        self.alerts: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=None))

    def stop(self, timeout_s: float | None = None) -> bool:
        """Stop following (closing the connection unblocks the reader)."""
        self.request_stop()
        self._client.close()
        return super().stop(timeout_s)

    def run(self) -> None:
        """Follow the stream until stopped."""
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.base_url}/api/v1/alerts/stream"
        try:
            with connect_sse(self._client, "GET", url, headers=headers) as source:
                for sse in source.iter_sse():
                    if sse.event == "ready":
                        self.ready.set()
                    elif sse.event == "alert":
                        self._show(sse.json())
        except (httpx.HTTPError, RuntimeError):
            if not self.stopping:
                logger.exception("alert stream broke")

    def _show(self, alert: dict[str, Any]) -> None:
        self.alerts.append(alert)
        sys.stdout.write(json.dumps(alert, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        sent = [self.sent_at[e] for e in alert.get("evidence", []) if e in self.sent_at]
        if sent:
            logger.info(
                "alert %s reached the live stream %.0f ms after the device sent it",
                alert["rule"],
                (time.monotonic() - min(sent)) * 1000,
            )


def run_demo(duration_s: float | None, data_dir: Path | None = None) -> int:
    """Run everything until `duration_s` passes (None: until Ctrl-C); return an exit code."""
    scratch = (
        tempfile.TemporaryDirectory(prefix="agrisafe-demo-")
        if data_dir is None
        else nullcontext(str(data_dir))
    )
    with scratch as where:
        try:
            alerts, crashed = _serve(Path(where), duration_s)
        except ServerStartError as err:
            logger.error("%s", err)
            return 1
    print(f"demo finished: {alerts} alert(s) on the live stream", file=sys.stderr)
    if crashed:
        # the alerts of the devices still running came through, but a part of the product died
        logger.error("demo failed: %s crashed (traceback above)", ", ".join(crashed))
        return 1
    return 0


def _serve(root: Path, duration_s: float | None) -> tuple[int, list[str]]:
    """Build the cloud on ROOT, serve its API, run the actors; ServerStartError if it cannot
    listen."""
    api_socket = listen("127.0.0.1")
    http_port = bound_port(api_socket)
    settings = CloudSettings.load(
        data_dir=root,
        mqtt_url="embedded",
        broker_port=0,  # the embedded broker picks a free port and tells the runtime
        http_port=http_port,
        auto_register=True,
        registry_file=SITE_FILE,
        instance="demo",
        # A short grace window, so the camera's unrecorded spraying (with its clip) shows
        # in the console within a minute instead of a day.
        spraying_grace_h=DEMO_SPRAYING_GRACE_H,
        timer_tick_s=1.0,
    )
    runtime = build_runtime(settings)
    with serve_in_thread(create_app(runtime), runtime.hub, api_socket):
        return _run_actors(runtime, f"http://127.0.0.1:{http_port}", root, duration_s)


def _run_actors(
    runtime: CloudRuntime, base: str, data_dir: Path, duration_s: float | None
) -> tuple[int, list[str]]:
    """Start the devices and the alert printer, wait, stop them; return the alerts seen and
    the names of the devices that crashed."""
    # The bootstrap token only mints tokens: the demo mints an admin and the camera's own token.
    admin = mint_local(runtime.engine, {"name": "demo-admin", "role": "admin"})
    camera_token = mint_local(
        runtime.engine,
        {"name": "cam-01", "role": "device", "sites": ["SX-TG-001"], "device": "cam-01"},
    )
    regulator = mint_local(
        runtime.engine, {"name": "太谷区监管员", "role": "regulator", "regions": ["140703"]}
    )
    print(
        f"Sunshine Agri-Safety demo\n  API:         {base}/docs\n"
        f"  console:     {base}/console/  (log in with the regulator token)\n"
        f"  regulator token: {regulator}\n"
        f"  admin token: {admin}\n  MQTT:        {runtime.broker_addr.url()}\n"
        f"  data dir:    {data_dir}",
        file=sys.stderr,
        flush=True,
    )
    sent_at: dict[str, float] = {}
    printer = AlertPrinter(base, admin, sent_at)
    printer.start()
    printer.ready.wait(10)
    tester = BridgeActor(
        data_dir,
        runtime.broker_addr,
        on_sent=lambda mid, _result: sent_at.__setitem__(mid, time.monotonic()),
    )
    tester.start()
    records = RecordsActor(data_dir, runtime.broker_addr, base_url=base, token=admin)
    records.start()
    camera = EdgeActor(data_dir, runtime.broker_addr, base_url=base, token=camera_token)
    camera.start()
    try:
        deadline = None if duration_s is None else time.monotonic() + duration_s
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("stopping …", file=sys.stderr)
    finally:
        camera.stop()
        records.stop()
        tester.stop()
        runtime.hub.close_streams()
        printer.stop()
    crashed = [w.name for w in (camera, records, tester, printer) if w.crashed]
    return len(printer.alerts), crashed
