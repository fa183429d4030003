"""`cybertype train` and `cybertype evaluate`: make a model from labeled texts, and score one against them."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.app import ListFmt, app, examples
from cybertype.cli.errors import errors
from cybertype.cli.options import RulesModel, format_option, rules_model_options


class By(str, Enum):
    writer = "writer"
    style = "style"
    lang = "lang"
    length = "length"
    topic = "topic"


@app.command(epilog=examples("train"))
@errors
@rules_model_options(model=False)
def train(
    corpus: Annotated[Path, typer.Argument(help="Labeled JSON Lines (id, text, labels, primary).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the model file.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
    setup: RulesModel = None,
) -> None:
    """Train the text model and its fusion with the rules; print cross-validated F1."""
    from cybertype.model import linear as model_module
    from cybertype.classifier import Classifier
    from cybertype.corpus import read_corpus
    from cybertype.model.train import MIN_POSITIVES, TrainConfig
    from cybertype.model.train import train as train_model

    records = read_corpus(corpus)
    rule_clf = Classifier(rules_dirs=setup.rules, builtin_rules=setup.builtin_rules, model=None)
    scores = [rule_clf.rule_scores(r.text)[0] for r in records]
    cfg = TrainConfig(seed=seed)
    m, report = train_model(records, cfg, rule_scores=scores, rules_sha256=rule_clf.ruleset.sha256)
    for label, n in report.skipped.items():
        typer.secho(f"WARNING: only {n} example(s) of {label} (need {MIN_POSITIVES} positives and negatives): "
                    f"the model will not predict it; it rests on the rules alone", fg="yellow", err=True)
    model_module.save(m, output)
    from cybertype.io import tables  # rich loads only when a table is shown

    tables.training(report, cfg.folds, m.fusion)
    typer.echo(f"model written to {output}", err=True)


@app.command(epilog=examples("evaluate"))
@errors
@format_option(ListFmt, ListFmt.table)
@rules_model_options(decision=True)
def evaluate(
    labeled: Annotated[Path, typer.Argument(help="Labeled JSON Lines to score against.")],
    format: ListFmt = ListFmt.table,
    ablate: Annotated[bool, typer.Option("--ablate", help="Also report rules-only and model-only.")] = False,
    by: Annotated[Optional[By], typer.Option(
        "--by", help="Break the fused figures down by writer, style, lang, length or topic.")] = None,
    setup: RulesModel = None,
) -> None:
    """Per-label precision/recall/F1, micro/macro F1, primary accuracy, none FP rate, confusion matrix."""
    from cybertype.corpus import read_corpus
    from cybertype.evaluate.metrics import breakdown
    from cybertype.evaluate.metrics import evaluate as run

    gold = read_corpus(labeled)
    clf = setup.classifier()
    if by is not None:
        slices = breakdown(clf, gold, by.value)
        if format == ListFmt.json:
            typer.echo(json.dumps({k: r.model_dump() for k, r in slices.items()}, ensure_ascii=False, indent=2))
            return
        from cybertype.evaluate.report import print_breakdown

        print_breakdown(by.value, slices)
        return
    reports = run(clf, gold, modes=("fused", "rules", "model") if ablate else ("fused",))
    if format == ListFmt.json:
        typer.echo(json.dumps([r.model_dump() for r in reports], ensure_ascii=False, indent=2))
        return
    from cybertype.evaluate.report import print_reports

    print_reports(reports)
