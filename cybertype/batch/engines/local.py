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
from cybertype.batch.walk import DEFAULT_GLOBS, DEFAULT_MAX_BYTES, FileTask, Unit, expand, units, walk
from cybertype.classifier import Classifier, classify_records
from cybertype.io.inputs import InputRecord
from cybertype.result import Result, error_result

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
    _die_with_parent()
    _load_classifier(options)  # already there when forked from a parent that loaded it


def _die_with_parent() -> None:
    """Linux: end this worker when the main process dies (even by kill -9), quietly, instead of leaving it
    to write into a closed pipe (BrokenPipe tracebacks) or linger."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
        if os.getppid() == 1:  # the parent died before the call above took effect
            os._exit(0)
    except (OSError, AttributeError):
        pass


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
    pool = _Pool(ctx, max(1, workers), options, func)
    try:
        yield from pool.run(iter(recs), chunk)
    finally:
        pool.stop()


class _Pool:
    """A `ProcessPoolExecutor` that survives the death of a worker (kill -9, the OOM killer).

    A dead worker breaks the executor at once (its broken-pool detection); the chunks in flight are then
    sent to a fresh one. A chunk that was in flight at two breaks is run alone, and if it breaks the pool
    alone it is the culprit: its texts get `WorkerDied` error records and the run goes on.
    """

    def __init__(self, ctx, workers: int, options: dict, func):
        self.ctx, self.workers, self.options, self.func = ctx, workers, options, func
        self.executor = self._new()

    def _new(self):
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.workers, mp_context=self.ctx, initializer=_init_worker,
                                   initargs=(self.options,))

    def run(self, it: Iterator, chunk: int) -> Iterator:
        from concurrent.futures.process import BrokenProcessPool

        pending: deque = deque()  # [units, future, breaks seen], in input order
        limit = max(4, self.workers * 8)  # bounded in-flight chunks: back-pressure on reading, yet no idle worker
        while True:
            while len(pending) < limit and (batch := list(islice(it, chunk))):
                pending.append([batch, self.executor.submit(self.func, batch), 0])
            if not pending:
                return
            try:
                out = pending[0][1].result()
            except BrokenProcessPool:
                self._restart(pending)
                while pending and pending[0][2] >= 2:
                    yield from self._alone(pending.popleft()[0])
                for entry in pending:
                    entry[1] = self.executor.submit(self.func, entry[0])
                continue
            pending.popleft()
            yield from out

    def _restart(self, pending: deque) -> None:
        self.stop()
        self.executor = self._new()
        for entry in pending:
            entry[2] += 1

    def _alone(self, batch: list) -> list:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.executor.submit(self.func, batch).result()
        except BrokenProcessPool:
            self.stop()
            self.executor = self._new()
            return [self._died(unit) for unit in expand_errors(batch)]

    def _died(self, rec) -> Line | Result:
        result = error_result("WorkerDied", "the worker process labeling this text died (killed, or out of "
                              "memory); the text was tried again and the worker died again", id=rec.id,
                              source=rec.source, line=rec.line)
        return Line.of(result) if self.func is _classify_chunk_lines else result

    def stop(self) -> None:
        """End the workers now: those of a broken pool, or all at the end (or on Ctrl-C, a kill, SIGTERM)."""
        for proc in list((getattr(self.executor, "_processes", None) or {}).values()):  # a private attribute, if there
            if proc.is_alive():
                proc.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)


def expand_errors(batch: list) -> Iterator[InputRecord]:
    """The records of a chunk without reading its files again (a file may be what killed the worker)."""
    for unit in batch:
        if isinstance(unit, FileTask):
            yield InputRecord(id=Path(unit.path).stem, source=unit.source)
        else:
            yield unit


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
        self._running = classify_parallel_lines(units, self.options, self.workers)
        return self._running

    def close(self) -> None:
        """Stop the workers (at once, when the run was interrupted); safe to call twice."""
        running = getattr(self, "_running", None)
        if running is not None:
            running.close()
