"""Structured site configuration: YAML files → pydantic models, with one error style.

Every component's file (site.yaml, bridge.yaml, the registry, reference data) fails the same
way: one `ConfigError` whose message names the file, then one line per bad key, saying what was
expected — something a farm technician can act on.
"""

from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of the components' configuration models and stored rows (registry, reference
    data): unknown keys are errors (a typo must not
    silently keep a default), values are frozen, and `.inf`/`.nan` are refused — YAML's `.inf`
    passes a `gt=0` bound (an interval that never comes due switches a check off without anyone
    writing `0`) and NaN passes a field with no bound at all (an altitude, a polygon corner)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def path_name(value: str) -> str:
    """VALUE when it is safe as one file or folder name, else ValueError saying what is."""
    # Refuse only what could leave the data directory or break the file system: `/` or `\`
    # (an absolute path: `data_dir / "/etc"` is `/etc`), `.`/`..` or any leading dot, control
    # characters. Names already in sites' configs (`cam 1`, `北门`, `-cam`) stay valid: the
    # protocol's camera names (Ident, at most 128 characters) may hold them too.
    if not value or len(value) > 128:
        raise ValueError("a name used as a file name needs 1 to 128 characters")
    if value.startswith(".") or any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{value!r:.80} cannot name a file: no '/', '\\' or control characters, "
            "and not '.' first"
        )
    return value


# A config value used as a path component (a camera's folder and record file).
PathName = Annotated[str, AfterValidator(path_name)]


class ConfigError(ValueError):
    """A configuration file cannot be used; the message says which file, which key and why."""


class _AliasRefused(Exception):
    """An anchor or alias at LINE (1-based); read_yaml names the file."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _NoAliasLoader(yaml.SafeLoader):
    """`yaml.safe_load` without anchors and aliases. An alias is expanded into every place that
    names it, so 18 KB aliasing one polygon ring 1500 times became 577 MB of lists; no config of
    ours needs them, and refusing them at the parser closes every key they could hide under."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        # An anchor is refused where it is defined too: the error then points at the first use.
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            mark = event.start_mark
            raise _AliasRefused(mark.line + 1 if mark is not None else 0)
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; `ConfigError` for a missing, unreadable, non-UTF-8 or bad file, or one
    using anchors and aliases."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader less aliases
    except _AliasRefused as err:
        raise ConfigError(
            f"{path}:{err.line}: YAML anchors and aliases (&name, *name) are not accepted: "
            "write the value out in full"
        ) from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    except RecursionError:  # PyYAML recurses once per nesting level: `[[[[…` of any depth
        raise ConfigError(f"{path}: not valid YAML: nested too deep") from None


def validation_lines(err: ValidationError) -> list[str]:
    """One `key.path: message` line per error, without pydantic's boilerplate."""
    lines = []
    for e in err.errors(include_url=False):
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{key}: {e['msg'].removeprefix('Value error, ')}")
    return lines


def validate_config(path: Path, data: Any, model: type[M], *, what: str = "configuration") -> M:
    """Validate already-parsed data as `model`; errors name `path` and each key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: invalid {what}: expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        detail = "\n  ".join(validation_lines(err))
        raise ConfigError(f"{path}: invalid {what}:\n  {detail}") from err


def load_yaml_model(path: Path, model: type[M], *, what: str = "configuration") -> M:
    """Read `path` and validate it as `model` (an empty file is an empty mapping)."""
    return validate_config(path, read_yaml(path), model, what=what)
