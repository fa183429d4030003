"""The `cybertype batch` run: checks, the output file, resume, summary, --sort-into and progress.

The same for every engine: the run walks the folders into work units, hands them to an engine
(`engines.open_engine`) and writes the lines it yields back in order. It never looks inside an engine.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from cybertype.batch import resume
from cybertype.batch.counts import Summary, is_summary, provenance
from cybertype.batch.engines import open_engine
from cybertype.batch.guard import Paths, check_folders, check_paths
from cybertype.batch.sort import Filer, file_primary, sort_into  # noqa: F401 - sort_into, file_primary: API
from cybertype.batch.walk import DEFAULT_GLOBS, DEFAULT_MAX_BYTES, file_key, same_file, units, walk
from cybertype.classifier import DEFAULT
from cybertype.io import outputs
from cybertype.io.targets import lock_folder, open_locked
from cybertype.model.linear import default_model_path, load as load_model
from cybertype.rules import load_rules


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
    max_bytes: int = DEFAULT_MAX_BYTES
    quiet: bool = False
    text_field: str = "text"
    id_field: str = "id"
    encoding: str | None = None  # --encoding: forced for every file; None: detected per file
    rules: list[Path] = field(default_factory=list)
    builtin_rules: bool = True
    model: Path | None = None
    redact: str = "none"  # --redact: masks personal data where records are serialized (io/outputs)


def _terminate(signum, frame):  # SIGTERM ends the run like Ctrl-C: pool stopped, lines complete
    raise KeyboardInterrupt


def run_batch(o: BatchOptions) -> int:
    """Run a batch; return the number of error records. Raises ValueError for usage problems."""
    check_folders(o.folders)
    ruleset = load_rules(o.rules, builtin=o.builtin_rules)  # fail fast (exit 2) before any work
    if o.model is not None:
        load_model(o.model)
    if o.engine == "dask":
        from cybertype.batch.engines.dask import require_dask  # imports Dask only when it runs

        require_dask()  # exit 2 with the install hint, before any work
    from cybertype.batch import dataset

    if dataset.is_dataset(o.folders, o.output):
        if o.encoding not in (None, "utf-8"):
            raise ValueError("--encoding does not apply to datasets: JSONL datasets are read as UTF-8")
        if o.redact != "none":  # the workers write the parts: refuse rather than write personal data unmasked
            raise ValueError("--redact does not apply to dataset runs yet: label into one file (-o FILE) to redact")
        return _run_dataset(o, ruleset)
    if o.format == "parquet":
        raise ValueError("-f parquet writes a dataset: give a .jsonl/.parquet dataset, -o DIR/ and --engine dask")
    to_stdout = o.output == "-"
    out_path = None if to_stdout else Path(o.output)
    if o.resume and to_stdout:
        raise ValueError("--resume needs an output file, not stdout")
    if to_stdout and sys.stdout is None:
        raise ValueError("standard output is closed: give -o FILE")
    model_path = o.model or default_model_path()
    ours = [resume.sidecar_path(out_path), resume.skipped_path(out_path)] if out_path else []
    check_paths(Paths(o.folders, o.rules, model_path, out_path, o.summary, o.sort_into, *(ours or [None, None])))
    items = list(walk(o.folders, o.globs or DEFAULT_GLOBS, o.excludes))
    if o.summary is not None and (hit := next((i for i in items if same_file(i.path, o.summary)), None)):
        if not is_summary(hit.path):
            raise ValueError(f"refusing to overwrite input file {hit.path} with --summary")
        items.remove(hit)  # an earlier run's summary, in the input folder: ours to replace, never an input
    # The resume record and the skipped-texts log are ours, never inputs.
    items = [i for i in items if not any(same_file(i.path, p) for p in ours)]
    if out_path is not None and out_path.exists():
        # The output may lie among the inputs (hard links and symlinks included): only an earlier
        # output of ours, resumed, is allowed there (checked below), and it is then not read as an input.
        clash = [i for i in items if same_file(i.path, out_path)]
        if clash and not o.resume:
            raise ValueError(f"refusing to overwrite input file {out_path} (it is among the files to label: "
                             "write the output elsewhere or --exclude it)")
        items = [i for i in items if i not in clash]
    summary = Summary(provenance=provenance(ruleset.sha256, model_path))
    settings = resume.settings(o.format, summary.provenance, max_bytes=o.max_bytes, text_field=o.text_field,
                               id_field=o.id_field, encoding=o.encoding)
    show = not o.quiet and sys.stderr.isatty()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with ExitStack() as stack:
            filer = None
            if o.sort_into is not None:
                stack.callback(os.close, lock_folder(o.sort_into, "--sort-into"))
            out, earlier = (outputs.stdout(), resume.Earlier()) if to_stdout else _open_output(o, out_path, settings)
            if not to_stdout:
                stack.callback(out.close)
            for r in (*earlier.records, *earlier.skipped):  # the summary describes the whole output file
                summary.add(r)
            summary.resumed = len(earlier.records) + len(earlier.skipped)
            summary.skipped_none += len(earlier.skipped)
            skipped_log = None
            if o.skip_none and not to_stdout:  # under the output's lock, like the output
                skipped_log = stack.enter_context(open_locked(resume.skipped_path(out_path), "the skipped-texts log"))
            if o.sort_into is not None:
                filer = Filer(o.sort_into, {i.source: i.path for i in items}, earlier.by_file())
            work = units(items, text_field=o.text_field, id_field=o.id_field, max_bytes=o.max_bytes,
                         done=earlier.done, encoding=o.encoding)
            # The rules were loaded (and validated) above: the engine gets them rather than loading them again.
            engine = open_engine(o.engine, ruleset=ruleset, rules_dirs=o.rules, builtin_rules=o.builtin_rules,
                                 model=str(o.model) if o.model else DEFAULT, workers=o.workers, scheduler=o.scheduler)
            stack.callback(engine.close)
            stream = engine.lines(work)
            if filer is not None:
                stream = filer.file(stream)
            if show:
                progress = stack.enter_context(_progress(len(items), summary))
                stream = group_by_file(stream, lambda source, lines: progress.advance())
            counted = _count(stream, summary, o.skip_none, skipped_log)
            header = to_stdout or out.tell() == 0
            writer = (outputs.write_csv(counted, out, header=header, redact=o.redact) if o.format == "csv"
                      else outputs.write_jsonl(counted, out, redact=o.redact))
            for _ in writer:
                pass
            if filer is not None:
                filer.finish()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return _finish(o, summary, [i.path for i in items])


def _open_output(o: BatchOptions, path: Path, settings: dict):
    """The output, locked; resumed (checked, a torn last record cut) or emptied; its settings recorded."""
    out = open_locked(path, "-o")
    try:
        earlier = resume.Earlier()
        if o.resume and resume.exists_nonempty(path):
            recorded = resume.check_settings(path, settings)
            earlier = resume.read_output(path, o.format)
            earlier.skipped = resume.read_skipped(path)
            if not recorded:
                sys.stderr.write(f"cybertype: warning: {path} has no {resume.sidecar_path(path).name} (an older "
                                 "cybertype wrote it): its settings cannot be checked against this run's\n")
        else:
            out.truncate(0)
            resume.skipped_path(path).unlink(missing_ok=True)  # a fresh run: what an earlier one left out is not done
        out.seek(0, os.SEEK_END)
        resume.write_sidecar(path, settings)
        return out, earlier
    except BaseException:
        out.close()
        raise


def _finish(o: BatchOptions, summary: Summary, inputs: list[Path]) -> int:
    data = summary.as_dict()
    if o.summary is not None and str(o.summary) == "-":  # --summary -: JSON on stdout, not a file named '-'
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    elif o.summary is not None:
        with outputs.atomic_output(o.summary, protected=inputs, flag="--summary") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
    if not o.quiet:
        _print_summary(data)
    return summary.errors


def _run_dataset(o: BatchOptions, ruleset) -> int:
    """A JSONL/Parquet dataset labeled on Dask into a folder of parts (see `dataset.classify_dataset`)."""
    from cybertype.batch.dataset import classify_dataset, dataset_files

    if o.engine != "dask":
        raise ValueError("Parquet input and -o DIR/ (a folder of part files) are for datasets, labeled with "
                         "--engine dask; to label a folder of files, give -o FILE")
    if o.sort_into is not None:
        raise ValueError("--sort-into links files of a folder; it does not apply to a dataset")
    files = dataset_files(o.folders, o.globs, o.excludes)
    model_path = o.model or default_model_path()
    # Before any work, as for a folder: the summary must not land on the model, a rule file or a part read.
    check_paths(Paths(o.folders, o.rules, model_path, None, o.summary if str(o.summary) != "-" else None, None))
    if o.summary is not None and (hit := next((f for f in files if same_file(f.path, o.summary)), None)):
        raise ValueError(f"refusing to overwrite input file {hit.path} with --summary")
    summary = Summary(provenance=provenance(ruleset.sha256, model_path))
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        classify_dataset(o.folders, Path(o.output), format=o.format, text_field=o.text_field, id_field=o.id_field,
                         scheduler=o.scheduler, workers=o.workers, resume=o.resume, skip_none=o.skip_none,
                         globs=o.globs, excludes=o.excludes, summary=summary, rules_dirs=o.rules,
                         builtin_rules=o.builtin_rules, model=str(o.model) if o.model else DEFAULT)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return _finish(o, summary, [i.path for i in files])


def _count(results, summary: Summary, skip_none: bool, skipped_log=None):
    for r in results:
        summary.add(r)
        if skip_none and r.error is None and not r.labels:
            summary.skipped_none += 1
            if skipped_log is not None:  # where its record would have been written: --resume knows it done
                skipped_log.write(resume.skipped_entry(r))
                skipped_log.flush()
            continue
        yield r


class _progress:
    """A rich progress bar on stderr: files done, texts/s, ETA."""

    def __init__(self, total: int, summary: Summary):
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


def group_by_file(results: Iterable, on_file: Callable[[str, list], None]) -> Iterator:
    """Pass results through, calling `on_file(file_source, results)` each time a file's records end."""
    current, kept = None, []
    for r in results:
        key = file_key(r.source or "")
        if key != current and current is not None:
            on_file(current, kept)
            kept = []
        current = key
        kept.append(r)
        yield r
    if current is not None:
        on_file(current, kept)
