"""testkit's servers on picked ports: a port taken between the pick and the server's bind moves
the first start to another port, never a restart; a server is ready only when it listens itself.

Real Mosquitto and VictoriaMetrics binaries, with a socket of ours holding the port (listening,
so a connection test alone would take it for the server).
"""

import os
import signal
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from testkit import net, procs
from testkit.procs import CloudProcess, cloud_env
from testkit.services import PrivateMosquitto, VictoriaMetrics, healthy

pytestmark = pytest.mark.integration


def _connects(port: int) -> bool:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{os.getpid()}")
    try:
        return c.connect("127.0.0.1", port) == mqtt.MQTT_ERR_SUCCESS
    finally:
        c.disconnect()


def test_a_brokers_port_taken_before_it_binds_moves_the_first_start(tmp_path: Path) -> None:
    broker = PrivateMosquitto(tmp_path)
    with net.held_port() as taken:
        broker.port = taken  # picked free, then taken by another process before the start
        broker.start()
        try:
            assert broker.port != taken
            assert net.listens(broker.proc.pid if broker.proc else -1, broker.port)
            assert f"listener {broker.port} " in broker.config.read_text()
            assert "address already in use" in broker.log.read_text().lower()
            assert _connects(broker.port)
            moved = broker.port
            broker.restart(down_s=0.1)  # a restart keeps the port it serves on
            assert broker.port == moved
            assert _connects(broker.port)
        finally:
            broker.stop()


def test_a_restart_whose_port_was_taken_fails_loudly_and_does_not_move(tmp_path: Path) -> None:
    broker = PrivateMosquitto(tmp_path)
    broker.start()
    port = broker.port
    broker.stop()
    with net.held_port(port), pytest.raises(RuntimeError, match=r"(?i)address already in use"):
        broker.start()  # its clients and its persisted sessions are on this port
    assert broker.port == port


def test_a_server_that_exits_for_another_reason_is_an_error_at_once(tmp_path: Path) -> None:
    log = tmp_path / "bad.log"

    def bad_config(port: int) -> list[str]:
        (tmp_path / "bad.conf").write_text(f"listener {port} 127.0.0.1\nno_such_option 1\n")
        return ["mosquitto", "-c", str(tmp_path / "bad.conf")]

    with pytest.raises(RuntimeError, match="exited with") as caught:
        net.start_server(bad_config, log, net.free_port(), may_move=True, timeout_s=60)
    assert "no_such_option" in str(caught.value)  # the server's own words, not a timeout


def test_victoria_metrics_moves_off_a_taken_port_and_is_healthy_where_it_went(
    tmp_path: Path,
) -> None:
    vm = VictoriaMetrics(tmp_path)
    with net.held_port() as taken:
        vm.port = taken
        vm.start()
        try:
            assert vm.port != taken
            assert healthy(vm.port)
            assert vm.url.endswith(f":{vm.port}")
        finally:
            vm.stop()


def test_a_cloud_whose_api_port_was_taken_serves_on_another_and_restarts_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with net.held_port() as taken:
        picks = iter([taken])
        monkeypatch.setattr(procs, "free_port", lambda: next(picks, None) or net.free_port())
        env = cloud_env(tmp_path, "mqtt://127.0.0.1:1883")
        serve = CloudProcess(["serve"], env, tmp_path / "serve.log").start_http()
        try:
            assert serve.port != taken
            assert "address already in use" in serve.text()  # uvicorn's, on the taken port
            assert httpx.get(f"{serve.base}/api/v1/health", timeout=5).status_code == 200
            moved = serve.port
            assert serve.stop() in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM
            serve.start()  # a restart: the port it got
            net.wait_port("127.0.0.1", moved, 60)
            assert net.listens(serve.pid, moved)
        finally:
            serve.stop()


def test_listens_names_the_process_holding_the_port() -> None:
    with net.held_port() as port:
        assert net.listens(os.getpid(), port)
        assert not net.listens(os.getpid(), port + 1 if port < 65535 else port - 1)
        assert not net.listens(1, port)  # init does not hold our socket
    assert not net.listens(os.getpid(), port)  # closed: nobody listens
