"""Consultation cases over the real API: scope like every other route, the status machine,
the reference check that flags a banned product or a PHI beyond the planned harvest before the
reply is sent, webhooks and the live stream; and playable copies of older mp4v clips."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from httpx_sse import connect_sse
from sqlalchemy import select

from cloud.store import compliance_tables as ct
from testkit.cloud import RunningCloud
from testkit.compliance import TokenFactory
from testkit.net import wait_for

pytest_plugins = ["testkit.compliance_api"]
pytestmark = pytest.mark.integration

SITE, PRODUCER, REGION = "SX-TG-001", "93140703MA0SCEN01X", "140703"


def _open(producer: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"site": SITE, "crop": "黄瓜", "plot": "P1", "symptoms": "叶片黄斑, 有白色小虫"}
    r = producer.post("/api/v1/consultations", json=body | extra)
    assert r.status_code == 201, r.text
    case: dict[str, Any] = r.json()
    return case


def test_a_case_goes_open_answered_closed_within_its_region(
    region_cloud: RunningCloud, client_for: TokenFactory, database_url: str
) -> None:
    producer = client_for(role="producer", producer=PRODUCER)
    expert = client_for(role="expert", regions=[REGION])
    regulator = client_for(role="regulator", regions=[REGION])
    elsewhere = client_for(role="regulator", regions=["110101"])
    far_expert = client_for(role="expert", regions=["110101"])
    case = _open(producer)
    assert (case["status"], case["region"], case["opened_by"]) == ("open", REGION, "t")
    url = f"/api/v1/consultations/{case['id']}"

    assert [c["id"] for c in regulator.get("/api/v1/consultations").json()["items"]] == [case["id"]]
    assert elsewhere.get("/api/v1/consultations").json() == {"total": 0, "items": []}
    assert elsewhere.get(url).status_code == 404
    assert far_expert.post(f"{url}/messages", json={"body": "?"}).status_code == 404
    assert (
        expert.post(
            "/api/v1/consultations", json={"site": SITE, "crop": "黄瓜", "symptoms": "x"}
        ).status_code
        == 403
    )
    diagnosis = {"problem": "白粉虱", "product": "啶虫脒", "dose": "3000 倍液"}
    assert producer.post(f"{url}/messages", json={"diagnosis": diagnosis}).status_code == 422

    sent = expert.post(f"{url}/messages", json={"body": "白粉虱", "diagnosis": diagnosis})
    assert sent.status_code == 201, sent.text
    assert sent.json()["diagnosis"]["lookup"]["phi_days"] == 2
    assert sent.json()["flags"] == []
    assert producer.get(url).json()["status"] == "answered"
    assert producer.post(f"{url}/messages", json={"body": "谢谢"}).status_code == 201
    assert producer.get(url).json()["status"] == "answered"
    closed = producer.post(f"{url}/close", json={"reason": "已用药, 好转"})
    assert closed.json()["status"] == "closed"
    assert expert.post(f"{url}/messages", json={"body": "再看看"}).status_code == 409
    thread = regulator.get(url).json()["messages"]
    assert [(m["role"], m["body"]) for m in thread] == [("expert", "白粉虱"), ("producer", "谢谢")]
    audit = region_cloud.http.get("/api/v1/audit", params={"limit": 1000}).json()["items"]
    actions = {a["action"] for a in audit if a["target"] == case["id"]}
    assert actions == {"consultation.open", "consultation.reply", "consultation.close"}


def test_a_banned_product_or_a_phi_past_the_harvest_is_flagged_before_sending(
    client_for: TokenFactory,
) -> None:
    producer = client_for(role="producer", producer=PRODUCER)
    expert = client_for(role="expert", regions=[REGION])
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    case = _open(producer, harvest_ms=int(tomorrow.timestamp() * 1000))
    url = f"/api/v1/consultations/{case['id']}"

    banned = {"problem": "蚜虫", "product": "甲拌磷"}
    checked = expert.post(f"{url}/check", json=banned).json()
    assert "banned" in {f["code"] for f in checked["flags"]}
    refused = expert.post(f"{url}/messages", json={"body": "用这个", "diagnosis": banned})
    assert refused.status_code == 409
    assert "banned" in {f["code"] for f in refused.json()["flags"]}
    assert expert.get(url).json()["messages"] == []  # nothing was sent

    # 啶虫脒 on 黄瓜 has a 2-day PHI; the harvest is tomorrow.
    early = {"problem": "白粉虱", "product": "啶虫脒"}
    refused = expert.post(f"{url}/messages", json={"body": "b", "diagnosis": early})
    assert refused.status_code == 409
    assert [f["code"] for f in refused.json()["flags"]] == ["phi"]
    confirmed = expert.post(
        f"{url}/messages", json={"body": "推迟采收 2 天", "diagnosis": early, "confirm_flags": True}
    )
    assert confirmed.status_code == 201
    assert [f["code"] for f in confirmed.json()["flags"]] == ["phi"]  # kept on the message


def test_herd_cases_check_the_withdrawal(client_for: TokenFactory) -> None:
    producer = client_for(role="producer", producer=PRODUCER)
    expert = client_for(role="expert", regions=[REGION])
    assert (
        producer.post(
            "/api/v1/consultations", json={"site": SITE, "herd": "H1", "symptoms": "咳嗽"}
        ).status_code
        == 422
    )  # a herd case names the species
    case = _open(producer, crop=None, plot=None, herd="H1", species="pig")
    checked = expert.post(
        f"/api/v1/consultations/{case['id']}/check",
        json={"problem": "猪肺疫", "product": "不存在的药"},
    ).json()
    assert [f["code"] for f in checked["flags"]] == ["withdrawal_unknown"]


def test_news_of_a_case_goes_to_webhooks_and_the_live_stream(
    region_cloud: RunningCloud, client_for: TokenFactory
) -> None:
    producer = client_for(role="producer", producer=PRODUCER)
    expert = client_for(role="expert", regions=[REGION])
    # Receivers on loopback (nothing listens: deliveries stay queued, which is what is checked).
    region_cloud.runtime.settings.webhook_allow_private = True
    region_cloud.runtime.webhooks.allow_private = True
    mine = region_cloud.http.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "regions": [REGION]}
    ).json()["id"]
    alerts_only = region_cloud.http.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/a", "rules": ["phi_violation"]}
    ).json()["id"]
    events: list[dict[str, Any]] = []
    ready = threading.Event()

    def read() -> None:
        with (
            httpx.Client(base_url=region_cloud.base_url, timeout=30) as http,
            connect_sse(
                http,
                "GET",
                f"/api/v1/consultations/stream?token={producer.token}",  # type: ignore[attr-defined]
            ) as source,
        ):
            for sse in source.iter_sse():
                if sse.event == "ready":
                    ready.set()
                elif sse.event == "consultation":
                    events.append(sse.json())
                    if sse.json()["status"] == "answered":
                        return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(10)
    case = _open(producer)
    expert.post(f"/api/v1/consultations/{case['id']}/messages", json={"body": "看看叶背"})
    expert.post(
        f"/api/v1/consultations/{case['id']}/messages",
        json={"body": "", "diagnosis": {"problem": "霜霉病"}},
    )
    reader.join(15)
    assert [e["id"] for e in events][-1] == case["id"]
    assert events[-1]["status"] == "answered"

    def payloads(hook: str) -> list[str]:
        with region_cloud.runtime.engine.connect() as conn:
            rows = conn.execute(
                select(ct.webhook_deliveries.c.payload).where(
                    ct.webhook_deliveries.c.webhook_id == hook
                )
            )
            return [r[0] for r in rows]

    assert wait_for(lambda: len(payloads(mine)) == 3, 5)
    assert sorted(p.split('"event":"')[1].split('"')[0] for p in payloads(mine)) == [
        "consultation.answered",
        "consultation.opened",
        "consultation.reply",
    ]
    assert payloads(alerts_only) == []  # a hook filtered by alert rule gets no consultations


def _mp4v(path: Path) -> bytes:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (96, 64))
    for i in range(20):
        writer.write(np.full((64, 96, 3), i * 10, np.uint8))
    writer.release()
    return path.read_bytes()


def test_an_old_mp4v_clip_gets_a_playable_copy_its_original_hash_kept(
    client_for: TokenFactory, tmp_path: Path
) -> None:
    producer = client_for(role="producer", producer=PRODUCER)
    elsewhere = client_for(role="regulator", regions=["110101"])
    headers = {"X-Agrisafe-Site": SITE}
    clip = producer.post("/api/v1/evidence", content=_mp4v(tmp_path / "a.mp4"), headers=headers)
    assert clip.json()["media"] == "video/mp4"
    sha = clip.json()["sha256"]
    first = producer.get(f"/api/v1/evidence/{sha}/playable")
    assert first.status_code == 200
    assert first.headers["content-type"] == "video/webm"
    assert first.headers["x-original-sha256"] == sha
    assert first.content[:4] == b"\x1a\x45\xdf\xa3"
    frames = cv2.VideoCapture(_write(tmp_path / "b.webm", first.content))
    assert frames.read()[0]
    assert producer.get(f"/api/v1/evidence/{sha}/playable").content == first.content  # cached
    assert producer.get(f"/api/v1/evidence/{sha}").content[4:8] == b"ftyp"  # original intact
    assert elsewhere.get(f"/api/v1/evidence/{sha}/playable").status_code == 404
    ok, jpeg = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    assert ok
    photo = producer.post("/api/v1/evidence", content=jpeg.tobytes(), headers=headers).json()
    assert producer.get(f"/api/v1/evidence/{photo['sha256']}/playable").status_code == 415


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)
