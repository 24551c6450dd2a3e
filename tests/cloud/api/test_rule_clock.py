"""The running cloud's rule clock fires unrecorded_spraying when the wall clock passes the grace
window, and the alert reaches the live stream; a timely record prevents it."""

from pathlib import Path

import orjson
import pytest

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.timeutil import format_rfc3339, utc_now
from testkit.cloud import SseReader, cloud_settings, running_cloud
from testkit.compliance import SCENARIO_REGISTRY, env, spray
from testkit.net import wait_for

MODEL = {"name": "agri-activity", "version": "1.0.0"}
GEO = {"lat": 37.43, "lon": 112.56, "fix": "fixed"}


def activity(state: str, track: str, plot: str) -> dict[str, object]:
    body = {
        "activity": "spraying",
        "state": state,
        "plot": plot,
        "confidence": 0.9,
        "track": track,
        "model": MODEL,
    }
    return env("activity", format_rfc3339(utc_now()), body, device="cam-01", geo=GEO)


@pytest.mark.integration
def test_the_rule_clock_fires_a_due_timer(embedded_broker: EmbeddedBroker, tmp_path: Path) -> None:
    settings = cloud_settings(
        tmp_path,
        f"mqtt://127.0.0.1:{embedded_broker.port}",
        registry_file=SCENARIO_REGISTRY,
        shared_subscription=False,
        spraying_grace_h=1 / 3600,  # one second
        timer_tick_s=0.2,
    )
    with running_cloud(settings) as cloud:
        reader = SseReader(cloud.base_url, cloud.admin_token)
        unrecorded = [activity("start", "T1", "P2"), activity("end", "T1", "P2")]
        recorded = [activity("start", "T2", "P4"), activity("end", "T2", "P4")]
        record = env("input_use", format_rfc3339(utc_now()), spray("P4", "白菜", ["百菌清"]))
        for msg in (*unrecorded, *recorded, record):
            r = cloud.http.post("/api/v1/messages", content=orjson.dumps(msg))
            assert r.status_code == 202, r.text
        assert wait_for(lambda: len(reader.alerts) >= 1, 10)
        # Let the clock run several more ticks: a timer firing twice would show up by then.
        ticker = cloud.runtime.ticker
        after = ticker.ticks
        assert wait_for(lambda: ticker.ticks >= after + 5, 10)
        reader.close()
        [alert] = reader.alerts
        assert (alert["rule"], alert["subject"], alert["cause"]) == (
            "unrecorded_spraying",
            "plot:P2",
            unrecorded[1]["id"],
        )
        assert cloud.runtime.ticker.fired == 1
