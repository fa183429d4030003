"""`cybertype classify`: label texts from files or standard input."""
from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand

from cybertype.cli.app import Fmt, InFmt, app, examples
from cybertype.cli.errors import UsageProblem, errors, state
from cybertype.cli.options import (Fields, RulesModel, format_option, input_options, max_bytes_option, redact_option,
                                   rules_model_options)


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _default_format(fmt: Fmt | None, to_terminal: bool) -> Fmt:
    from cybertype.io.settings import resolve

    value = resolve("format", fmt.value if fmt is not None else None)
    if value is not None:
        return Fmt(value)
    return Fmt.table if to_terminal else Fmt.jsonl


class _Command(TyperCommand):
    """`--summary` takes an optional value: given alone (last, or before another option), it means stderr."""

    def parse_args(self, ctx, args):
        fixed = []
        for k, arg in enumerate(args):
            fixed.append(arg)
            if arg == "--summary":
                nxt = args[k + 1] if k + 1 < len(args) else None
                if nxt is None or (nxt.startswith("-") and nxt != "-"):
                    fixed.append("")  # no value: on stderr
        return super().parse_args(ctx, fixed)


def _check_labels(labels: list[str]) -> list[str]:
    from cybertype.labels import LABEL_IDS

    for label in labels:
        if label not in (*LABEL_IDS, "none"):
            raise UsageProblem(f"--label {label!r}: not a label (labels: {', '.join(LABEL_IDS)}, none)")
    return labels


def _keep(r, skip_none: bool, labels: list[str], min_score: float | None) -> bool:
    """Whether a record passes --skip-none, --label and --min-score; error records always pass (nothing is
    dropped silently)."""
    if r.error is not None:
        return True
    if skip_none and r.primary == "none":
        return False
    if labels and not (set(labels) & set(r.labels) or ("none" in labels and r.primary == "none")):
        return False
    if min_score is not None:
        wanted = [x for x in labels if x != "none"] or r.labels
        if max((r.scores.get(x, 0.0) for x in wanted), default=0.0) < min_score:
            return False
    return True


def _summary_text(counts) -> str:
    parts = ", ".join(f"{label} {n}" for label, n in sorted(counts.labels.items())) or "no label"
    return (f"cybertype: {counts.texts} text(s): {parts}; primary none {counts.primary.get('none', 0)}; "
            f"errors {counts.errors}")


@app.command(cls=_Command, epilog=examples("classify"))
@errors
@format_option(Fmt, None, help="Default: CYBERTYPE_FORMAT or the config file, else table on a terminal and jsonl "
                               "otherwise.")
