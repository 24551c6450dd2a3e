"""`agrisafe audit verify|anchor|export-anchors|public-key`: check a site's records against its
signed chain.

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
from cloud.chain.findings import Report
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
    anchors_file: Path | None = typer.Option(
        None,
        "--anchors",
        help="an anchor file kept outside the database (a regulator's copy, or the anchor log); "
        "default: this cloud's anchor log if it exists",
    ),
    max_gap_s: float | None = typer.Option(
        None,
        "--max-anchor-gap",
        help="seconds without an anchor that count as a gap "
        "(default: a day + anchor_interval_s + anchor_slack_s)",
    ),
    as_json: bool = typer.Option(False, "--json", help="one JSON report instead of text"),
    database_url: str | None = DbUrl,
    data_dir: Path | None = DataDir,
) -> None:
    """Report every record edited, deleted or inserted after arrival; exit 1 if any."""
    from cloud.chain.anchorcheck import DAY_MS, AnchorChecks
    from cloud.chain.anchorlog import AnchorFileError, anchor_log_path, read_anchor_file
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
        local = anchor_log_path(settings, root)
        source = anchors_file or (local if local.exists() else None)
        try:
            external = read_anchor_file(source) if source is not None else None
        except AnchorFileError as err:
            raise fail(str(err), 2) from err
        if max_gap_s is None:
            max_gap_s = (DAY_MS / 1000) + settings.anchor_interval_s + settings.anchor_slack_s
        checks = AnchorChecks(
            external.anchors if external is not None else None,
            Clock().now_ms(),
            int(max_gap_s * 1000),
            external.damaged if external is not None else (),
        )
        engine = make_engine(settings.database_url or default_database_url(root))
        with engine.connect() as conn:
            report = verify_site(conn, site, key, _ms(since, 0), _ms(until, MAX_MS), checks)
    _print_report(report, source, as_json)
    raise typer.Exit(0 if report.clean else 1)


def _print_report(report: Report, source: Path | None, as_json: bool) -> None:
    if as_json:
        doc = {
            "site": report.site,
            "checked": report.checked,
            "anchors": report.anchors,
            "anchor_file": str(source) if source is not None else None,
            "clean": report.clean,
            "findings": [
                {"problem": f.problem.value, "record": f.record, "seq": f.seq, "detail": f.detail}
                for f in report.findings
            ],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    for f in report.findings:
        typer.echo(f"{f.problem.value}: {f.detail}")
    if source is None:
        typer.echo("no anchor file outside the database was given: anchors checked as stored")
    else:
        typer.echo(f"anchors also checked against {source}")
    verdict = "clean" if report.clean else f"{len(report.findings)} problem(s)"
    typer.echo(f"site {report.site}: {report.checked} records, {report.anchors} anchors: {verdict}")


@app.command("anchor")
def anchor(database_url: str | None = DbUrl, data_dir: Path | None = DataDir) -> None:
    """Sign today's anchor of every site's chain head now (the cloud also does it daily)."""
    from cloud.chain.anchor import anchor_sites
    from cloud.chain.anchorlog import AnchorLog, anchor_log_path
    from cloud.chain.keyfile import cloud_signing_key
    from cloud.settings import CloudSettings
    from cloud.store.db import default_database_url, make_engine

    with exit_on_startup_errors():
        settings = CloudSettings.load(data_dir=data_dir, database_url=database_url)
        root = settings.ensure_data_dir()
        engine = make_engine(settings.database_url or default_database_url(root))
        key = cloud_signing_key(settings, root)
        log = AnchorLog(anchor_log_path(settings, root))
        written = anchor_sites(engine, key, Clock().now_ms(), log)
    for a in written:
        stamp = datetime.fromtimestamp(a.anchored_ms / 1000).isoformat(timespec="seconds")
        typer.echo(f"{a.site} {a.day}: head {a.seq} {a.hash[:16]}… signed {stamp}")


@app.command("export-anchors")
def export_anchors(
    site: str | None = typer.Option(None, help="only this site (default: every site)"),
    database_url: str | None = DbUrl,
    data_dir: Path | None = DataDir,
) -> None:
    """Print the database's signed anchors, one JSON line each (the `verify --anchors` format).

    Only what the database holds now: export often and keep the copies elsewhere.
    """
    from sqlalchemy import select

    from cloud.chain.anchor import Anchor
    from cloud.chain.anchorlog import anchor_line
    from cloud.settings import CloudSettings
    from cloud.store import trust_tables as tt
    from cloud.store.db import default_database_url, make_engine

    with exit_on_startup_errors():
        settings = CloudSettings.load(data_dir=data_dir, database_url=database_url)
        engine = make_engine(settings.database_url or default_database_url(settings.data_dir))
        a = tt.chain_anchors.c
        stmt = select(tt.chain_anchors).order_by(a.day, a.site)
        if site is not None:
            stmt = stmt.where(a.site == site)
        with engine.connect() as conn:
            rows = [Anchor(**dict(m)) for m in conn.execute(stmt).mappings()]
    for anchor in rows:
        typer.echo(anchor_line(anchor))


@app.command("public-key")
def public_key_cmd(data_dir: Path | None = DataDir) -> None:
    """Print the cloud's public key (give it to regulators for `audit verify --public-key`)."""
    from cloud.chain.keyfile import cloud_verify_key
    from cloud.settings import CloudSettings

    with exit_on_startup_errors():
        settings = CloudSettings.load(data_dir=data_dir)
        typer.echo(public_text(cloud_verify_key(settings, settings.data_dir)))
