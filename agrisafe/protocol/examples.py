"""One example message per kind: used by the generated docs, the tests and the demo."""

from typing import Any

from agrisafe.protocol.enums import Kind

_SITE = "SX-TG-001"
_GEO_GPS = {"lat": 37.43, "lon": 112.56, "alt": 780.0, "fix": "gps", "hdop": 0.9}
_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _env(kind: Kind, n: int, device: str, ts: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "v": 1,
        "id": f"0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3a{n:02x}",
        "kind": kind.value,
        "site": _SITE,
        "device": device,
        "ts": ts,
        "body": body,
    }


EXAMPLES: dict[Kind, dict[str, Any]] = {
    Kind.ACTIVITY: _env(
        Kind.ACTIVITY,
        1,
        "cam-01",
        "2026-05-01T08:12:30+08:00",
        {
            "activity": "spraying",
            "state": "start",
            "plot": "P1",
            "confidence": 0.91,
            "track": "cam-01-17",
            "model": {"name": "agri-activity", "version": "1.0.0"},
            "evidence": [{"sha256": _SHA, "media": "image/jpeg", "uri": f"sha256:{_SHA}"}],
        },
    )
    | {"geo": {"lat": 37.4301, "lon": 112.5602, "fix": "fixed"}},
    Kind.INPUT_USE: _env(
        Kind.INPUT_USE,
        2,
        "app-zhang",
        "2026-05-01T08:30:00+08:00",
        {
            "plot": "P1",
            "crop": "黄瓜",
            "dose": "3000倍液",
            "operator": "张三",
            "product": {
                "name": "阿维菌素乳油",
                "active_ingredients": ["阿维菌素"],
                "formulation": "1.8% EC",
            },
        },
    ),
    Kind.HARVEST: _env(
        Kind.HARVEST,
        3,
        "app-zhang",
        "2026-05-04T07:00:00+08:00",
        {"plot": "P1", "crop": "黄瓜", "lot": "L20260504-01", "qty_kg": 850.0},
    ),
    Kind.TREATMENT: _env(
        Kind.TREATMENT,
        4,
        "app-li",
        "2026-05-01T09:00:00+08:00",
        {"herd": "H1", "species": "pig", "drug": "土霉素注射液", "dose": "10 mL/头"},
    ),
    Kind.DISPATCH: _env(
        Kind.DISPATCH,
        5,
        "app-li",
        "2026-06-05T06:00:00+08:00",
        {"herd": "H1", "species": "pig", "product": "meat", "lot": "PIG-20260605", "qty": 40},
    ),
    Kind.RAPID_TEST: _env(
        Kind.RAPID_TEST,
        6,
        "rt-01",
        "2026-05-04T10:15:00+08:00",
        {
            "sample": "S-0001",
            "commodity": "黄瓜",
            "method": "enzyme_inhibition",
            "analyte": "有机磷和氨基甲酸酯类",
            "result": "positive",
            "inhibition_pct": 63.5,
            "lot": "L20260504-01",
            "instrument": "DY-3000#12",
            "operator": "王检测",
        },
    ),
    Kind.SAMPLE: _env(
        Kind.SAMPLE,
        7,
        "gps-01",
        "2026-05-04T09:40:00+08:00",
        {"sample": "S-0001", "commodity": "黄瓜", "inspector": "王检测", "lot": "L20260504-01"},
    )
    | {"geo": _GEO_GPS},
    Kind.CERTIFICATE_REQUEST: _env(
        Kind.CERTIFICATE_REQUEST,
        8,
        "app-zhang",
        "2026-05-04T11:00:00+08:00",
        {
            "lot": "L20260504-01",
            "commodity": "黄瓜",
            "qty_kg": 850.0,
            "basis": ["control", "self_test"],
        },
    ),
    Kind.STATUS: _env(Kind.STATUS, 9, "cam-01", "2026-05-01T08:00:00+08:00", {"state": "online"}),
    Kind.TELEMETRY: _env(
        Kind.TELEMETRY,
        10,
        "cam-01",
        "2026-05-01T08:01:00+08:00",
        {"fps": 5.0, "inference_ms": 9.1, "outbox_depth": 0, "reconnects": 1},
    ),
    Kind.COMMAND_RESULT: _env(
        Kind.COMMAND_RESULT,
        11,
        "edge-01",
        "2026-05-01T08:02:00+08:00",
        {
            "command": "0193a4f3-0000-7000-8000-0000000000c1",
            "name": "snapshot",
            "status": "done",
            "evidence": [
                {
                    "sha256": "9f2c" + "0" * 60,
                    "media": "image/jpeg",
                    "uri": "/api/v1/evidence/9f2c" + "0" * 60,
                }
            ],
        },
    ),
}

EXAMPLE_ALERT: dict[str, Any] = {
    "id": "0193a4f3-0000-7000-8000-000000000001",
    "rule": "phi_violation",
    "severity": "critical",
    "site": _SITE,
    "subject": "plot:P1",
    "ts": "2026-05-01T09:00:00+08:00",
    "status": "open",
    "evidence": [EXAMPLES[Kind.INPUT_USE]["id"], EXAMPLES[Kind.HARVEST]["id"]],
    "detail": {
        "ingredient": "阿维菌素",
        "crop": "黄瓜",
        "phi_days": 2,
        "earliest_harvest": "2026-05-03",
    },
    "cause": EXAMPLES[Kind.INPUT_USE]["id"],
    "region": "140726",
}

EXAMPLE_COMMAND: dict[str, Any] = {
    "v": 1,
    "id": "0193a4f3-0000-7000-8000-0000000000c1",
    "site": _SITE,
    "device": "edge-01",
    "name": "snapshot",
    "params": {"camera": "cam-01"},
    "issued": "2026-05-01T08:01:30+08:00",
    "expires": "2026-05-01T08:11:30+08:00",
    "by": "producer-zhang",
    "sig": {"alg": "Ed25519", "key_id": "3f9a0c1d2e4b5a69", "value": "<64 bytes, base64url>"},
}
