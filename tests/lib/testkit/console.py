"""The console's browser tests: a real `agrisafe cloud serve` with the demo site, tokens of
each role, evidence clips, and headless Debian Chromium driven by Playwright."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import httpx
import numpy as np

from agrisafe.ids import new_id
from agrisafe.protocol import Kind
from agrisafe.timeutil import format_rfc3339
from edge.clips import ClipRecorder
from testkit.cloud import TEST_BOOTSTRAP_TOKEN, bearer_client, mint_token
from testkit.messages import encode, message, topic_of
from testkit.net import wait_for
from testkit.procs import CloudProcess, cloud_env
from testkit.publisher import publish_paho

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
SITE = "SX-TG-001"
REGION = "140703"
PRODUCER = "93140703MA0DEMO01X"
SITE_FILE = Path(__file__).resolve().parents[3] / "demo" / "agrisafe_demo" / "site.yaml"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return "Debian chromium is not installed (apt-get install chromium; .ci/services does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class Tokens:
    """One token per role the console is tested with."""

    admin: str
    regulator: str
    other_regulator: str
    producer: str
    expert: str
    camera: str
    extra: dict[str, Any] = field(default_factory=dict)


def mint_all(base: str) -> Tokens:
    """Tokens of each role, minted over HTTP by the bootstrap token."""
    admin = mint_token(base, TEST_BOOTSTRAP_TOKEN)
    return Tokens(
        admin=admin,
        regulator=mint_token(base, admin, name="太谷区监管员", role="regulator", regions=[REGION]),
        other_regulator=mint_token(
            base, admin, name="东城区监管员", role="regulator", regions=["110101"]
        ),
        producer=mint_token(base, admin, name="张三", role="producer", producer=PRODUCER),
        expert=mint_token(base, admin, name="李专家", role="expert", regions=[REGION]),
        camera=mint_token(base, admin, name="cam-01", role="device", sites=[SITE], device="cam-01"),
    )


def _frames(n: int) -> list[np.ndarray]:
    out = []
    for i in range(n):
        img = np.full((120, 160, 3), 40, np.uint8)
        cv2.rectangle(img, (5 + i * 4, 30), (35 + i * 4, 90), (40, 160, 220), -1)
        cv2.putText(img, f"{i:02d}", (60, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255))
        out.append(img)
    return out


def webm_clip(tmp: Path) -> Path:
    """A clip as the edge records it now (VP8/WebM, through the edge's own recorder)."""
    clips = ClipRecorder(fps=10, pre_roll_s=0.5, max_clip_s=3.0, width=160)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    frames = _frames(30)
    for i, img in enumerate(frames[:5]):
        clips.push(t0 + timedelta(seconds=i / 10), img)
    clips.begin("k", t0 + timedelta(seconds=0.4), tmp)
    for i, img in enumerate(frames[5:], start=5):
        clips.push(t0 + timedelta(seconds=i / 10), img)
    path = clips.finish("k")
    assert path is not None
    return path


def mp4v_clip(tmp: Path) -> Path:
    """A clip as older edge nodes recorded it (mp4v, which browsers do not play)."""
    path = tmp / "old.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (160, 120))
    for img in _frames(30):
        writer.write(img)
    writer.release()
    return path


def snapshot(tmp: Path) -> bytes:
    """A JPEG snapshot."""
    ok, buf = cv2.imencode(".jpg", _frames(1)[0])
    assert ok
    return bytes(buf.tobytes())


def upload(base: str, token: str, data: bytes, site: str = SITE) -> dict[str, Any]:
    """POST /api/v1/evidence; the stored item."""
    r = httpx.post(
        f"{base}/api/v1/evidence",
        content=data,
        headers={"Authorization": f"Bearer {token}", "X-Agrisafe-Site": site},
        timeout=30,
    )
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


def publish(broker_url: str, envs: list[dict[str, Any]]) -> None:
    """Publish envelopes through the real broker (QoS 1)."""
    sent = publish_paho(broker_url, [(topic_of(e), encode(e)) for e in envs], 100.0, 20.0)
    assert sent == len(envs)


def rapid_test_positive(sample: str) -> dict[str, Any]:
    """A positive rapid test of the demo site, now."""
    env = message(Kind.RAPID_TEST, device="rt-01", sample=sample)
    env["ts"] = format_rfc3339(datetime.now(UTC))
    return env


def spraying(evidence: list[dict[str, Any]], days_ago: float = 3.0) -> list[dict[str, Any]]:
    """A camera-seen spraying on P1 (start and end) with its evidence and no input record:
    the grace window is long past, so the rule clock raises unrecorded_spraying at once."""
    track = f"cam-01-{new_id()[-6:]}"
    start = datetime.now(UTC) - timedelta(days=days_ago)
    out = []
    for state, when, refs in (
        ("start", start, evidence[:1]),
        ("end", start + timedelta(minutes=4), evidence),
    ):
        env = message(Kind.ACTIVITY, device="cam-01", state=state, track=track, evidence=refs)
        env["ts"] = format_rfc3339(when)
        out.append(env)
    return out


@dataclass
class Console:
    """The served cloud, its tokens, and what the setup published."""

    base: str
    tokens: Tokens
    spray_alert: dict[str, Any]
    clips: list[str]  # the two clips' sha256 (WebM, then the old mp4v)

    def api(self, token: str) -> httpx.Client:
        """An HTTP client with this token."""
        return bearer_client(self.base, token)


def login(browser: "Browser", console: Console, token: str, **ctx: Any) -> "Page":
    """A new browser context logged into the console with TOKEN, its live stream connected."""
    page = browser.new_context(**ctx).new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{console.base}/console/")
    page.fill("#token", token)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#live.on")
    return page


def page_value(page: "Page", script: str, arg: Any = None, timeout_s: float = 20.0) -> Any:
    """Poll SCRIPT (a JS function of ARG) in the page until it returns something truthy.

    Playwright's own wait_for_function builds its predicate with eval in the page, which the
    console's Content-Security-Policy refuses; page.evaluate goes through the debugger
    protocol, which the policy does not govern."""
    got: list[Any] = [None]

    def ready() -> bool:
        got[0] = page.evaluate(script, arg)
        return bool(got[0])

    assert wait_for(ready, timeout_s, 0.1), f"{script} stayed falsy for {timeout_s} s"
    return got[0]


def open_alert(http: httpx.Client, rule: str, needle: str) -> dict[str, Any] | None:
    """The alert of RULE whose subject or evidence names NEEDLE (None: not raised yet)."""
    for a in http.get("/api/v1/alerts", params={"rule": rule, "limit": 1000}).json()["items"]:
        if needle in a["subject"] or needle in a["evidence"]:
            found: dict[str, Any] = a
            return found
    return None


@contextmanager
def served_console(tmp: Path, mqtt_url: str) -> Iterator[Console]:
    """`agrisafe cloud serve` with the demo registry, tokens, evidence and one spraying alert."""
    env = cloud_env(tmp, mqtt_url, registry_file=str(SITE_FILE), timer_tick_s="0.5")
    serve = CloudProcess(["serve"], env, tmp / "serve.log").start_http()
    try:
        serve.wait_log("subscribed to", timeout_s=60)
        base = serve.base
        tokens = mint_all(base)
        refs = []
        for data, media in (
            (snapshot(tmp), "image/jpeg"),
            (webm_clip(tmp).read_bytes(), "video/webm"),
            (mp4v_clip(tmp).read_bytes(), "video/mp4"),
        ):
            stored = upload(base, tokens.camera, data)
            assert stored["media"] == media
            refs.append({"sha256": stored["sha256"], "media": media, "uri": stored["uri"]})
        envs = spraying(refs)
        publish(mqtt_url, envs)
        end_id = envs[1]["id"]
        with bearer_client(base, tokens.admin) as admin:
            assert wait_for(lambda: open_alert(admin, "unrecorded_spraying", end_id), 30)
            alert = open_alert(admin, "unrecorded_spraying", end_id)
        assert alert is not None
        yield Console(base, tokens, alert, [r["sha256"] for r in refs[1:]])
    finally:
        serve.stop()
