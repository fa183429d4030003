"""The Typer app and its global options; each command group registers itself from its own module."""
from __future__ import annotations

from enum import Enum
from typing import Annotated

import re

import typer
from typer.core import TyperGroup

from cybertype.cli.errors import state
from cybertype.version import __version__

# Two or three examples at the end of every command's help (the epilog), as ripgrep and jq show them.
EXAMPLES = {
    "cybertype": ["cybertype classify report.txt --explain", "cat cases.jsonl | cybertype classify - --skip-none",
                  "cybertype batch reports/ -o labels.jsonl --summary summary.json"],
    "classify": ["cybertype classify samples/demo/victim-report-zh.txt --explain --redact partial",
                 "cat cases.jsonl | cybertype classify - --text-field body --label two_cards -o hits.jsonl",
                 "cybertype classify reports/*.txt --skip-none --min-score 0.8 --summary -"],
    "batch": ["cybertype batch reports/ -o labels.jsonl --workers 4 --summary summary.json",
              "cybertype batch reports/ -o labels.jsonl --resume",
              "cybertype batch reports/ -o - --skip-none --redact full | jq -r .source"],
    "train": ["cybertype train samples/train.jsonl -o model.npz",
              "cybertype train corpus.jsonl -o model.npz --rules my_rules/"],
    "evaluate": ["cybertype evaluate samples/test.jsonl --ablate",
                 "cybertype evaluate samples/test.jsonl --by writer --model model.npz"],
    "labels": ["cybertype labels", "cybertype labels -f json | jq -r '.[].id'"],
    "schema": ["cybertype schema > record.schema.json",
               "cybertype classify a.txt -f json | check-jsonschema --schemafile record.schema.json -"],
    "report": ["cybertype report out.jsonl --summary summary.json --inputs reports/ -o report.html",
               "cybertype report out.jsonl --no-redact -o report.html"],
    "review": ["cybertype review reports/ -o labels.jsonl --strategy uncertain --limit 200",
               "cybertype review cases.jsonl --results out.jsonl -o labels.jsonl --strategy disagree --label two_cards"],
    "model": ["cybertype model info", "cybertype model info mine.npz -f json"],
    "info": ["cybertype model info", "CYBERTYPE_MODEL=mine.npz cybertype model info -f json"],
    "config": ["cybertype config", "CYBERTYPE_REDACT=full cybertype config -f json"],
    "rules": ["cybertype rules list", "cybertype rules check my_rules/", "cybertype rules test --rules my_rules/"],
    "list": ["cybertype rules list", "cybertype rules list --rules my_rules/ -f json"],
    "check": ["cybertype rules check", "cybertype rules check my_rules/"],
    "test": ["cybertype rules test", "cybertype rules test --rules my_rules/ --no-builtin-rules"],
    "stats": ["cybertype rules stats samples/train.jsonl", "cybertype rules stats labeled.jsonl -f json"],
}


def examples(name: str) -> str:
    """The epilog of command `name`: its examples, one per line."""
    # Rich help joins the lines of a paragraph; a blank line between examples keeps one per line.
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in EXAMPLES[name])


# Help shows a value's kind in words a shell user reads (TEXT, N, PATH ...), never a Python type name.
_KINDS = {"str": "TEXT", "int": "N", "int range": "N", "float": "P", "float range": "P", "path": "PATH",
          "Path": "PATH", "file": "FILE", "directory": "DIR"}


def _tidy_type(shown: str | None, flag: bool) -> str:
    if flag or not shown:
        return ""
    repeat = shown.endswith("...")
    core = shown.removesuffix("...").strip("<>")
    m = re.fullmatch(r"list\[(.*)\]", core)
    if m:
        core, repeat = m.group(1), True
    word = _KINDS.get(core, core if "|" in core or core.isupper() else core.upper())
    return word + ("..." if repeat else "")


def _tidy(param):
    if not getattr(param, "_tidy", False):
        shown = param.display_type_rich
        flag = bool(getattr(param, "is_flag", False))
        # Set on the instance, which is looked up before the class: only help output changes, not parsing.
        param.display_type_rich = lambda ctx, shown=shown, flag=flag: _tidy_type(shown(ctx), flag)
        param._tidy = True
    return param


def tidy_help(command) -> None:
    """Give every parameter of `command` and of its subcommands (--help and completion options too, which
    click adds as it lists them) a help type in words."""
    listed = command.get_params
    command.get_params = lambda ctx, listed=listed: [_tidy(p) for p in listed(ctx)]
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)


class Group(TyperGroup):
    """The app's command group: tidies the help of every command it is built with."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tidy_help(self)


app = typer.Typer(
    cls=Group,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,  # incident texts are sensitive: never print local variables
    help="Label cybercrime incident descriptions: pig_butchering, fake_anchor_tipping, two_cards, "
    "online_gambling, defamation, or none.",
    epilog=examples("cybertype"),
)
rules_app = typer.Typer(cls=Group, no_args_is_help=True, help="List, check, test and measure keyword rules.",
                        epilog=examples("rules"))
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
        import hashlib

        from cybertype.model.linear import default_model_path
        from cybertype.rules import load_rules

        typer.echo(f"cybertype {__version__}")
        typer.echo(f"rules sha256 {load_rules().sha256} (built-in)")
        try:
            typer.echo(f"model sha256 {hashlib.sha256(default_model_path().read_bytes()).hexdigest()} (built-in)")
        except OSError:
            typer.echo("model: none shipped")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("-V", "--version", callback=_version, is_eager=True,
                                          help="Show the version and the SHA-256 of the built-in rules and model.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    state["debug"] = debug


