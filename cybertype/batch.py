"""Folder labeling: walking, worker processes, ordered output, resume, summary, sort-into.

The main process walks the folders and reads files into records (cheap), sends
chunks of records to worker processes (each loads the rules, jieba and the
model once, in its initializer), and yields results in input order with a
bounded number of chunks in flight, so memory stays flat on huge folders.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from cybertype.inputs import InputRecord, read_path
from cybertype.result import Result

DEFAULT_GLOBS = ("*.txt", "*.md", "*.json", "*.jsonl", "*.csv")
DEFAULT_MAX_BYTES = 4 << 20
CHUNK_TEXTS = 32


@dataclass(frozen=True, slots=True)
class FileItem:
    """One file found under a scanned folder."""

    path: Path
    source: str  # path relative to the scanned folder, as shown in records


def _matches(rel: str, name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def walk(folders: Iterable[str | Path], globs: Iterable[str] = DEFAULT_GLOBS,
         excludes: Iterable[str] = ()) -> Iterator[FileItem]:
    """Files under `folders` matching `globs` and no `excludes`, in sorted order.

    Hidden folders are skipped and symlinked folders are not followed (a link loop
    cannot trap the walk). With several folders, sources keep the folder as given.
    """
    folders = [Path(f) for f in folders]
    globs, excludes = tuple(globs) or DEFAULT_GLOBS, tuple(excludes)
    for folder in folders:
        if folder.is_file():
            yield FileItem(folder, folder.name if len(folders) == 1 else str(folder))
            continue
        for path, rel in _walk_sorted(folder, "", excludes):
            if _matches(rel, path.name, globs):
                yield FileItem(path, rel if len(folders) == 1 else (folder / rel).as_posix())


def _walk_sorted(folder: Path, prefix: str, excludes: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """Depth-first by name; files and folders interleaved in name order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return  # an unreadable folder holds nothing we can label
    for entry in entries:
        rel = prefix + entry.name
        if _matches(rel, entry.name, excludes):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    yield from _walk_sorted(Path(entry.path), rel + "/", excludes)
            elif entry.is_file():  # follows a symlink to a file, never one to a folder
                yield Path(entry.path), rel
        except OSError:
            continue


def file_key(source: str) -> str:
    """The file part of a record's source ('a/b.jsonl:12' -> 'a/b.jsonl')."""
    head, sep, tail = source.rpartition(":")
    return head if sep and tail.isdigit() else source


def records(items: Iterable[FileItem], *, text_field: str = "text", id_field: str = "id",
            max_bytes: int | None = DEFAULT_MAX_BYTES,
            done: set[tuple[str | None, str | None]] | None = None) -> Iterator[InputRecord]:
    """Input records of every file, skipping (source, id) pairs in `done`."""
    for item in items:
        for rec in read_path(item.path, text_field=text_field, id_field=id_field, source=item.source,
                             max_bytes=max_bytes):
            if done and (rec.source, rec.id) in done:
                continue
            yield rec


@dataclass(frozen=True, slots=True)
class FileTask:
    """A single-text file that a worker reads itself (keeps reading off the main process)."""

    path: Path
    source: str
    max_bytes: int | None


def units(items: Iterable[FileItem], *, text_field: str = "text", id_field: str = "id",
          max_bytes: int | None = DEFAULT_MAX_BYTES,
          done: set[tuple[str | None, str | None]] | None = None) -> Iterator[InputRecord | FileTask]:
    """Work for the workers, in order: a `FileTask` per plain-text file, records of multi-record files."""
    from cybertype.inputs import format_for

    done_files = {file_key(src or "") for src, _ in done} if done else set()
    for item in items:
        if format_for(item.path) == "text":
            if item.source not in done_files:  # a text file is one record: done or not as a whole
                yield FileTask(item.path, item.source, max_bytes)
            continue
        yield from records([item], text_field=text_field, id_field=id_field, max_bytes=max_bytes, done=done)


class Line(NamedTuple):
    """A result as the worker serialized it, with what the main process needs to count and sort."""

    json: str
    source: str | None
    primary: str
    labels: tuple[str, ...]
    error: str | None


