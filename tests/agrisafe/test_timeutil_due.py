"""`due`: every N seconds by frame time; a clock stepped back is due at once."""

from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt

from agrisafe.protocol.topics import ACK_FILTER, ack_topic, message_topic
from agrisafe.timeutil import due

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_due_after_the_interval_and_at_once_after_a_step_back() -> None:
    assert due(None, T0, 1.0)  # never looked
    assert not due(T0, T0, 1.0)
    assert not due(T0, T0 + timedelta(seconds=0.99), 1.0)
    assert due(T0, T0 + timedelta(seconds=1), 1.0)
    assert due(T0, T0 - timedelta(hours=1), 1.0)  # NTP stepped the clock back
    assert due(T0, T0, 0.0)


def test_the_ack_filter_matches_every_ack_topic_and_nothing_else() -> None:
    assert mqtt.topic_matches_sub(ACK_FILTER, ack_topic("SX-TG-001", "cam-01"))
    assert not mqtt.topic_matches_sub(ACK_FILTER, message_topic("SX-TG-001", "cam-01", "status"))
