"""`cybertype config`: the effective settings and where each came from."""
from __future__ import annotations

import json

import typer

from cybertype.cli.app import ListFmt, app, examples
from cybertype.cli.errors import errors
from cybertype.cli.options import format_option


@app.command(epilog=examples("config"))
@errors
@format_option(ListFmt, ListFmt.table, help="table or json.")
def config(format: ListFmt = ListFmt.table) -> None:
    """Show the effective defaults (rules, model, redact, format, color) and where each comes from:
    CYBERTYPE_* variables, ./cybertype.toml or $XDG_CONFIG_HOME/cybertype/config.toml. Flags win over all."""
    from cybertype.io import settings

    effective = settings.load()
    path = settings.config_file()

    def shown(value):
        if isinstance(value, list):
            return [str(v) for v in value]
        return None if value is None else str(value)

    if format == ListFmt.json:
        typer.echo(json.dumps({"config_file": str(path) if path else None,
                               "settings": {k: {"value": shown(s.value), "from": s.origin}
                                            for k, s in effective.items()}}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"config file: {path or 'none (./cybertype.toml or $XDG_CONFIG_HOME/cybertype/config.toml)'}")
    for key, s in effective.items():
        value = shown(s.value)
        text = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"{key:<7} {text if text not in (None, '') else '-':<30} from {s.origin}")
