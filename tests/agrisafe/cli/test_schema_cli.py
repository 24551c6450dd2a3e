"""`agrisafe schema export` and `agrisafe schema docs`."""

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from agrisafe.cli import build_app
from agrisafe.protocol import Kind
from agrisafe.protocol.examples import EXAMPLE_ALERT, EXAMPLES
from testkit.paths import REPO

runner = CliRunner()


def test_export_writes_a_schema_per_kind_plus_envelope_and_alert(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["schema", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.schema.json"))
    for kind in Kind:
        assert any(kind.value in n for n in names), kind
    assert "envelope.schema.json" in names
    assert "alert.schema.json" in names
    assert len(names) == len(Kind) + 2


@pytest.mark.parametrize("kind", list(Kind))
def test_examples_validate_against_exported_schemas(tmp_path: Path, kind: Kind) -> None:
    result = runner.invoke(build_app(), ["schema", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    schema = json.loads((tmp_path / f"kind-{kind.value}.schema.json").read_text("utf-8"))
    jsonschema.validate(EXAMPLES[kind], schema)
    union = json.loads((tmp_path / "envelope.schema.json").read_text("utf-8"))
    jsonschema.validate(EXAMPLES[kind], union)
    bad = dict(EXAMPLES[kind]) | {"v": 2}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_alert_schema_accepts_the_example(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["schema", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    schema = json.loads((tmp_path / "alert.schema.json").read_text("utf-8"))
    jsonschema.validate(EXAMPLE_ALERT, schema)


def test_protocol_doc_is_up_to_date() -> None:
    doc = REPO / "docs" / "protocol.md"
    result = runner.invoke(build_app(), ["schema", "docs", "--out", str(doc), "--check"])
    assert result.exit_code == 0, "docs/protocol.md is stale: run `agrisafe schema docs`"


def test_docs_check_fails_on_a_stale_file_and_writing_fixes_it(tmp_path: Path) -> None:
    doc = tmp_path / "protocol.md"
    doc.write_text("stale\n", "utf-8")
    stale = runner.invoke(build_app(), ["schema", "docs", "--out", str(doc), "--check"])
    assert stale.exit_code == 1
    assert doc.read_text("utf-8") == "stale\n"  # --check never writes
    written = runner.invoke(build_app(), ["schema", "docs", "--out", str(doc)])
    assert written.exit_code == 0, written.output
    fresh = runner.invoke(build_app(), ["schema", "docs", "--out", str(doc), "--check"])
    assert fresh.exit_code == 0, fresh.output


def test_export_prints_each_file_written(tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["schema", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    reported = {line.removeprefix("wrote ") for line in result.output.splitlines()}
    assert reported == {str(p) for p in tmp_path.glob("*.schema.json")}


def test_help_everywhere() -> None:
    for args in (
        ["--help"],
        ["schema", "--help"],
        ["cloud", "serve", "--help"],
        ["cloud", "ingest", "--help"],
        ["scenario", "run", "--help"],
        ["bridge", "run", "--help"],
        ["edge", "run", "--help"],
        ["models", "eval", "--help"],
        ["broker", "--help"],
        ["demo", "--help"],
    ):
        result = runner.invoke(build_app(), args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output
