"""`agrisafe audit verify|anchor|public-key`: check a site's records against its signed chain.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

import json
from datetime import datetime
from pathlib import Path

import typer

from agrisafe.cli.errors import exit_on_startup_errors, fail
from agrisafe.cli.helptext import command_group, setting_help
from agrisafe.identity import KeyError_, VerifyKey, load_verify_key, public_text
from agrisafe.timeutil import Clock, parse_rfc3339, to_ms
from cloud.settings import CloudSettings

app = command_group(
    "Tamper evidence: verify a site's records against its hash chain and signed anchors."
)

DataDir = typer.Option(None, help=setting_help(CloudSettings, "data_dir"))
DbUrl = typer.Option(
    None,
    help=setting_help(
        CloudSettings, "database_url", "SQLAlchemy URL; unset: SQLite in the data dir"
    ),
)


def _ms(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return to_ms(parse_rfc3339(text))
    except ValueError as err:
        raise fail(f"not an RFC 3339 time with offset: {text!r} ({err})", 2) from err


@app.command("verify")
def verify(
    site: str = typer.Option(..., help="site id"),
    since: str | None = typer.Option(None, "--from", help="arrivals from (RFC 3339)"),
    until: str | None = typer.Option(None, "--to", help="arrivals up to (RFC 3339)"),
    public_key: str | None = typer.Option(
        None, help="the cloud's public key (base64url; default: the local cloud key file)"
    ),
    as_json: bool = typer.Option(False, "--json", help="one JSON report instead of text"),
    database_url: str | None = DbUrl,
    data_dir: Path | None = DataDir,
) -> None:
    """Report every record edited, deleted or inserted after arrival; exit 1 if any."""
    from cloud.chain.keyfile import cloud_verify_key
    from cloud.chain.verify import MAX_MS, verify_site
    from cloud.settings import CloudSettings
    from cloud.store.db import default_database_url, make_engine

    with exit_on_startup_errors():
        settings = CloudSettings.load(data_dir=data_dir, database_url=database_url)
        root = settings.data_dir
        try:
            key: VerifyKey = (
                load_verify_key(public_key) if public_key else cloud_verify_key(settings, root)
            )
        except KeyError_ as err:
            raise fail(f"cloud public key: {err}", 2) from err
        engine = make_engine(settings.database_url or default_database_url(root))
        with engine.connect() as conn:
            report = verify_site(conn, site, key, _ms(since, 0), _ms(until, MAX_MS))
    if as_json:
        doc = {
            "site": report.site,
            "checked": report.checked,
            "anchors": report.anchors,
            "clean": report.clean,
            "findings": [
                {"problem": f.problem.value, "record": f.record, "seq": f.seq, "detail": f.detail}
                for f in report.findings
            ],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False))
    else:
        for f in report.findings:
            typer.echo(f"{f.problem.value}: {f.detail}")
        verdict = "clean" if report.clean else f"{len(report.findings)} problem(s)"
        typer.echo(f"site {site}: {report.checked} records, {report.anchors} anchors: {verdict}")
    raise typer.Exit(0 if report.clean else 1)


@app.command("anchor")
def anchor(database_url: str | None = DbUrl, data_dir: Path | None = DataDir) -> None:
    """Sign today's anchor of every site's chain head now (the cloud also does it daily)."""
    from cloud.chain.anchor import anchor_sites
    from cloud.chain.keyfile import cloud_signing_key
    from cloud.settings import CloudSettings
    from cloud.store.db import default_database_url, make_engine

    with exit_on_startup_errors():
        settings = CloudSettings.load(data_dir=data_dir, database_url=database_url)
        root = settings.ensure_data_dir()
        engine = make_engine(settings.database_url or default_database_url(root))
        written = anchor_sites(engine, cloud_signing_key(settings, root), Clock().now_ms())
    for a in written:
        stamp = datetime.fromtimestamp(a.anchored_ms / 1000).isoformat(timespec="seconds")
        typer.echo(f"{a.site} {a.day}: head {a.seq} {a.hash[:16]}… signed {stamp}")


@app.command("public-key")
def public_key_cmd(data_dir: Path | None = DataDir) -> None:
    """Print the cloud's public key (give it to regulators for `audit verify --public-key`)."""
    from cloud.chain.keyfile import cloud_verify_key
    from cloud.settings import CloudSettings

    with exit_on_startup_errors():
        settings = CloudSettings.load(data_dir=data_dir)
        typer.echo(public_text(cloud_verify_key(settings, settings.data_dir)))
