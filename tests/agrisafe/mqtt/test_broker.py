"""The embedded broker stops without leaving amqtt's tasks to the garbage collector."""

import asyncio
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from agrisafe.mqtt import broker as broker_module
from agrisafe.mqtt.broker import EmbeddedBroker, PortTakenError
from testkit.net import held_port


def test_stopping_with_deliveries_in_flight_closes_the_loop_with_nothing_pending() -> None:
    broker = EmbeddedBroker("127.0.0.1", 0)
    broker.start()
    clients = []
    try:
        for k in range(3):
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"stop-{k}")
            c.connect("127.0.0.1", broker.port)
            c.loop_start()
            c.subscribe("load/#", 1)
            clients.append(c)
        time.sleep(0.3)
        for _ in range(200):  # QoS 1 deliveries still waiting for PUBACKs when the broker stops
            clients[0].publish("load/x", b"1", qos=1)
        loop = broker._loop
        assert loop is not None
        broker.stop()
        # before: the loop was left open with amqtt's handlers and broadcast loop pending, and
        # the garbage collector later printed "no running event loop" tracebacks into CI logs
        assert broker.closed
        assert [t for t in asyncio.all_tasks(loop) if not t.done()] == []
    finally:
        for c in clients:
            c.loop_stop()


def test_a_picked_port_taken_before_the_broker_binds_it_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with held_port() as taken:
        picks = iter([taken])
        real_free_port = broker_module.free_port
        monkeypatch.setattr(
            broker_module, "free_port", lambda host: next(picks, None) or real_free_port(host)
        )
        broker = EmbeddedBroker("127.0.0.1", 0)
        assert broker.port == taken  # what another process grabbed in the meantime
        broker.start()
        try:
            assert broker.port != taken
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="after-retry")
            assert c.connect("127.0.0.1", broker.port) == mqtt.MQTT_ERR_SUCCESS
            c.disconnect()
        finally:
            broker.stop()


def test_a_port_the_caller_chose_is_never_swapped() -> None:
    with held_port() as taken:
        broker = EmbeddedBroker("127.0.0.1", taken)
        with pytest.raises(PortTakenError, match="already run there"):
            broker.start()
        assert broker.port == taken
