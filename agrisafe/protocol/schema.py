"""JSON Schemas generated from the models (never written by hand)."""

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from agrisafe.protocol.alert import Alert
from agrisafe.protocol.envelope import ENVELOPE_TYPES, Envelope

SCHEMA_ID_BASE = "https://agrisafe.example/schemas/v1"


def kind_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema: one per kind, plus the envelope union and the alert."""
    out: dict[str, dict[str, Any]] = {}
    for kind, model in ENVELOPE_TYPES.items():
        out[f"kind-{kind.value}.schema.json"] = model.model_json_schema(mode="validation")
    out["envelope.schema.json"] = TypeAdapter(Envelope).json_schema(mode="validation")
    out["alert.schema.json"] = Alert.model_json_schema(mode="serialization")
    for name, schema in out.items():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{SCHEMA_ID_BASE}/{name}"
    return out


def export_schemas(directory: Path) -> list[Path]:
    """Write every schema into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in kind_schemas().items():
        path = directory / name
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    return written
