"""The `cybertype` command: the Typer app, a thin layer over the library API, one short function per command.

Options that several commands take are declared once, as bundles in `cli/options.py` (as sqlite-utils
does with its `output_options` decorator); how the command ends (exit codes) is in `cli/errors.py`.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.errors import UsageProblem, errors, run, state
from cybertype.cli.options import (
    Fields, RulesModel, format_option, input_options, max_bytes_option, rules_model_options,
)
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


def _default_format(fmt: Fmt | None) -> Fmt:
    if fmt is not None:
        return fmt
    return Fmt.table if sys.stdout.isatty() else Fmt.jsonl


@app.command()
@errors
@format_option(Fmt, None, help="Default: table on a terminal, else jsonl.")
@input_options
@max_bytes_option
@rules_model_options(decision=True)
def classify(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Text, JSONL, JSON or CSV files; '-' for stdin.")] = None,
    format: Fmt | None = None,
    input_format: Annotated[InFmt, typer.Option("--input-format", help="auto: by extension; stdin: jsonl if the first line is an object.")] = InFmt.auto,
    fields: Fields = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show the evidence in context (table output).")] = False,
    max_bytes: int = 0,
    setup: RulesModel = None,
) -> None:
    """Label texts from files or standard input."""
    from cybertype.io import inputs, outputs, stdin
    from cybertype.classifier import classify_records

    if not paths:
        if sys.stdin.isatty():
            raise UsageProblem("no input: give a file path, or pipe text into `cybertype classify -`")
        paths = ["-"]
    clf = setup.classifier()
    fmt = _default_format(format)
    texts: dict[int, str] = {}

    def records():
        k = 0
        for p in paths:
            it = (stdin.read_stdin(input_format=input_format.value, text_field=fields.text, id_field=fields.id,
                                   max_bytes=max_bytes, encoding=fields.encoding)
                  if p == "-" else
                  inputs.read_path(p, input_format.value, text_field=fields.text, id_field=fields.id,
                                   max_bytes=max_bytes, encoding=fields.encoding))
            for rec in it:
                if explain:
                    texts[k] = rec.text
                k += 1
                yield rec

    # Standard input is labeled record by record, so each result is out as soon as its line is in.
    results = classify_records(clf, records(), chunk=1) if "-" in paths else classify_records(clf, records())
    out = outputs.stdout()
    writer = {
        Fmt.jsonl: lambda rs: outputs.write_jsonl(rs, out),
        Fmt.csv: lambda rs: outputs.write_csv(rs, out),
        Fmt.json: lambda rs: outputs.write_json(rs, out),
        Fmt.table: lambda rs: outputs.write_table(rs, out, explain=explain, texts=texts),
    }[fmt]
    failed = sum(1 for r in writer(results) if r.error is not None)
    if clf.model is not None and clf.rules_only_labels:
        typer.echo(f"note: the model cannot predict {', '.join(clf.rules_only_labels)}; "
                   "those labels rest on the rules alone", err=True)
    if failed:
        typer.echo(f"cybertype: {failed} input(s) could not be classified (see their error records)", err=True)
        raise typer.Exit(1)


class By(str, Enum):
    writer = "writer"
    style = "style"
    lang = "lang"
    length = "length"
    topic = "topic"


class BatchFmt(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"  # dataset output only (engine dask)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


@app.command()
@errors
@format_option(BatchFmt, BatchFmt.jsonl)
@input_options
@max_bytes_option
@rules_model_options(no_model=False)
def batch(
    folders: Annotated[list[Path], typer.Argument(help="Folders to label (recursively); with --engine dask also a "
                                                       "JSONL/Parquet dataset (file or folder of parts).")],
    output: Annotated[str, typer.Option("-o", "--output", help="Output file; '-' for stdout; a folder (DIR/) of "
                                                               "part files for a dataset.")],
    glob: Annotated[list[str], typer.Option("--glob", help="File pattern to include; repeatable.")] = [],
    exclude: Annotated[list[str], typer.Option("--exclude", help="File or folder pattern to skip; repeatable.")] = [],
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Worker processes (default: CPUs).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip texts already in OUT and append the rest.")] = False,
    sort_into: Annotated[Optional[Path], typer.Option("--sort-into", help="Link each file under DIR/<primary>/.")] = None,
    engine: Annotated[Engine, typer.Option("--engine")] = Engine.local,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (engine dask).")] = None,
    format: BatchFmt = BatchFmt.jsonl,
    summary: Annotated[Optional[Path], typer.Option("--summary", help="Also write the summary as JSON here.")] = None,
    skip_none: Annotated[bool, typer.Option("--skip-none", help="Leave 'none' records out (still counted).")] = False,
    max_bytes: int = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary on stderr.")] = False,
    fields: Fields = None,
    setup: RulesModel = None,
) -> None:
    """Label every matching file under the folders, in parallel; resumable."""
    from cybertype.batch.run import BatchOptions, run_batch

    opts = BatchOptions(
        folders=folders, output=output, globs=glob, excludes=exclude, workers=workers, resume=resume,
        sort_into=sort_into, engine=engine.value, scheduler=scheduler, format=format.value, summary=summary,
        skip_none=skip_none, max_bytes=max_bytes, quiet=quiet, text_field=fields.text, id_field=fields.id,
        encoding=fields.encoding,
        rules=setup.rules, builtin_rules=setup.builtin_rules, model=setup.model,
    )
    failed = run_batch(opts)
    if failed:
        raise typer.Exit(1)


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
@errors
def schema() -> None:
    """Print the JSON Schema of one output record."""
    from cybertype.result import Result

    typer.echo(json.dumps(Result.model_json_schema(), ensure_ascii=False, indent=2))


@rules_app.command("list")
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


@rules_app.command("check")
@errors
def rules_check(
    folder: Annotated[Optional[Path], typer.Argument(help="Rule folder or file (default: the built-in rules).")] = None,
) -> None:
    """Validate rule files; exit 2 naming file, rule and field on any error."""
    from cybertype.rules import load_rules

    rs = load_rules([folder], builtin=False) if folder else load_rules()
    typer.echo(f"ok: {len(rs)} rules in {len(rs.files)} file(s)")


@rules_app.command("test")
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


@rules_app.command("stats")
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


def main() -> None:
    """Entry point: run the app (see `errors.run` for how it ends)."""
    run(app)
