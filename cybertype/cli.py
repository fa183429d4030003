"""The `cybertype` command: a thin Typer layer over the library API."""
from __future__ import annotations

import functools
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # incident texts are sensitive: never print local variables
    help="Label cybercrime incident descriptions: pig_butchering, fake_anchor_tipping, two_cards, "
    "online_gambling, defamation, or none.",
)
rules_app = typer.Typer(no_args_is_help=True, help="List, check, test and measure keyword rules.")
app.add_typer(rules_app, name="rules")

_state = {"debug": False}
# Typer (>= 0.2x) ships its own copy of click: take its exception base from Typer, not from `import click`
# (click is not even installed unless something else needs it).
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


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


class UsageProblem(Exception):
    """A usage or configuration error: one line on stderr, exit code 2."""


def _errors(func):
    """Turn configuration and usage errors into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from cybertype.corpus import CorpusError
        from cybertype.rules import RuleSetError

        try:
            return func(*args, **kwargs)
        except RuleSetError as exc:
            if _state["debug"]:
                raise
            for line in exc.problems:
                typer.echo(f"cybertype: rule error: {line}", err=True)
            raise typer.Exit(2) from None
        except (UsageProblem, CorpusError, ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            if _state["debug"]:
                raise
            typer.echo(f"cybertype: {_one_line(exc)}", err=True)
            raise typer.Exit(2) from None
        except BrokenPipeError:
            # The reader of stdout went away (`| head -1`): a normal end, not an error. Caught here because
            # Typer would otherwise turn it into exit code 1.
            _quiet_stdout()
            raise typer.Exit(0) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cybertype {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


RulesOpt = Annotated[list[Path], typer.Option("--rules", help="Folder (or file) of extra rule files; repeatable.")]
NoBuiltin = Annotated[bool, typer.Option("--no-builtin-rules", help="Do not load the built-in rules.")]
ModelOpt = Annotated[Optional[Path], typer.Option("--model", help="Use this trained model instead of the built-in one.")]
NoModel = Annotated[bool, typer.Option("--no-model", help="Rules only: do not use any model.")]


def _classifier(rules: list[Path], no_builtin_rules: bool, model: Path | None, no_model: bool = False):
    from cybertype.classifier import DEFAULT, Classifier

    return Classifier(rules_dirs=rules, builtin_rules=not no_builtin_rules,
                      model=None if no_model else (model or DEFAULT))


def _default_format(fmt: Fmt | None) -> Fmt:
    if fmt is not None:
        return fmt
    return Fmt.table if sys.stdout.isatty() else Fmt.jsonl


@app.command()
@_errors
def classify(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Text, JSONL, JSON or CSV files; '-' for stdin.")] = None,
    format: Annotated[Optional[Fmt], typer.Option("-f", "--format", help="Default: table on a terminal, else jsonl.")] = None,
    input_format: Annotated[InFmt, typer.Option("--input-format", help="auto: by extension; stdin: jsonl if every line is an object.")] = InFmt.auto,
    text_field: Annotated[str, typer.Option("--text-field", help="Field holding the text (JSONL/CSV).")] = "text",
    id_field: Annotated[str, typer.Option("--id-field", help="Field holding the id (JSONL/CSV).")] = "id",
    explain: Annotated[bool, typer.Option("--explain", help="Show the evidence in context (table output).")] = False,
    rules: RulesOpt = [],
    no_builtin_rules: NoBuiltin = False,
    model: ModelOpt = None,
    no_model: NoModel = False,
) -> None:
    """Label texts from files or standard input."""
    from cybertype import inputs, outputs
    from cybertype.classifier import classify_records

    if not paths:
        if sys.stdin.isatty():
            raise UsageProblem("no input: give a file path, or pipe text into `cybertype classify -`")
        paths = ["-"]
    clf = _classifier(rules, no_builtin_rules, model, no_model)
    fmt = _default_format(format)
    texts: dict[int, str] = {}

    def records():
        k = 0
        for p in paths:
            it = (inputs.read_stdin(input_format=input_format.value, text_field=text_field, id_field=id_field)
                  if p == "-" else
                  inputs.read_path(p, input_format.value, text_field=text_field, id_field=id_field))
            for rec in it:
                if explain:
                    texts[k] = rec.text
                k += 1
                yield rec

    results = classify_records(clf, records())
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


class BatchFmt(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"  # dataset output only (engine dask)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


@app.command()
@_errors
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
    format: Annotated[BatchFmt, typer.Option("-f", "--format")] = BatchFmt.jsonl,
    summary: Annotated[Optional[Path], typer.Option("--summary", help="Also write the summary as JSON here.")] = None,
    skip_none: Annotated[bool, typer.Option("--skip-none", help="Leave 'none' records out (still counted).")] = False,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="Classify only the first N bytes of a file.")] = 4 << 20,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary on stderr.")] = False,
    text_field: Annotated[str, typer.Option("--text-field")] = "text",
    id_field: Annotated[str, typer.Option("--id-field")] = "id",
    rules: RulesOpt = [],
    no_builtin_rules: NoBuiltin = False,
    model: ModelOpt = None,
) -> None:
    """Label every matching file under the folders, in parallel; resumable."""
    from cybertype.batchrun import BatchOptions, run_batch

    opts = BatchOptions(
        folders=folders, output=output, globs=glob, excludes=exclude, workers=workers, resume=resume,
        sort_into=sort_into, engine=engine.value, scheduler=scheduler, format=format.value, summary=summary,
        skip_none=skip_none, max_bytes=max_bytes, quiet=quiet, text_field=text_field, id_field=id_field,
        rules=rules, builtin_rules=not no_builtin_rules, model=model,
    )
    failed = run_batch(opts)
    if failed:
        raise typer.Exit(1)


@app.command()
@_errors
def train(
    corpus: Annotated[Path, typer.Argument(help="Labeled JSON Lines (id, text, labels, primary).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the model file.")],
    seed: Annotated[int, typer.Option("--seed")] = 0,
    rules: RulesOpt = [],
    no_builtin_rules: NoBuiltin = False,
) -> None:
    """Train the text model and its fusion with the rules; print cross-validated F1."""
    from cybertype import model as model_module
    from cybertype.classifier import Classifier
    from cybertype.corpus import read_corpus
    from cybertype.train import MIN_POSITIVES, TrainConfig
    from cybertype.train import train as train_model

    records = read_corpus(corpus)
    rule_clf = Classifier(rules_dirs=rules, builtin_rules=not no_builtin_rules, model=None)
    scores = [rule_clf.rule_scores(r.text)[0] for r in records]
    cfg = TrainConfig(seed=seed)
    m, report = train_model(records, cfg, rule_scores=scores, rules_sha256=rule_clf.ruleset.sha256)
    for label, n in report.skipped.items():
        typer.secho(f"WARNING: only {n} example(s) of {label} (need {MIN_POSITIVES} positives and negatives): "
                    f"the model will not predict it; it rests on the rules alone", fg="yellow", err=True)
    model_module.save(m, output)
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{report.n_texts} texts, {report.n_features} features: {cfg.folds}-fold cross-validated F1")
    for col in ("label", "rules", "model", "fused", "threshold"):
        table.add_column(col)
    for label, f in report.cv_f1.items():
        table.add_row(label, f"{f['rules']:.3f}", f"{f['model']:.3f}", f"{f['fused']:.3f}",
                      f"{m.fusion[label]['threshold']:.2f}")
    Console(stderr=True).print(table)
    typer.echo(f"model written to {output}", err=True)


@app.command()
@_errors
def evaluate(
    labeled: Annotated[Path, typer.Argument(help="Labeled JSON Lines to score against.")],
    format: Annotated[ListFmt, typer.Option("-f", "--format")] = ListFmt.table,
    ablate: Annotated[bool, typer.Option("--ablate", help="Also report rules-only and model-only.")] = False,
    rules: RulesOpt = [],
    no_builtin_rules: NoBuiltin = False,
    model: ModelOpt = None,
    no_model: NoModel = False,
) -> None:
    """Per-label precision/recall/F1, micro/macro F1, primary accuracy, none FP rate, confusion matrix."""
    from cybertype.corpus import read_corpus
    from cybertype.evaluate import evaluate as run

    gold = read_corpus(labeled)
    clf = _classifier(rules, no_builtin_rules, model, no_model)
    reports = run(clf, gold, modes=("fused", "rules", "model") if ablate else ("fused",))
    if format == ListFmt.json:
        typer.echo(json.dumps([r.model_dump() for r in reports], ensure_ascii=False, indent=2))
        return
    from cybertype.report import print_reports

    print_reports(reports)


@app.command()
@_errors
def labels(format: Annotated[ListFmt, typer.Option("-f", "--format")] = ListFmt.table) -> None:
    """Show the taxonomy: the five typologies and none."""
    from cybertype.labels import all_labels

    items = all_labels()
    if format == ListFmt.json:
        typer.echo(json.dumps([label.model_dump() for label in items], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("id", "中文", "English", "definition", "legal basis"):
        table.add_column(col, overflow="fold")
    for label in items:
        table.add_row(label.id, label.zh, label.en, label.definition, label.legal_basis)
    Console().print(table)


@app.command()
@_errors
def schema() -> None:
    """Print the JSON Schema of one output record."""
    from cybertype.result import Result

    typer.echo(json.dumps(Result.model_json_schema(), ensure_ascii=False, indent=2))


@rules_app.command("list")
@_errors
def rules_list(
    format: Annotated[ListFmt, typer.Option("-f", "--format")] = ListFmt.table,
    rules: RulesOpt = [],
    no_builtin_rules: NoBuiltin = False,
) -> None:
    """List the loaded rules."""
    from cybertype.rules import load_rules

    rs = load_rules(rules, builtin=not no_builtin_rules)
    if format == ListFmt.json:
        typer.echo(json.dumps([r.model_dump() | {"source": r.source} for r in rs.rules], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rs)} rules")
    for col in ("id", "label", "weight", "description"):
        table.add_column(col, overflow="fold")
    for r in rs.rules:
        table.add_row(r.id, r.label, f"{r.weight:g}", r.description)
    Console().print(table)


@rules_app.command("check")
@_errors
def rules_check(
    folder: Annotated[Optional[Path], typer.Argument(help="Rule folder or file (default: the built-in rules).")] = None,
) -> None:
    """Validate rule files; exit 2 naming file, rule and field on any error."""
    from cybertype.rules import load_rules

    rs = load_rules([folder], builtin=False) if folder else load_rules()
    typer.echo(f"ok: {len(rs)} rules in {len(rs.files)} file(s)")


@rules_app.command("test")
@_errors
def rules_test(rules: RulesOpt = [], no_builtin_rules: NoBuiltin = False) -> None:
    """Run every rule's examples (must fire) and counter-examples (must not); exit 1 on failure."""
    from cybertype.rules.testing import run_rule_examples

    from cybertype.rules import load_rules

    rs = load_rules(rules, builtin=not no_builtin_rules)
    failures, checked = run_rule_examples(rs)
    for f in failures:
        typer.echo(f"FAIL {f}")
    typer.echo(f"{checked - len(failures)} passed, {len(failures)} failed")
    if failures:
        raise typer.Exit(1)


