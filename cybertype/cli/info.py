"""`cybertype labels` and `cybertype schema`: the taxonomy and the output record's JSON Schema."""
from __future__ import annotations

import json

import typer

from cybertype.cli.app import ListFmt, app, examples
from cybertype.cli.errors import errors
from cybertype.cli.options import format_option


@app.command(epilog=examples("labels"))
@errors
@format_option(ListFmt, ListFmt.table)
def labels(format: ListFmt = ListFmt.table) -> None:
    """Show the taxonomy: the five typologies and none."""
    from cybertype.labels import all_labels

    items = all_labels()
    if format == ListFmt.json:
        typer.echo(json.dumps([label.model_dump() for label in items], ensure_ascii=False, indent=2))
        return
    from cybertype.io import tables  # rich loads only when a table is shown

    tables.labels(items)


@app.command(epilog=examples("schema"))
@errors
def schema() -> None:
    """Print the JSON Schema of one output record."""
    from cybertype.io.outputs import output_schema

    typer.echo(json.dumps(output_schema(), ensure_ascii=False, indent=2))
