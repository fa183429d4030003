"""`cybertype classify`: label texts from files or standard input."""
from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from cybertype.cli.app import Fmt, InFmt, app, examples
from cybertype.cli.errors import UsageProblem, errors
from cybertype.cli.options import (Fields, RulesModel, format_option, input_options, max_bytes_option, redact_option,
                                   rules_model_options)


def _default_format(fmt: Fmt | None) -> Fmt:
    if fmt is not None:
        return fmt
    return Fmt.table if sys.stdout.isatty() else Fmt.jsonl


@app.command(epilog=examples("classify"))
@errors
@format_option(Fmt, None, help="Default: table on a terminal, else jsonl.")
@input_options
@max_bytes_option
@redact_option
@rules_model_options(decision=True)
def classify(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Text, JSONL, JSON or CSV files; '-' for stdin.")] = None,
    format: Fmt | None = None,
    input_format: Annotated[InFmt, typer.Option("--input-format", help="auto: by extension; stdin: jsonl if the first line is an object.")] = InFmt.auto,
    fields: Fields = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show the evidence in context (table output).")] = False,
    max_bytes: int = 0,
    redact: str = "none",
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
        Fmt.jsonl: lambda rs: outputs.write_jsonl(rs, out, redact=redact),
        Fmt.csv: lambda rs: outputs.write_csv(rs, out, redact=redact),
        Fmt.json: lambda rs: outputs.write_json(rs, out, redact=redact),
        Fmt.table: lambda rs: outputs.write_table(rs, out, explain=explain, texts=texts, redact=redact),
    }[fmt]
    failed = sum(1 for r in writer(results) if r.error is not None)
    if clf.model is not None and clf.rules_only_labels:
        typer.echo(f"note: the model cannot predict {', '.join(clf.rules_only_labels)}; "
                   "those labels rest on the rules alone", err=True)
    if failed:
        typer.echo(f"cybertype: {failed} input(s) could not be classified (see their error records)", err=True)
        raise typer.Exit(1)
