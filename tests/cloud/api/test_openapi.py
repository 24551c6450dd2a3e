"""The generated OpenAPI documents every response: a schema for JSON routes, a media type for
the streaming, file and HTML ones — so a client can be generated from it."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud.api import create_app
from cloud.app import build_runtime
from testkit.cloud import cloud_settings

# Routes that answer with something other than JSON, and the media type they declare.
NOT_JSON = {
    ("get", "/api/v1/alerts/stream"): "text/event-stream",
    ("get", "/api/v1/evidence/{sha256}"): "image/jpeg",
    ("get", "/api/v1/evidence/{sha256}/playable"): "video/webm",
    ("get", "/api/v1/consultations/stream"): "text/event-stream",
    ("get", "/t/{cert_id}"): "text/html",
    ("get", "/t/{cert_id}/qr.svg"): "image/svg+xml",
    ("get", "/t/{cert_id}/qr.png"): "image/png",
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The OpenAPI of an app on a built (never started: nothing connects) runtime."""
    tmp: Path = tmp_path_factory.mktemp("openapi")
    runtime = build_runtime(cloud_settings(tmp, "mqtt://127.0.0.1:1"))
    try:
        yield create_app(runtime, manage_runtime=False).openapi()
    finally:
        runtime.engine.dispose()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def _typed(schema: dict[str, Any]) -> bool:
    """A named model, or a union of named models (not `{}` nor a bare object)."""
    if "$ref" in schema:
        return True
    options = schema.get("anyOf") or schema.get("oneOf") or []
    return bool(options) and all(_typed(o) for o in options)


def test_every_json_route_documents_a_typed_success_response(spec: dict[str, Any]) -> None:
    checked = []
    for method, path, op in _operations(spec):
        if (method, path) in NOT_JSON:
            continue
        ok = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        assert ok, f"{method.upper()} {path}: no 2xx response"
        for code, response in ok.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert _typed(schema), f"{method.upper()} {path} {code}: untyped schema {schema}"
        checked.append((method, path))
    assert len(checked) >= 30  # the whole API, not an empty spec


def test_non_json_routes_declare_their_media_type(spec: dict[str, Any]) -> None:
    ops = {(method, path): op for method, path, op in _operations(spec)}
    for route, media in NOT_JSON.items():
        assert route in ops, f"{route} is listed here but no longer exists"
        assert media in ops[route]["responses"]["200"]["content"], route


def test_grouped_query_parameters_keep_their_names(spec: dict[str, Any]) -> None:
    def names(path: str) -> set[str]:
        params = spec["paths"][path]["get"].get("parameters", [])
        return {p["name"] for p in params if p["in"] == "query"}

    assert names("/api/v1/records") == {
        "site", "kind", "device", "plot", "herd", "lot", "from", "to", "limit", "offset",
    }  # fmt: skip
    assert names("/api/v1/alerts") == {"site", "rule", "status", "subject", "limit", "offset"}
    assert names("/api/v1/certificates") == {
        "site", "lot", "status", "request_id", "limit", "offset",
    }  # fmt: skip
    assert names("/api/v1/series") == {
        "site",
        "measurement",
        "from",
        "to",
        "step",
        "field",
        "agg",
        "tz",
    }
