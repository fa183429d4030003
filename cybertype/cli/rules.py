"""`cybertype rules list|check|test|stats`: look after the keyword rules."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.app import ListFmt, examples, rules_app
from cybertype.cli.errors import errors
from cybertype.cli.options import RulesModel, format_option, rules_model_options


@rules_app.command("list", epilog=examples("list"))
@errors
@format_option(ListFmt, ListFmt.table)
@rules_model_options(model=False)
def rules_list(format: ListFmt = ListFmt.table, setup: RulesModel = None) -> None:
    """List the loaded rules."""
    rs = setup.ruleset()
    if format == ListFmt.json:
        typer.echo(json.dumps([r.model_dump() | {"source": r.source} for r in rs.rules], ensure_ascii=False, indent=2))
        return
    from cybertype.io import tables  # rich loads only when a table is shown

    tables.rules(rs)


@rules_app.command("check", epilog=examples("check"))
@errors
def rules_check(
    folder: Annotated[Optional[Path], typer.Argument(help="Rule folder or file (default: the built-in rules).")] = None,
) -> None:
    """Validate rule files; exit 2 naming file, rule and field on any error."""
    from cybertype.rules import load_rules

    rs = load_rules([folder], builtin=False) if folder else load_rules()
    typer.echo(f"ok: {len(rs)} rules in {len(rs.files)} file(s)")


@rules_app.command("test", epilog=examples("test"))
@errors
@rules_model_options(model=False)
def rules_test(setup: RulesModel = None) -> None:
    """Run every rule's examples (must fire) and counter-examples (must not); exit 1 on failure."""
    from cybertype.rules.testing import run_rule_examples

    rs = setup.ruleset()
    failures, checked = run_rule_examples(rs)
    for f in failures:
        typer.echo(f"FAIL {f}")
    typer.echo(f"{checked - len(failures)} passed, {len(failures)} failed")
    if failures:
        raise typer.Exit(1)


@rules_app.command("stats", epilog=examples("stats"))
@errors
@format_option(ListFmt, ListFmt.table)
@rules_model_options(model=False)
def rules_stats(
    labeled: Annotated[Path, typer.Argument(help="Labeled JSON Lines to measure the rules against.")],
    format: ListFmt = ListFmt.table,
    setup: RulesModel = None,
) -> None:
    """For every rule: how often it fires, its precision against gold labels, overlaps and conflicts."""
    from cybertype.corpus import read_corpus
    from cybertype.rules import load_rules
    from cybertype.rules.stats import rule_stats

    stats = rule_stats(setup.ruleset(), read_corpus(labeled))
    if format == ListFmt.json:
        typer.echo(json.dumps([s.model_dump() for s in stats], ensure_ascii=False, indent=2))
        return
    from cybertype.io import tables  # rich loads only when a table is shown

    tables.rule_stats(stats)
