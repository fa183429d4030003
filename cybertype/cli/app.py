"""The Typer app and its global options; each command group registers itself from its own module."""
from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from cybertype.cli.errors import state
from cybertype.version import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # incident texts are sensitive: never print local variables
    help="Label cybercrime incident descriptions: pig_butchering, fake_anchor_tipping, two_cards, "
    "online_gambling, defamation, or none.",
)
rules_app = typer.Typer(no_args_is_help=True, help="List, check, test and measure keyword rules.")
app.add_typer(rules_app, name="rules")


class Fmt(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ListFmt(str, Enum):
    table = "table"
    json = "json"


class InFmt(str, Enum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"
    csv = "csv"
    json = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cybertype {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    state["debug"] = debug