# --- worker side -------------------------------------------------------------------------------

_worker_classifier = None
_worker_options: dict | None = None


def _load_classifier(options: dict) -> None:
    """Build the process's classifier (rules, model, jieba) once for these options."""
    global _worker_classifier, _worker_options
    if _worker_classifier is None or _worker_options != options:
        from cybertype.classifier import Classifier

        _worker_classifier = Classifier(**options)
        _worker_classifier.classify("预热 warm-up")  # loads jieba's tokenizer now, not in the first chunk
        _worker_options = dict(options)


def _init_worker(options: dict) -> None:
    import signal

    # The main process owns Ctrl-C and SIGTERM and stops the pool; workers just end when told.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _load_classifier(options)  # already there when forked from a parent that loaded it


def _expand(chunk: list) -> Iterator[InputRecord]:
    for unit in chunk:
        if isinstance(unit, FileTask):
            yield from read_path(unit.path, source=unit.source, max_bytes=unit.max_bytes)
        else:
            yield unit


def _classify_chunk(chunk: list) -> list[Result]:
    from cybertype.classifier import classify_records

    return list(classify_records(_worker_classifier, _expand(chunk)))


def _classify_chunk_lines(chunk: list) -> list[Line]:
    from cybertype.classifier import classify_records
    from cybertype.outputs import to_json

    return [Line(to_json(r), r.source, r.primary, tuple(r.labels), r.error.type if r.error else None)
            for r in classify_records(_worker_classifier, _expand(chunk))]


def classifier_options(rules_dirs=(), builtin_rules: bool = True, model="default") -> dict:
    """Keyword arguments for `Classifier`, picklable for worker processes."""
    return {"rules_dirs": [str(p) for p in rules_dirs], "builtin_rules": builtin_rules,
            "model": str(model) if model is not None else None}


def classify_parallel(recs: Iterable, options: dict, workers: int = 1, chunk: int = CHUNK_TEXTS) -> Iterator[Result]:
    """Classify records (or `FileTask`s) in `workers` processes; results come back in input order."""
    return _parallel(recs, options, workers, chunk, _classify_chunk)


def classify_parallel_lines(recs: Iterable, options: dict, workers: int = 1, chunk: int = CHUNK_TEXTS) -> Iterator[Line]:
    """As `classify_parallel`, but the workers also serialize each record (less work for the main process)."""
    return _parallel(recs, options, workers, chunk, _classify_chunk_lines)


def _parallel(recs: Iterable, options: dict, workers: int, chunk: int, func) -> Iterator:
    import multiprocessing as mp

    fork = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork" if fork else "spawn")
    if fork:
        # Load once here and let every forked worker share it (copy-on-write) instead of each
        # worker loading the same rules, model and dictionary again.
        _load_classifier(options)
        import gc

        gc.freeze()  # keep the collector from touching (and so copying) the shared pages in every worker
    it = iter(recs)
    with ctx.Pool(processes=max(1, workers), initializer=_init_worker, initargs=(options,)) as pool:
        pending: deque = deque()
        limit = max(4, workers * 8)  # bounded in-flight chunks: back-pressure on reading, yet no idle worker
        while True:
            while len(pending) < limit and (batch := list(islice(it, chunk))):
                pending.append(pool.apply_async(func, (batch,)))
            if not pending:
                break
            yield from pending.popleft().get()


def label_folder(folders: Iterable[str | Path], *, globs: Iterable[str] = DEFAULT_GLOBS,
                 excludes: Iterable[str] = (), workers: int | None = None, rules_dirs=(), builtin_rules: bool = True,
                 model="default", text_field: str = "text", id_field: str = "id",
                 max_bytes: int | None = DEFAULT_MAX_BYTES,
                 done: set[tuple[str | None, str | None]] | None = None) -> Iterator[Result]:
    """Label every matching file under `folders`; yield one record per text, in walk order."""
    recs = units(walk(folders, globs, excludes), text_field=text_field, id_field=id_field, max_bytes=max_bytes,
                 done=done)
    yield from classify_parallel(recs, classifier_options(rules_dirs, builtin_rules, model),
                                 workers or os.cpu_count() or 1)


