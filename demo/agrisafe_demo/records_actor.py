"""A farmer's record-keeping app in the demo: sprays, harvests and certificate requests.

It shows the compliance core at work: a cucumber lot harvested the day after a spray with a
2-day pre-harvest interval raises `phi_violation` and its certificate is refused
(`certificate_refused`); a tomato lot harvested well after its spray gets a certificate, whose
public trace page is printed on stderr. Messages go through the real outbox and MQTT.
"""

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from agrisafe.ids import new_id
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import OutboxPump, SqliteOutbox
from agrisafe.protocol import Kind
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import format_rfc3339, utc_now
from agrisafe.worker import BackgroundWorker

logger = logging.getLogger(__name__)


def _spray(plot: str, crop: str, name: str, ingredient: str, formulation: str) -> dict[str, Any]:
    product = {"name": name, "active_ingredients": [ingredient], "formulation": formulation}
    return {"plot": plot, "crop": crop, "product": product, "operator": "张三"}


def demo_records(now: datetime) -> list[tuple[Kind, datetime, dict[str, Any]]]:
    """(kind, event time, body) of the demo's records, in sending order."""
    day = now.strftime("%Y%m%d")
    bad, good = f"DEMO-P1-{day}", f"DEMO-P2-{day}"
    return [
        # 阿维菌素 1.8% EC on 黄瓜: 2-day PHI; harvesting the next day is illegal.
        (
            Kind.INPUT_USE,
            now - timedelta(days=1),
            _spray("P1", "黄瓜", "阿维菌素乳油", "阿维菌素", "1.8% EC"),
        ),
        (Kind.HARVEST, now, {"plot": "P1", "crop": "黄瓜", "lot": bad, "qty_kg": 300.0}),
        (
            Kind.CERTIFICATE_REQUEST,
            now,
            {"lot": bad, "commodity": "黄瓜", "qty_kg": 300.0, "basis": ["control"]},
        ),
        # 联苯菊酯 10% EC on 番茄: 4-day PHI; ten days later the lot is clean.
        (
            Kind.INPUT_USE,
            now - timedelta(days=10),
            _spray("P2", "番茄", "联苯菊酯乳油", "联苯菊酯", "10% EC"),
        ),
        (Kind.HARVEST, now, {"plot": "P2", "crop": "番茄", "lot": good, "qty_kg": 600.0}),
        (
            Kind.CERTIFICATE_REQUEST,
            now,
            {"lot": good, "commodity": "番茄", "qty_kg": 600.0, "basis": ["control", "self_test"]},
        ),
    ]


class RecordsActor(BackgroundWorker):
    """Publishes the demo records one per `interval_s`, then reports the certificates."""

    def __init__(
        self,
        data_dir: Path,
        addr: BrokerAddress,
        *,
        base_url: str,
        token: str,
        site: str = "SX-TG-001",
        device: str = "app-zhang",
        interval_s: float = 0.5,
    ) -> None:
        super().__init__(device)
        self.site, self.device, self.interval_s = site, device, interval_s
        self.base_url, self.token = base_url, token
        self.outbox = SqliteOutbox(data_dir / f"{device}-outbox.db")
        self.pump = OutboxPump(self.outbox, addr, client_id=f"demo-{device}")
        self.requests: list[str] = []

    def start(self) -> None:
        """Start publishing."""
        self.pump.start()
        super().start()

    def on_stop(self) -> None:
        """Flush the outbox briefly."""
        self.pump.stop(drain_timeout_s=2.0)
        self.outbox.close()

    def run(self) -> None:
        """Publish the demo records one by one, then report the certificates."""
        now = utc_now().astimezone()
        for kind, ts, body in demo_records(now):
            if self.sleep(self.interval_s):
                return
            env = {
                "v": 1,
                "id": new_id(),
                "kind": kind.value,
                "site": self.site,
                "device": self.device,
                "ts": format_rfc3339(ts),
                "body": body,
            }
            self.outbox.put(message_topic(self.site, self.device, kind), orjson.dumps(env))
            self.pump.wake()
            logger.info("farmer app: %s %s", kind.value, body.get("lot") or body.get("plot"))
            if kind is Kind.CERTIFICATE_REQUEST:
                self.requests.append(str(env["id"]))
        self._report()

    def _report(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=5) as http:
            for request_id in self.requests:
                for _ in range(50):
                    items = http.get("/api/v1/certificates", params={"request_id": request_id})
                    found = items.json()["items"] if items.status_code == 200 else []
                    if found or self.sleep(0.2):
                        break
                for cert in found:
                    if cert["status"] == "issued":
                        logger.info(
                            "certificate issued for %s: %s/t/%s",
                            cert["lot"],
                            self.base_url,
                            cert["id"],
                        )
                    else:
                        reasons = ", ".join(r["reason"] for r in cert["reasons"])
                        logger.info("certificate refused for %s: %s", cert["lot"], reasons)
