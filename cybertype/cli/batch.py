"""`cybertype batch`: label whole folders (or datasets) in parallel, resumably."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cybertype.cli.app import app, examples
from cybertype.cli.errors import errors
from cybertype.cli.options import (Fields, RulesModel, format_option, input_options, max_bytes_option, redact_option,
                                   rules_model_options)


class BatchFmt(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"  # dataset output only (engine dask)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


@app.command(epilog=examples("batch"))
@errors
@format_option(BatchFmt, BatchFmt.jsonl)
@input_options
@max_bytes_option
@redact_option
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
    engine: Annotated[Engine, typer.Option("--engine", help="local: worker processes here; dask: a Dask cluster.")] = Engine.local,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (engine dask).")] = None,
    format: BatchFmt = BatchFmt.jsonl,
    summary: Annotated[Optional[Path], typer.Option("--summary", metavar="FILE|-", help="Also write the summary as JSON here ('-': stdout).")] = None,
    skip_none: Annotated[bool, typer.Option("--skip-none", help="Leave 'none' records out (still counted).")] = False,
    max_bytes: int = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary on stderr.")] = False,
    fields: Fields = None,
    redact: str = "none",
    setup: RulesModel = None,
) -> None:
    """Label every matching file under the folders, in parallel; resumable."""
    from cybertype.batch.run import BatchOptions, run_batch

    opts = BatchOptions(
        folders=folders, output=output, globs=glob, excludes=exclude, workers=workers, resume=resume,
        sort_into=sort_into, engine=engine.value, scheduler=scheduler, format=format.value, summary=summary,
        skip_none=skip_none, max_bytes=max_bytes, quiet=quiet, text_field=fields.text, id_field=fields.id,
        encoding=fields.encoding, redact=redact,
        rules=setup.rules, builtin_rules=setup.builtin_rules, model=setup.model,
    )
    failed = run_batch(opts)
    if failed:
        raise typer.Exit(1)
