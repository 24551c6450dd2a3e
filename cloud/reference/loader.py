"""Loading the reference files with errors that name the file, the row and the problem."""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agrisafe.config import ConfigError, read_yaml
from cloud.reference.model import (
    BansFile,
    CropsFile,
    IngredientsFile,
    PhiRow,
    SourcesFile,
    WithdrawalFile,
)

DATA_DIR = Path(__file__).with_name("data")
M = TypeVar("M", bound=BaseModel)


class ReferenceDataError(ConfigError):
    """The reference data cannot be used; the message says which file, which row and why."""


@dataclass(frozen=True)
class ReferenceFiles:
    """Everything read from the data directory, validated row by row."""

    sources: SourcesFile
    crops: CropsFile
    phi: list[PhiRow]
    bans: BansFile
    ingredients: IngredientsFile
    withdrawal: WithdrawalFile


def _describe(err: ValidationError, raw: Any) -> list[str]:
    lines = []
    for e in err.errors(include_url=False):
        loc = list(e["loc"])
        where = ""
        # Name the row by its position and, where it has one, its id or name.
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw, dict):
            rows = raw.get(str(loc[0])) or []
            row = rows[loc[1]] if loc[1] < len(rows) else None
            label = next(
                (row[k] for k in ("id", "name", "drug", "alias", "ingredient") if row and k in row),
                None,
            )
            where = f" ({label})" if label else ""
        key = ".".join(str(p) for p in loc) or "(top level)"
        lines.append(f"  {key}{where}: {e['msg'].removeprefix('Value error, ')}")
    return lines


def _yaml(path: Path, model: type[M]) -> M:
    try:
        raw = read_yaml(path)
    except ConfigError as err:
        raise ReferenceDataError(str(err)) from err
    try:
        return model.model_validate(raw or {})
    except ValidationError as err:
        detail = "\n".join(_describe(err, raw))
        raise ReferenceDataError(f"{path}: invalid reference data\n{detail}") from err


def _phi_csv(path: Path) -> list[PhiRow]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ReferenceDataError(f"{path}: file not found") from None
    rows: list[PhiRow] = []
    reader = csv.DictReader(text.splitlines())
    for line_no, raw in enumerate(reader, start=2):  # line 1 is the header
        if None in raw:
            raise ReferenceDataError(f"{path}: line {line_no}: more values than columns")
        try:
            rows.append(PhiRow.model_validate(raw))
        except ValidationError as err:
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                for e in err.errors(include_url=False)
            )
            ident = raw.get("id") or "?"
            raise ReferenceDataError(f"{path}: line {line_no} (row {ident}): {detail}") from err
    return rows


def load_files(data_dir: Path = DATA_DIR) -> ReferenceFiles:
    """Read and validate every reference file of `data_dir` (the packaged data by default)."""
    return ReferenceFiles(
        sources=_yaml(data_dir / "sources.yaml", SourcesFile),
        crops=_yaml(data_dir / "crops.yaml", CropsFile),
        phi=_phi_csv(data_dir / "phi.csv"),
        bans=_yaml(data_dir / "bans.yaml", BansFile),
        ingredients=_yaml(data_dir / "ingredients.yaml", IngredientsFile),
        withdrawal=_yaml(data_dir / "withdrawal.yaml", WithdrawalFile),
    )
