"""The embedded broker stops without leaving amqtt's tasks to the garbage collector."""

import asyncio
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from agrisafe.mqtt.broker import EmbeddedBroker


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
