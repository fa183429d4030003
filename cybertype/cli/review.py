"""`cybertype review`: label the texts most worth a look in a terminal UI; answers go to a corpus-format file."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.app import examples, app
from cybertype.cli.errors import UsageProblem, errors
from cybertype.cli.options import Fields, RulesModel, input_options, rules_model_options


class Strategy(str, Enum):
    """Which texts review asks about first (see `review.select`)."""

    uncertain = "uncertain"
    disagree = "disagree"
    random = "random"


@app.command(epilog=examples("review"))
@errors
@input_options
@rules_model_options(decision=True)
def review(
    inputs: Annotated[list[Path], typer.Argument(help="Texts to review: files, folders, JSONL or CSV.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Answers file (JSON Lines, corpus format); "
                                                                "appended to, so a second run resumes.")],
    strategy: Annotated[Strategy, typer.Option("--strategy", help="Which texts first: uncertain (near a threshold), "
                                               "disagree (rules and model part ways), random (a seeded sample).")]
    = Strategy.uncertain,
    label: Annotated[Optional[str], typer.Option("--label", help="Only texts about this typology.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Ask about at most N texts.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --strategy random.")] = 0,
    results: Annotated[Optional[Path], typer.Option(
        "--results", help="An earlier classify/batch output (JSONL) of these inputs: its predictions are reviewed "
                          "instead of classifying again.")] = None,
    fields: Fields = None,
    setup: RulesModel = None,
) -> None:
    """Review texts one at a time (accept, toggle labels 1-5, primary, none, skip, undo, note, quit)."""
    from cybertype.review.session import prepare

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageProblem("review is interactive: run it in a terminal")
    session = prepare(inputs, output, setup.classifier(), strategy=strategy.value, label=label, limit=limit, seed=seed,
                      results=results, text_field=fields.text, id_field=fields.id, encoding=fields.encoding)
    answers = session.answers
    if session.unreadable:
        typer.echo(f"cybertype: {session.unreadable} input(s) could not be read and are left out", err=True)
    if not session.items:
        answers.close()
        typer.echo(f"nothing to review: {len(answers.records)} text(s) already answered in {output}", err=True)
        return
    from cybertype.review.app import ReviewApp

    try:
        outcome = ReviewApp(session.items, answers).run()
    finally:
        answers.close()
    if outcome is not None:
        typer.echo(f"{outcome.answered} answered, {outcome.skipped} skipped, {outcome.left} left; "
                   f"{len(answers.records)} answer(s) in {output}", err=True)
