"""`agrisafe schema …`: JSON Schemas and the protocol documentation, generated from the models."""

from pathlib import Path

import typer

from agrisafe.cli.helptext import command_group

app = command_group("Export the wire contract as JSON Schema and Markdown.")


@app.command("export")
def export(
    directory: Path = typer.Argument(..., help="directory to write *.schema.json into"),
) -> None:
    """Write one JSON Schema per kind, plus the envelope and the alert."""
    from agrisafe.protocol.schema import export_schemas

    for path in export_schemas(directory):
        typer.echo(f"wrote {path}", err=True)


@app.command("docs")
def docs(
    out: Path = typer.Option(Path("docs/protocol.md"), help="Markdown file to write"),
    check: bool = typer.Option(False, help="fail if the file differs instead of writing it"),
) -> None:
    """Generate docs/protocol.md from the models and examples."""
    from agrisafe.protocol.docs import render_protocol_doc

    text = render_protocol_doc()
    if check:
        current = out.read_text("utf-8") if out.exists() else ""
        if current != text:
            typer.echo(f"{out} is out of date: run `agrisafe schema docs`", err=True)
            raise typer.Exit(1)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    typer.echo(f"wrote {out}", err=True)
