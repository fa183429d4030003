"""`cybertype train`, `cybertype evaluate` and `cybertype model info`: make a model (with its card), score it, read its card."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.app import Group, ListFmt, app, examples
from cybertype.cli.errors import UsageProblem, errors
from cybertype.cli.options import RulesModel, format_option, rules_model_options


model_app = typer.Typer(cls=Group, no_args_is_help=True, help="Look inside model files.", epilog=examples("model"))
app.add_typer(model_app, name="model")


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
    corpus: Annotated[Optional[list[Path]], typer.Argument(
        help="Labeled JSON Lines (id, text, labels, primary); default: the shipped corpus, samples/train.jsonl.")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the model file.")] = ...,
    add: Annotated[list[Path], typer.Option("--add", help="Your labels (e.g. from `cybertype review`) to train on "
                                                          "as well; repeatable.")] = [],
    weight_added: Annotated[float, typer.Option("--weight-added", help="Sample weight of each --add record.")] = 1.0,
    only: Annotated[bool, typer.Option("--only", help="Train on the given files alone, without the shipped corpus.")]
    = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fold split and the solver, for a reproducible model.")] = 0,
    date: Annotated[Optional[str], typer.Option("--date", help="Date recorded in the model card (YYYY-MM-DD; "
                                                               "default today), so a retrain can give the same bytes.")]
    = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
    quick: Annotated[bool, typer.Option("--quick", help="Skip the cross-fitted cross-writer figures (for "
                                                        "simulations that retrain often).")] = False,
    setup: RulesModel = None,
) -> None:
    """Train the text model and its fusion with the rules; print cross-validated F1. The card goes in the file."""
    from cybertype.io.targets import check_distinct
    from cybertype.model import linear as model_module
    from cybertype.model.train import MIN_POSITIVES, TrainConfig
    from cybertype.review.retrain import train_files, training_files

    cfg = TrainConfig(seed=seed, folds=folds, cross_fit=not quick)
    files = training_files(list(corpus or []), add, only)
    # Before minutes of training: the model must not land on the corpus, an --add file or a rule file.
    check_distinct(setup.reads() + [("the corpus", f) for f in files] + [("--add", f) for f in add], [("-o", output)])
    done = train_files(files, add, weight_added=weight_added, cfg=cfg, rules_dirs=setup.rules,
                       builtin_rules=setup.builtin_rules, date=date)
    m, report = done.model, done.report
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
    compare: Annotated[bool, typer.Option(
        "--compare", help="The shipped model and --model side by side, with the difference per label.")] = False,
    setup: RulesModel = None,
) -> None:
    """Per-label precision/recall/F1, micro/macro F1, primary accuracy, none FP rate, confusion matrix."""
    from cybertype.corpus import read_corpus
    from cybertype.evaluate.metrics import breakdown
    from cybertype.evaluate.metrics import evaluate as run

    gold = read_corpus(labeled)
    if compare:
        _compare(gold, format, setup)
        return
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


def _compare(gold, format: ListFmt, setup: RulesModel) -> None:
    from cybertype.evaluate.compare import compare

    if setup.model is None or setup.no_model:
        raise UsageProblem("--compare needs the model to set beside the shipped one: --model FILE (or CYBERTYPE_MODEL)")
    result = compare(gold, setup.model, rules_dirs=setup.rules, builtin_rules=setup.builtin_rules,
                     precision=setup.precision)
    if format == ListFmt.json:
        typer.echo(json.dumps({"shipped": result["shipped"].model_dump(), "model": result["model"].model_dump(),
                               "difference": result["difference"]}, ensure_ascii=False, indent=2))
        return
    from cybertype.evaluate.report import print_comparison

    print_comparison(result)


@model_app.command("info", epilog=examples("info"))
@errors
@format_option(ListFmt, ListFmt.table)
def info(
    model: Annotated[Optional[Path], typer.Argument(
        envvar="CYBERTYPE_MODEL", help="Model file; default: CYBERTYPE_MODEL, else the shipped model.")] = None,
    format: ListFmt = ListFmt.table,
) -> None:
    """Print the model card: training files (SHA-256, counts), date, seed, rules hash, figures, thresholds."""
    import hashlib

    from cybertype.model import card as model_card
    from cybertype.model import linear as model_module

    path = model or model_module.default_model_path()
    m = model_module.load(path)  # verifies the file (and the card against it) first
    if m.card is None:
        raise UsageProblem(f"{path}: this model has no card (trained before cards); retrain it with `cybertype train`")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if format == ListFmt.json:
        typer.echo(json.dumps({"model": str(path), "model_sha256": sha, "card_sha256": model_card.digest(m.card),
                               **m.card}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"model {path}\n  sha256 {sha}")
    for line in model_card.lines(m.card):
        typer.echo(line)
