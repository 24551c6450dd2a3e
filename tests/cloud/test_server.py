"""The API server binds its own socket: a port it was given cannot be taken before it listens."""

import re
import socket

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine

from cloud.alerts.hub import AlertHub
from cloud.server import ServerStartError, bound_port, listen, serve_in_thread
from testkit.net import held_port


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return app


def test_listen_on_a_taken_port_says_which_and_why() -> None:
    with held_port() as port, pytest.raises(ServerStartError) as refused:
        listen("127.0.0.1", port)
    assert re.search(f"127.0.0.1:{port}.*in use", str(refused.value))


def test_serves_on_the_kernel_picked_port_and_gives_it_back() -> None:
    sock = listen("127.0.0.1")
    port = bound_port(sock)
    assert port > 0
    # held from the moment it is picked: nobody else can bind it
    with socket.socket() as other, pytest.raises(OSError, match="in use"):
        other.bind(("127.0.0.1", port))
    with serve_in_thread(_app(), AlertHub(create_engine("sqlite://")), sock):
        r = httpx.get(f"http://127.0.0.1:{port}/ping", timeout=5)
        assert r.json() == {"pong": "yes"}
    assert sock.fileno() == -1  # closed
    listen("127.0.0.1", port).close()  # and free again
