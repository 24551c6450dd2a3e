"""`agrisafe edge evidence …`: look at and requeue the evidence the cloud refused for good.

A file is set aside only when the cloud's answer proves the file itself bad (edge/upload.py);
once the cause is understood — or the cloud changed what it takes — an operator puts it back in
the queue here and the running node sends it on its next pass (oldest first, as before).
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from agrisafe.cli.helptext import command_group, setting_help
from agrisafe.settings import AgrisafeSettings

if TYPE_CHECKING:
    from edge.evidence import EvidenceStore

app = command_group("Evidence set aside on the edge: list it, put it back in the upload queue.")

_DATA_DIR = typer.Option(
    None, help=setting_help(AgrisafeSettings, "data_dir", "the node's evidence is under it")
)
_CONFIG = typer.Option(None, "--config", "-c", help="site.yaml (its data_dir)")


def _store_dir(data_dir: Path | None, config: Path | None) -> Path:
    from edge.config import EdgeSettings, load_site
    from edge.errors import ConfigError

    try:
        site_dir = load_site(config).data_dir if config is not None else None
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    root = EdgeSettings.load(data_dir=data_dir or site_dir).data_dir / "evidence"
    if not (root / "index.db").is_file():
        typer.echo(f"error: no evidence index in {root}", err=True)
        raise typer.Exit(2)
    return root


def _open(root: Path) -> "EvidenceStore":
    from edge.evidence import EvidenceStore

    # The quota is only enforced when a file is stored, which these commands never do.
    return EvidenceStore(root, quota_bytes=1 << 62)


@app.command("set-aside")
def set_aside(
    data_dir: Path | None = _DATA_DIR,
    config: Path | None = _CONFIG,
) -> None:
    """Print the files set aside, one JSON line each: sha256, outcome (rejected/lost), reason."""
    store = _open(_store_dir(data_dir, config))
    try:
        for sha, (outcome, reason) in sorted(store.set_aside().items()):
            typer.echo(json.dumps({"sha256": sha, "outcome": outcome, "reason": reason}))
    finally:
        store.close()


@app.command("requeue")
def requeue(
    shas: list[str] = typer.Argument(None, metavar="SHA256...", help="each file to requeue"),
    all_: bool = typer.Option(False, "--all", help="every file the cloud refused"),
    data_dir: Path | None = _DATA_DIR,
    config: Path | None = _CONFIG,
) -> None:
    """Put refused files back in the upload queue (lost ones have no bytes left to send)."""
    if all_ == bool(shas):
        typer.echo("error: give --all or the SHA-256 of each file to requeue", err=True)
        raise typer.Exit(2)
    store = _open(_store_dir(data_dir, config))
    try:
        done = store.requeue(None if all_ else [s.lower() for s in shas])
    finally:
        store.close()
    for sha in done:
        typer.echo(sha)
    missed = sorted({s.lower() for s in shas or []} - set(done))
    if missed:
        typer.echo(f"error: not set aside as refused: {', '.join(missed)}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(done)} file(s) requeued", err=True)
