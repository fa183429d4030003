"""`cybertype report`: one self-contained HTML page about an output file, to look at and pass on."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.app import app, examples
from cybertype.cli.errors import errors
from cybertype.cli.options import Redact

@app.command(epilog=examples("report"))
@errors
def report(
    results: Annotated[Path, typer.Argument(metavar="OUT.jsonl", help="A JSON Lines output of classify or batch.")],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Where to write the HTML page.")],
    inputs: Annotated[Optional[Path], typer.Option("--inputs", metavar="DIR", help="The folder the batch read (the "
                                                   "records' sources are relative to it): shows evidence in its context.")] = None,
    summary: Annotated[Optional[Path], typer.Option("--summary", metavar="FILE", help="The batch summary JSON "
                                                    "(batch --summary FILE): provenance, rules and model hashes.")] = None,
    redact: Annotated[Optional[Redact], typer.Option("--redact", help="How personal data is masked: full "
                                                     "([PHONE]), partial ([CARD:6222…0123]) or none. Default: "
                                                     "CYBERTYPE_REDACT or the config file, else full.")] = None,
    no_redact: Annotated[bool, typer.Option("--no-redact", help="Show personal data unmasked (same as --redact none).")] = False,
    text_field: Annotated[str, typer.Option("--text-field", metavar="NAME", help="Field holding the text in JSONL/CSV inputs.")] = "text",
    id_field: Annotated[str, typer.Option("--id-field", metavar="NAME", help="Field holding the id in JSONL/CSV inputs.")] = "id",
) -> None:
    """Write one self-contained HTML report (charts, provenance, sortable records) of an output file."""
    from cybertype.io import report as rep
    from cybertype.io.outputs import atomic_output
    from cybertype.io.report_html import render
    from cybertype.io.settings import load
    from cybertype.io.targets import check_distinct

    check_distinct([("OUT.jsonl", results)] + ([("--summary", summary)] if summary else []), [("-o", output)])

    if no_redact:
        mode = "none"
    elif redact is not None:
        mode = redact.value
    else:
        setting = load()["redact"]
        mode = "full" if setting.origin == "default" else str(setting.value)  # on by default in a report
    page = render(rep.build(results, summary=summary, inputs=inputs, redact=mode, text_field=text_field,
                            id_field=id_field))
    with atomic_output(output, protected=[results, *([summary] if summary else [])], flag="-o") as fh:
        fh.write(page)
    typer.echo(f"wrote {output} ({len(page.encode('utf-8')) // 1024} KiB)", err=True)
