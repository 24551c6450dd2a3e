"""agrisafe.cli.errors: a missing path is one clear line and exit 2, not a traceback."""

from pathlib import Path

import pytest
import typer

from agrisafe.cli.errors import require_paths


def test_paths_that_exist_or_were_not_given_pass(tmp_path: Path) -> None:
    require_paths(tmp_path, None, tmp_path)


def test_the_first_missing_path_exits_2_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone, also_gone = tmp_path / "gone.onnx", tmp_path / "also-gone"
    with pytest.raises(typer.Exit) as exc:
        require_paths(tmp_path, None, gone, also_gone)
    assert exc.value.exit_code == 2
    assert capsys.readouterr().err == f"error: {gone} does not exist\n"
