"""The gateway's config refuses what could only be a typo or a forgery."""

import math

import pytest
from pydantic import ValidationError

from gateway.config import GatewayConfig


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_an_infinite_or_nan_telemetry_period_is_refused(value: float) -> None:
    # `.inf` passes gt=0: the gateway would never report its own health
    with pytest.raises(ValidationError, match="telemetry_interval_s"):
        GatewayConfig(site="S", local_mqtt_url="mqtt://127.0.0.1:1883", telemetry_interval_s=value)
    ok = GatewayConfig(site="S", local_mqtt_url="mqtt://127.0.0.1:1883", telemetry_interval_s=5)
    assert ok.telemetry_interval_s == 5


def test_a_message_must_fit_the_outbox() -> None:
    # One message bigger than the whole outbox would wait for room forever, blocking the relay.
    with pytest.raises(ValidationError, match="max_message_bytes"):
        GatewayConfig(
            site="S", local_mqtt_url="mqtt://127.0.0.1:1883", outbox_max_mb=1,
            max_message_bytes=1 << 20,
        )  # fmt: skip
    ok = GatewayConfig(site="S", local_mqtt_url="mqtt://127.0.0.1:1883", outbox_max_mb=1)
    assert ok.max_message_bytes < ok.outbox_max_mb << 20
