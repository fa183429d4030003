"""The local engine: work units classified in forked worker processes, results in input order.

The main process walks the folders and reads multi-record files into records (cheap), sends chunks
of units to worker processes (single-text files are read by the workers themselves), and yields
results in input order with a bounded number of chunks in flight, so memory stays flat on huge folders.
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from cybertype.batch.engines.base import Line
from cybertype.batch.walk import DEFAULT_GLOBS, DEFAULT_MAX_BYTES, Unit, expand, units, walk
from cybertype.classifier import Classifier, classify_records
from cybertype.result import Result

CHUNK_TEXTS = 32

_worker_classifier = None
_worker_options: dict | None = None


def _load_classifier(options: dict) -> None:
    """Build the process's classifier (rules, model, jieba) once for these options."""
    global _worker_classifier, _worker_options
    if _worker_classifier is None or _worker_options != options:
        _worker_classifier = Classifier(**options)
        _worker_classifier.classify("预热 warm-up")  # loads jieba's tokenizer now, not in the first chunk
        _worker_options = dict(options)


def _init_worker(options: dict) -> None:
    import signal

    # The main process owns Ctrl-C and SIGTERM and stops the pool; workers just end when told.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _load_classifier(options)  # already there when forked from a parent that loaded it


def _classify_chunk(chunk: list[Unit]) -> list[Result]:
    return list(classify_records(_worker_classifier, expand(chunk)))


def _classify_chunk_lines(chunk: list[Unit]) -> list[Line]:
    # The worker serializes too: less work for the main process, which only writes the lines.
    return [Line.of(r) for r in classify_records(_worker_classifier, expand(chunk))]


def classifier_options(rules_dirs=(), builtin_rules: bool = True, model="default") -> dict:
    """Keyword arguments for `Classifier`, picklable for worker processes."""
    return {"rules_dirs": [str(p) for p in rules_dirs], "builtin_rules": builtin_rules,
            "model": str(model) if model is not None else None}


def classify_parallel(recs: Iterable[Unit], options: dict, workers: int = 1, chunk: int = CHUNK_TEXTS) -> Iterator[Result]:
    """Classify records (or `FileTask`s) in `workers` processes; results come back in input order."""
    return _parallel(recs, options, workers, chunk, _classify_chunk)


def classify_parallel_lines(recs: Iterable[Unit], options: dict, workers: int = 1, chunk: int = CHUNK_TEXTS) -> Iterator[Line]:
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


class LocalEngine:
    """The `local` engine: `workers` forked processes (default: one per CPU) sharing the loaded classifier."""

    def __init__(self, options: dict, workers: int | None = None):
        self.options = options
        self.workers = workers or os.cpu_count() or 1

    def lines(self, units: Iterable[Unit]) -> Iterator[Line]:
        return classify_parallel_lines(units, self.options, self.workers)

    def close(self) -> None:
        """Nothing to release: the pool ends with the iterator of `lines`."""
