"""Runs the demo: embedded broker → cloud (SQLite) → live stream, with simulated devices."""

import json
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from agrisafe.demo.bridge_actor import BridgeActor
from agrisafe.demo.edge_actor import EdgeActor
from agrisafe.demo.records_actor import RecordsActor
from agrisafe.mqtt.broker import free_port

logger = logging.getLogger(__name__)
SITE_FILE = Path(__file__).with_name("site.yaml")


class AlertPrinter:
    """Follows the live alert stream (SSE) and prints every alert as one JSON line on stdout."""

    def __init__(self, base_url: str, token: str, sent_at: dict[str, float]) -> None:
        self.base_url, self.token, self.sent_at = base_url, token, sent_at
        self.alerts: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=None))
        self._thread = threading.Thread(target=self._run, name="alert-printer", daemon=True)

    def start(self) -> None:
        """Connect to the stream."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following (closing the connection unblocks the reader)."""
        self._stop.set()
        self._client.close()
        self._thread.join(2)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.base_url}/api/v1/alerts/stream"
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                event = ""
                for line in resp.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                        if event == "ready":
                            self.ready.set()
                    elif line.startswith("data:") and event == "alert":
                        self._show(json.loads(line[5:].strip()))
        except (httpx.HTTPError, RuntimeError):
            if not self._stop.is_set():
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
    import uvicorn

    from cloud.api import create_app
    from cloud.app import build_runtime
    from cloud.settings import CloudSettings

    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="agrisafe-demo-")
        data_dir = Path(tmp.name)
    http_port = free_port()
    settings = CloudSettings.load(
        data_dir=data_dir,
        mqtt_url="embedded",
        broker_port=free_port(),
        http_port=http_port,
        auto_register=True,
        registry_file=SITE_FILE,
        instance="demo",
    )
    runtime = build_runtime(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime),
            host="127.0.0.1",
            port=http_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=2,
        )
    )
    server_thread = threading.Thread(target=server.run, name="api", daemon=True)
    server_thread.start()
    while not server.started:
        if not server_thread.is_alive():
            logger.error("the API server failed to start")
            return 1
        time.sleep(0.05)
    base = f"http://127.0.0.1:{http_port}"
    print(
        f"Sunshine Agri-Safety demo\n  API:         {base}/docs\n"
        f"  admin token: {runtime.admin_token}\n  MQTT:        {runtime.broker_addr.url()}\n"
        f"  data dir:    {data_dir}",
        file=sys.stderr,
        flush=True,
    )

    sent_at: dict[str, float] = {}
    printer = AlertPrinter(base, runtime.admin_token, sent_at)
    printer.start()
    printer.ready.wait(10)
    tester = BridgeActor(
        data_dir,
        runtime.broker_addr,
        on_sent=lambda mid, _result: sent_at.__setitem__(mid, time.monotonic()),
    )
    tester.start()
    records = RecordsActor(data_dir, runtime.broker_addr, base_url=base, token=runtime.admin_token)
    records.start()
    camera = EdgeActor(data_dir, runtime.broker_addr, base_url=base, token=runtime.admin_token)
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
        server.should_exit = True
        server_thread.join(10)
        if tmp is not None:
            tmp.cleanup()
    print(f"demo finished: {len(printer.alerts)} alert(s) on the live stream", file=sys.stderr)
    return 0