@rules_app.command("stats")
@_errors
def rules_stats(
    labeled: Annotated[Path, typer.Argument(help="Labeled JSON Lines to measure the rules against.")],
    format: Annotated[ListFmt, typer.Option("-f", "--format")] = ListFmt.table,
    rules: RulesOpt = [],
    no_builtin_rules: NoBuiltin = False,
) -> None:
    """For every rule: how often it fires, its precision against gold labels, overlaps and conflicts."""
    from cybertype.corpus import read_corpus
    from cybertype.rules import load_rules
    from cybertype.rulestats import rule_stats

    stats = rule_stats(load_rules(rules, builtin=not no_builtin_rules), read_corpus(labeled))
    if format == ListFmt.json:
        typer.echo(json.dumps([s.model_dump() for s in stats], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(stats)} rules")
    for col in ("rule", "label", "weight", "fires", "precision", "overlaps", "conflicts"):
        table.add_column(col, overflow="fold")
    for s in stats:
        prec = "-" if s.precision is None else f"{s.precision:.2f}"
        style = "red" if s.precision is not None and s.precision < 0.7 else None
        table.add_row(s.rule, s.label, f"{s.weight:g}", str(s.fires), prec,
                      ", ".join(f"{o}×{c}" for o, c in s.overlaps), ", ".join(f"{o}×{c}" for o, c in s.conflicts),
                      style=style)
    Console().print(table)


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _quiet_stdout() -> None:
    """The reader of stdout went away: send whatever is still buffered to /dev/null, silently."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main() -> None:
    """Entry point: run the app; a closed pipe or Ctrl-C ends quietly, never with a traceback."""
    try:
        # In this mode click returns the exit code of `typer.Exit` (and 130 for Ctrl-C) instead of exiting.
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (e.g. `| head -1`): stop quietly
        code = 0
    except (KeyboardInterrupt, typer.Abort):
        code = 130
    except _ClickException as exc:
        exc.show()
        code = exc.exit_code
    except Exception as exc:  # noqa: BLE001 - every error ends in a clear line, never a traceback
        if _state["debug"]:
            raise
        sys.stderr.write(f"cybertype: unexpected error: {type(exc).__name__}: {_one_line(exc)} "
                         "(run with --debug for details)\n")
        code = 3
    if code == 130:
        sys.stderr.write("cybertype: interrupted\n")
    sys.exit(code if isinstance(code, int) else 0)