# --- resume, summary, sort-into ----------------------------------------------------------------

def same_file(a: Path, b: Path) -> bool:
    """True when two paths name the same file (also through links)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def is_our_output(path: Path, fmt: str = "jsonl") -> bool:
    """True when `path` is empty or starts like a cybertype output in `fmt` (safe to resume into)."""
    with open(path, "rb") as fh:
        head = fh.read(65536).decode("utf-8", errors="replace")
    first = next((line for line in head.splitlines() if line.strip()), "")
    if not first:
        return True
    if fmt == "csv":
        return first.startswith("id,source,labels,primary")
    try:
        rec = json.loads(first)
    except ValueError:
        return False
    return isinstance(rec, dict) and {"labels", "primary", "source"} <= rec.keys()


def read_done(path: Path, fmt: str = "jsonl") -> set[tuple[str | None, str | None]]:
    """(source, id) of every complete record in an earlier output; a torn last line is cut off."""
    if not path.exists():
        return set()
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        # An interrupted run may leave half a line: drop it so the file holds complete records only.
        data = data[: data.rfind(b"\n") + 1]
        with open(path, "r+b") as fh:
            fh.truncate(len(data))
    done: set[tuple[str | None, str | None]] = set()
    text = data.decode("utf-8", errors="replace")
    if fmt == "csv":
        import csv
        import io

        for row in csv.DictReader(io.StringIO(text)):
            done.add((row.get("source") or None, row.get("id") or None))
        return done
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            done.add((rec.get("source"), rec.get("id")))
    return done


@dataclass
class Counts:
    """Record counts: per primary label, per label, per error type."""

    texts: int = 0
    errors: int = 0
    skipped_none: int = 0
    primary: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    error_types: Counter = field(default_factory=Counter)

    def add(self, r: Result | Line) -> None:
        self.texts += 1
        if r.error is not None:
            self.errors += 1
            self.error_types[r.error if isinstance(r.error, str) else r.error.type] += 1
            return
        self.primary[r.primary] += 1
        self.labels.update(r.labels)

    def merge_into(self, other: "Counts") -> None:
        """Add these counts to `other` (counts of a part into those of the run)."""
        other.texts += self.texts
        other.errors += self.errors
        other.skipped_none += self.skipped_none
        other.primary.update(self.primary)
        other.labels.update(self.labels)
        other.error_types.update(self.error_types)


@dataclass
class Summary(Counts):
    """Counts of one batch run plus timing and provenance; `as_dict` is what `--summary FILE` writes."""

    started: float = field(default_factory=time.perf_counter)
    provenance: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        elapsed = time.perf_counter() - self.started
        return {
            "texts": self.texts, "errors": self.errors, "error_types": dict(self.error_types),
            "primary": dict(sorted(self.primary.items())), "labels": dict(sorted(self.labels.items())),
            "none_left_out": self.skipped_none, "elapsed_seconds": round(elapsed, 3),
            "texts_per_second": round(self.texts / elapsed, 2) if elapsed > 0 else None, **self.provenance,
        }


def provenance(rules_sha256: str, model_path: Path | None) -> dict:
    """Version and hashes that trace an output file to what produced it."""
    from cybertype import __version__

    model_hash = hashlib.sha256(model_path.read_bytes()).hexdigest() if model_path else None
    return {"cybertype_version": __version__, "rules_sha256": rules_sha256, "model_sha256": model_hash}


def sort_into(path: Path, primary: str, dest: Path) -> Path:
    """Hard-link (else copy) `path` into `dest/<primary>/`, never moving it; rename on a name collision."""
    folder = dest / primary
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        if os.path.samefile(target, path) or _same_content(target, path):
            return target
        target = folder / f"{path.stem}-{n}{path.suffix}"
        n += 1
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return target


def _same_content(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def file_primary(results: list[Result]) -> str:
    """The primary of a file: its records' most common non-none primary, else none."""
    counts = Counter(r.primary for r in results if r.error is None and r.primary != "none")
    return counts.most_common(1)[0][0] if counts else "none"


def group_by_file(results: Iterable[Result], on_file: Callable[[str, list[Result]], None]) -> Iterator[Result]:
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