@input_options
@max_bytes_option
@redact_option
@rules_model_options(decision=True)
def classify(
    paths: Annotated[Optional[list[str]], typer.Argument(metavar="PATH",
                                                         help="Text, JSONL, JSON or CSV files; '-' for stdin.")] = None,
    format: Fmt | None = None,
    input_format: Annotated[InFmt, typer.Option("--input-format", help="auto: by extension; stdin: jsonl if the first line is an object.")] = InFmt.auto,
    fields: Fields = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show the evidence in context: in the table, or as each "
                                                            "evidence item's `context` in json/jsonl.")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE",
                                                   help="Write the records to FILE instead of stdout.")] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No notes on stderr (errors still set the exit code).")] = False,
    skip_none: Annotated[bool, typer.Option("--skip-none", help="Leave out records whose primary is none.")] = False,
    label: Annotated[list[str], typer.Option("--label", metavar="LABEL", help="Keep only records with this label "
                                             "(or primary 'none'); repeatable.")] = [],
    min_score: Annotated[Optional[float], typer.Option("--min-score", metavar="P", min=0.0, max=1.0,
                                                       help="Keep only records whose best label (of --label if "
                                                            "given) scores at least P.")] = None,
    summary: Annotated[Optional[str], typer.Option("--summary", metavar="[FILE|-]",
                                                   help="Counts per label: on stderr (no value), or as JSON to "
                                                        "FILE ('-': stdout).")] = None,
    color: Annotated[Optional[Color], typer.Option("--color", help="Colors in the table: auto (on a terminal, unless "
                                                   "NO_COLOR is set), always or never.")] = None,
    max_bytes: int = 0,
    redact: str = "none",
    setup: RulesModel = None,
) -> None:
    """Label texts from files or standard input."""
    from cybertype.batch.counts import Counts
    from cybertype.classifier import classify_records
    from cybertype.io import inputs, outputs, settings, stdin
    from cybertype.io.targets import check_distinct

    state["fast_exit"] = True  # nothing to clean up at exit: no pools, no temporary files
    if not paths:
        if sys.stdin.isatty():
            raise UsageProblem("no input: give a file path, or pipe text into `cybertype classify -`")
        paths = ["-"]
    labels = _check_labels(label)
    summary_file = Path(summary) if summary not in (None, "", "-") else None
    # Before any work: neither the records nor the summary may land on an input, a rule file or the model.
    check_distinct(setup.reads() + [("the input file", Path(p)) for p in paths if p != "-"],
                   [(flag, path) for flag, path in (("-o", output), ("--summary", summary_file)) if path is not None])
    clf = setup.classifier()
    fmt = _default_format(format, output is None and sys.stdout.isatty())
    colors = str(settings.resolve("color", color.value if color is not None else None))
    if explain and fmt == Fmt.csv and not quiet:
        typer.echo("cybertype: --explain adds nothing to CSV (no text column); use -f jsonl for each evidence "
                   "item's context", err=True)
    texts: dict[int, str] = {}
    missing: dict = {"n": 0, "fields": None, "name": fields.text}

    def records():
        k = 0
        for p in paths:
            it = (stdin.read_stdin(input_format=input_format.value, text_field=fields.text, id_field=fields.id,
                                   max_bytes=max_bytes, encoding=fields.encoding)
                  if p == "-" else
                  inputs.read_path(p, input_format.value, text_field=fields.text, id_field=fields.id,
                                   max_bytes=max_bytes, encoding=fields.encoding))
            for rec in it:
                if explain and fmt != Fmt.csv:
                    texts[k] = rec.text
                if rec.error is not None and rec.error[0] == "MissingField":
                    missing["n"] += 1
                    missing["fields"] = missing["fields"] or getattr(rec, "fields", None)
                k += 1
                yield rec

    counts = Counts()
    # Standard input is labeled record by record, so each result is out as soon as its line is in.
    results = classify_records(clf, records(), chunk=1) if "-" in paths else classify_records(clf, records())

    def counted():
        written = 0
        for k, r in enumerate(results):
            counts.add(r)  # the summary counts every record, kept or not
            text = texts.pop(k, None)
            if not _keep(r, skip_none, labels, min_score):
                continue
            if text is not None:
                texts[written] = text  # renumbered: a writer numbers the records it writes
            written += 1
            yield r

    with ExitStack() as stack:
        out = (stack.enter_context(outputs.atomic_output(output, protected=[Path(p) for p in paths if p != "-"]))
               if output is not None else outputs.stdout())
        writer = {
            Fmt.jsonl: lambda rs: outputs.write_jsonl(rs, out, redact=redact, texts=texts if explain else None),
            Fmt.csv: lambda rs: outputs.write_csv(rs, out, redact=redact),
            Fmt.json: lambda rs: outputs.write_json(rs, out, redact=redact, texts=texts if explain else None),
            Fmt.table: lambda rs: outputs.write_table(rs, out, explain=explain, texts=texts, redact=redact,
                                                      color=colors),
        }[fmt]
        failed = sum(1 for r in writer(counted()) if r.error is not None)
    if missing["n"] and not quiet:
        have = f"; the records have: {', '.join(missing['fields'])}" if missing["fields"] else ""
        typer.echo(f"cybertype: {missing['n']} record(s) have no {missing['name']!r} field{have} "
                   "(choose one with --text-field)", err=True)
    if summary is not None:
        _write_summary(summary, counts, quiet)
    if clf.model is not None and clf.rules_only_labels and not quiet:
        typer.echo(f"note: the model cannot predict {', '.join(clf.rules_only_labels)}; "
                   "those labels rest on the rules alone", err=True)
    if failed:
        if not quiet:
            typer.echo(f"cybertype: {failed} input(s) could not be classified (see their error records)", err=True)
        raise typer.Exit(1)


def _write_summary(target: str, counts, quiet: bool) -> None:
    data = {"texts": counts.texts, "errors": counts.errors, "error_types": dict(counts.error_types),
            "primary": dict(sorted(counts.primary.items())), "labels": dict(sorted(counts.labels.items()))}
    if target == "":
        if not quiet:
            typer.echo(_summary_text(counts), err=True)
    elif target == "-":
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        from cybertype.io.outputs import atomic_output

        with atomic_output(Path(target), flag="--summary") as fh:  # whole or not at all, never through a FIFO
            fh.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
