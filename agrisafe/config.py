"""Structured site configuration: YAML files → pydantic models, with one error style.

Every component's file (site.yaml, bridge.yaml, the registry, reference data) fails the same
way: one `ConfigError` whose message names the file, then one line per bad key, saying what was
expected — something a farm technician can act on.
"""

import re
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
    # A letter, digit or `_` first, so never `.`/`..`; no `/` or `\` to climb out of the data
    # directory, nor an absolute path (`data_dir / "/etc"` is `/etc`).
    if not re.fullmatch(r"\w[\w.-]{0,63}", value):
        raise ValueError(
            f"{value!r:.80} cannot name a file: use up to 64 letters, digits, '_', '-' and '.' "
            "(not '.' first)"
        )
    return value


# A config value used as a path component (a camera's folder and record file).
PathName = Annotated[str, AfterValidator(path_name)]


class ConfigError(ValueError):
    """A configuration file cannot be used; the message says which file, which key and why."""


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; `ConfigError` for a missing, unreadable, non-UTF-8 or bad file."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    try:
        return yaml.safe_load(text)
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
