"""The `cybertype batch` run: options, output file handling, progress, summary and sort-into.

Kept apart from `batch` (the library API) so the API stays free of terminal concerns.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from cybertype import batch as B
from cybertype import outputs


@dataclass
class BatchOptions:
    folders: list[Path]
    output: str
    globs: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    workers: int | None = None
    resume: bool = False
    sort_into: Path | None = None
    engine: str = "local"
    scheduler: str | None = None
    format: str = "jsonl"
    summary: Path | None = None
    skip_none: bool = False
    max_bytes: int = B.DEFAULT_MAX_BYTES
    quiet: bool = False
    text_field: str = "text"
    id_field: str = "id"
    rules: list[Path] = field(default_factory=list)
    builtin_rules: bool = True
    model: Path | None = None


def _terminate(signum, frame):  # SIGTERM ends the run like Ctrl-C: pool stopped, lines complete
    raise KeyboardInterrupt


def run_batch(o: BatchOptions) -> int:
    """Run a batch; return the number of error records. Raises ValueError for usage problems."""
    from cybertype.classifier import DEFAULT
    from cybertype.model import default_model_path
    from cybertype.rules import load_rules

    for f in o.folders:
        if not f.exists():
            raise ValueError(f"no such folder: {f}")
    ruleset = load_rules(o.rules, builtin=o.builtin_rules)  # fail fast (exit 2) before any work
    if o.model is not None:
        from cybertype.model import load

        load(o.model)
    from cybertype import dask_engine  # imports Dask only when it runs

    if o.engine == "dask":
        dask_engine.require_dask()  # exit 2 with the install hint, before any work
    if dask_engine.is_dataset(o.folders, o.output):
        return _run_dataset(o, ruleset)
    if o.format == "parquet":
        raise ValueError("-f parquet writes a dataset: give a .jsonl/.parquet dataset, -o DIR/ and --engine dask")
    to_stdout = o.output == "-"
    out_path = None if to_stdout else Path(o.output)
    if o.resume and to_stdout:
        raise ValueError("--resume needs an output file, not stdout")
    items = list(B.walk(o.folders, o.globs or B.DEFAULT_GLOBS, o.excludes))
    if out_path is not None and out_path.exists():
        # The output may lie among the inputs (hard links and symlinks included): only an earlier
        # output of ours, resumed, is allowed there, and it is then not read as an input.
        clash = [i for i in items if B.same_file(i.path, out_path)]
        if clash and not (o.resume and B.is_our_output(out_path, o.format)):
            raise ValueError(f"refusing to overwrite input file {out_path} (it is among the files to label: "
                             "write the output elsewhere or --exclude it)")
        items = [i for i in items if i not in clash]
    done = B.read_done(out_path, o.format) if o.resume and out_path else set()
    summary = B.Summary(provenance=B.provenance(ruleset.sha256, o.model or default_model_path()))
    model = str(o.model) if o.model else DEFAULT
    if o.engine == "dask":
        from cybertype.dask_engine import classify_dask

        results = classify_dask(items, B.classifier_options(o.rules, o.builtin_rules, model), o, done=done)
    else:
        work = B.units(items, text_field=o.text_field, id_field=o.id_field, max_bytes=o.max_bytes, done=done)
        # The rules were loaded (and validated) above: hand them over rather than load them again.
        results = B.classify_parallel_lines(work, {"rules": ruleset, "model": model}, o.workers or _cpus())
    by_source = {i.source: i.path for i in items}
    show = not o.quiet and sys.stderr.isatty()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with ExitStack() as stack:
            if to_stdout:
                out = outputs.stdout()
            else:
                append = o.resume and out_path.exists() and out_path.stat().st_size > 0
                out = stack.enter_context(open(out_path, "a" if append else "w", encoding="utf-8", newline=""))
            progress = stack.enter_context(_progress(len(items), summary)) if show else None

            def on_file(source: str, rs) -> None:
                if o.sort_into is not None and source in by_source:
                    B.sort_into(by_source[source], B.file_primary(rs), o.sort_into)
                if progress is not None:
                    progress.advance()

            counted = _count(B.group_by_file(results, on_file), summary, o.skip_none)
            header = not (o.resume and out_path is not None and out_path.exists() and out_path.stat().st_size > 0)
            writer = outputs.write_csv(counted, out, header=header) if o.format == "csv" else outputs.write_jsonl(counted, out)
            for _ in writer:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return _finish(o, summary, [i.path for i in items])


def _finish(o: BatchOptions, summary: B.Summary, inputs: list[Path]) -> int:
    data = summary.as_dict()
    if o.summary is not None:
        with outputs.atomic_output(o.summary, protected=inputs) as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
    if not o.quiet:
        _print_summary(data)
    return summary.errors


def _run_dataset(o: BatchOptions, ruleset) -> int:
    """A JSONL/Parquet dataset labeled on Dask into a folder of parts (see `dask_engine.classify_dataset`)."""
    from cybertype.classifier import DEFAULT
    from cybertype.dask_engine import classify_dataset, dataset_files
    from cybertype.model import default_model_path

    if o.engine != "dask":
        raise ValueError("Parquet input and -o DIR/ (a folder of part files) are for datasets, labeled with "
                         "--engine dask; to label a folder of files, give -o FILE")
    if o.sort_into is not None:
        raise ValueError("--sort-into links files of a folder; it does not apply to a dataset")
    files = dataset_files(o.folders, o.globs, o.excludes)
    summary = B.Summary(provenance=B.provenance(ruleset.sha256, o.model or default_model_path()))
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        classify_dataset(o.folders, Path(o.output), format=o.format, text_field=o.text_field, id_field=o.id_field,
                         scheduler=o.scheduler, workers=o.workers, resume=o.resume, skip_none=o.skip_none,
                         globs=o.globs, excludes=o.excludes, summary=summary, rules_dirs=o.rules,
                         builtin_rules=o.builtin_rules, model=str(o.model) if o.model else DEFAULT)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return _finish(o, summary, [i.path for i in files])


def _count(results, summary: B.Summary, skip_none: bool):
    for r in results:
        summary.add(r)
        if skip_none and r.error is None and not r.labels:
            summary.skipped_none += 1
            continue
        yield r


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


class _progress:
    """A rich progress bar on stderr: files done, texts/s, ETA."""

    def __init__(self, total: int, summary: B.Summary):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.summary = summary
        self.bar = Progress(TextColumn("labeling"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), transient=True,
                            console=_stderr_console())
        self.task = self.bar.add_task("batch", total=total, rate="")

    def __enter__(self):
        self.bar.start()
        return self

    def advance(self) -> None:
        d = self.summary.as_dict()
        self.bar.update(self.task, advance=1, rate=f"{d['texts_per_second'] or 0:.0f} texts/s")

    def __exit__(self, *exc):
        self.bar.stop()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _print_summary(d: dict) -> None:
    lines = [f"cybertype batch: {d['texts']} texts in {d['elapsed_seconds']:.1f} s "
             f"({d['texts_per_second'] or 0:.1f} texts/s), {d['errors']} error(s)"]
    if d["primary"]:
        lines.append("  primary: " + ", ".join(f"{k} {v}" for k, v in d["primary"].items()))
    if d["error_types"]:
        lines.append("  errors: " + ", ".join(f"{k} {v}" for k, v in d["error_types"].items()))
    if d["none_left_out"]:
        lines.append(f"  none records left out: {d['none_left_out']}")
    sys.stderr.write("\n".join(lines) + "\n")
