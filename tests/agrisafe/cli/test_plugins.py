"""Component commands plugged in through entry points, and the stand-in for a missing extra."""

import tomllib
from importlib.metadata import EntryPoint, entry_points

import pytest
import typer
from typer.testing import CliRunner

from agrisafe.cli.plugins import GROUP, _plug, add_component_commands, require_modules
from testkit.paths import REPO

runner = CliRunner()


def _root() -> typer.Typer:
    root = typer.Typer(no_args_is_help=True)

    @root.callback()
    def _main() -> None:
        """Test root."""

    return root


def test_a_missing_extra_gives_one_line_and_exit_2_whatever_the_arguments() -> None:
    root = _root()
    _plug(root, EntryPoint("ghost", "agrisafe_no_such_module.cli:app [ghostly]", GROUP))
    for args in (["ghost"], ["ghost", "serve", "--port", "1"], ["ghost", "--help"]):
        result = runner.invoke(root, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip() == (
            "error: 'agrisafe ghost' needs the ghostly extra: pip install 'agrisafe[ghostly]' "
            "(missing module: agrisafe_no_such_module)"
        )
    listed = runner.invoke(root, ["--help"])
    assert listed.exit_code == 0
    assert "ghost" in listed.output


def test_a_typer_app_becomes_a_group_and_a_function_a_command() -> None:
    root = _root()
    _plug(root, EntryPoint("contract", "agrisafe.cli.schema:app", GROUP))
    _plug(root, EntryPoint("mqtt-broker", "agrisafe.cli.broker:broker", GROUP))
    group = runner.invoke(root, ["contract", "export", "--help"])
    assert group.exit_code == 0, group.output
    assert "*.schema.json" in group.output
    command = runner.invoke(root, ["mqtt-broker", "--help"])
    assert command.exit_code == 0, command.output
    assert "--port" in command.output


def test_an_entry_point_that_is_neither_is_refused() -> None:
    with pytest.raises(TypeError, match="neither a Typer app nor a function"):
        _plug(_root(), EntryPoint("bad", "agrisafe.cli.plugins:GROUP", GROUP))


def test_require_modules_names_the_missing_one_without_importing() -> None:
    require_modules("json", "typer")
    with pytest.raises(ModuleNotFoundError) as info:
        require_modules("json", "agrisafe_no_such_module", "also_missing")
    assert info.value.name == "agrisafe_no_such_module"


def test_the_installed_commands_are_the_declared_ones_and_all_load() -> None:
    """Needs the project installed with every extra (`./run test` does): no stand-in then."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
        "entry-points"
    ][GROUP]
    installed = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    assert installed == declared, "reinstall: pip install -e '.[all,dev]'"
    root = _root()
    add_component_commands(root)
    for name in declared:
        result = runner.invoke(root, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage" in result.output
