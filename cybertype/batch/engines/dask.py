"""The Dask engine: work units classified on a Dask cluster, results in input order.

The command's process reads every unit into records (as the local engine's main process does for
multi-record files, so no shared file system is needed), sends chunks of records to the workers,
and yields the results in input order with a bounded number of chunks in flight: the output is the
local engine's, byte for byte. `Session` (the cluster) is shared with the dataset labeling.

A task that fails (a worker process died under it, or an exception) is retried (`RETRIES`); a chunk
that still fails is split into one task per text, and a text that fails even alone gets an error
record of type `WorkerError`. Nothing is dropped.

Dask is optional (`pip install 'cybertype[dask]'`): this module imports it only when it runs.
"""
from __future__ import annotations

import os
import signal
from collections import deque
from contextlib import contextmanager
from collections.abc import Iterable, Iterator
from itertools import islice

from cybertype.batch.engines.base import Line
from cybertype.batch.engines.dask_worker import ClassifierSpec, classifier_spec, classify_chunk, plugin, worker_stats
from cybertype.batch.walk import Unit, expand
from cybertype.io.inputs import InputRecord
from cybertype.result import Result, error_result
from cybertype.version import __version__

INSTALL_HINT = "pip install 'cybertype[dask]'"
CHUNK_TEXTS = 64  # texts per task: about 0.1 s of work, so scheduling overhead stays small
RETRIES = 3  # extra attempts of a task that failed (a worker that died counts too)
CONNECT_TIMEOUT = 10  # seconds to reach an existing scheduler
WORKERS_TIMEOUT = 30  # seconds to wait for a worker to join it


class DaskMissing(ValueError):
    """Dask (distributed) is not installed: a usage problem, exit code 2 on the command line."""


def require_dask() -> None:
    """Raise `DaskMissing`, saying how to install it, when dask[distributed] cannot be imported."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise DaskMissing(f"--engine dask needs Dask, which is not installed ({exc}); "
                          f"install it with: {INSTALL_HINT}") from None


# --- the cluster --------------------------------------------------------------------------------

class Session:
    """A client on an existing scheduler, on a `LocalCluster` it starts, or on a client given to it."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, client=None):
        require_dask()
        import logging

        from distributed import Client, LocalCluster

        self._own: list = []
        self._closed = False
        if client is not None:
            self.client = client
        elif scheduler:
            try:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ValueError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            self._own.append(self.client)
        try:
            if client is None and not scheduler:
                with _signals_held():
                    # No dashboard; the scheduler's small HTTP server (health checks) on a free local port.
                    # Logs only for the critical: what fails reaches the run as an exception or an error
                    # record, and a shutdown under load (after Ctrl-C) makes workers log heartbeat errors.
                    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                           processes=True, dashboard_address="127.0.0.1:0",
                                           scheduler_kwargs={"dashboard": False}, silence_logs=logging.CRITICAL)
                    self._own.append(cluster)
                    self.client = Client(cluster, set_as_default=False)
                    self._own.insert(0, self.client)
            self._check_workers(scheduler)
        except BaseException:
            self.close()
            raise

    def _check_workers(self, scheduler: str | None) -> None:
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except TimeoutError:
            where = f"the scheduler at {scheduler}" if scheduler else "the Dask scheduler"
            raise ValueError(f"no Dask worker joined {where} within {WORKERS_TIMEOUT} s") from None
        try:
            stats = self.client.run(worker_stats)
        except Exception as exc:  # noqa: BLE001 - a worker without cybertype cannot even unpickle the call
            raise ValueError(f"Dask workers cannot run cybertype ({type(exc).__name__}: {exc}); "
                             "install cybertype on every worker machine") from None
        other = {addr: s["cybertype"] for addr, s in stats.items() if s["cybertype"] != __version__}
        if other:
            raise ValueError(f"Dask workers run another cybertype version than this one ({__version__}): "
                             + ", ".join(f"{a} has {v}" for a, v in sorted(other.items())))

    def install(self, spec: ClassifierSpec) -> str:
        """Register the plugin that builds the classifier of `spec` on every worker; return its key."""
        self.client.register_plugin(plugin(spec))
        return spec.key

    def threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def close(self) -> None:
        """Shut down what this session started; a second Ctrl-C or SIGTERM waits until that is done."""
        if self._closed:
            return
        self._closed = True
        with _signals_held():
            for thing in self._own:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - closing a cluster that already lost its workers
                    pass


@contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM back in this thread, then let any that came in through.

    Threads started meanwhile (the cluster's event loop and the threads that spawn its worker processes)
    inherit the block, and so do the worker processes, which therefore never see a Ctrl-C sent to the
    whole terminal process group: only this process gets it, and it shuts the cluster down in order
    (with no pages of worker tracebacks). A signal that arrives meanwhile is delivered on leaving.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    from multiprocessing import resource_tracker

    # Started later, in the cluster's thread, the tracker would unblock both signals there (CPython's
    # resource_tracker unblocks them after spawning itself, whatever the mask was): start it first.
    resource_tracker.ensure_running()
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no pthread_sigmask on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _first_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def lost(exc: BaseException) -> RuntimeError:
    return RuntimeError(f"lost the Dask scheduler ({_first_line(exc)}); the records written so far are complete: "
                        "run again with --resume to finish")


def fatal(session_client) -> bool:
    return session_client.status not in ("running", "connecting")


def _failed(rec: InputRecord, exc: BaseException) -> Result:
    return error_result("WorkerError", f"classification failed on the Dask cluster: {_first_line(exc)}",
                        id=rec.id, source=rec.source, line=rec.line)


def isolate(client, key: str, batch: list[InputRecord], retries: int = RETRIES) -> list[Result]:
    """Classify the texts of a failed chunk one per task: only a text that fails alone gets an error record."""
    futures = [None if r.error is not None else
               client.submit(classify_chunk, key, [r], retries=retries, pure=False) for r in batch]
    out: list[Result] = []
    for rec, fut in zip(batch, futures):
        if fut is None:
            out.append(error_result(*rec.error, id=rec.id, source=rec.source, line=rec.line))
            continue
        try:
            out.extend(fut.result())
        except Exception as exc:  # noqa: BLE001
            if fatal(client):
                raise lost(exc) from exc
            out.append(_failed(rec, exc))
        finally:
            fut.release()
    return out


def ordered_results(session: Session, recs: Iterable[InputRecord], key: str, *, chunk: int = CHUNK_TEXTS,
                    retries: int = RETRIES) -> Iterator[Result]:
    """Results of `recs` in input order, classified on the cluster with a bounded number of chunks in flight."""
    client = session.client
    it = iter(recs)
    pending: deque = deque()
    limit, submitted = max(2, 3 * session.threads()), 0
    while True:
        while len(pending) < limit and (batch := list(islice(it, chunk))):
            pending.append((client.submit(classify_chunk, key, batch, retries=retries, pure=False), batch))
            submitted += 1
            if submitted % 200 == 0:  # workers may have joined or left
                limit = max(2, 3 * session.threads())
        if not pending:
            return
        fut, batch = pending.popleft()
        try:
            results = fut.result()
        except Exception as exc:  # noqa: BLE001
            if fatal(client):
                raise lost(exc) from exc
            results = isolate(client, key, batch, retries)
        finally:
            fut.release()
        yield from results


class DaskEngine:
    """The `dask` engine: a cluster (an existing scheduler, a `LocalCluster` of `workers` processes, or
    `client`) with the classifier of `options` (`Classifier` keyword options) installed on every worker.

    The cluster is set up here, so errors surface before any work; `close` shuts down what it started.
    """

    def __init__(self, options: dict, *, workers: int | None = None, scheduler: str | None = None, client=None,
                 chunk: int = CHUNK_TEXTS):
        require_dask()
        spec: ClassifierSpec = classifier_spec(**options)
        self.chunk = chunk
        self.session = Session(scheduler, workers, client)
        try:
            self.key = self.session.install(spec)
        except BaseException:
            self.session.close()
            raise

    def results(self, units: Iterable[Unit]) -> Iterator[Result]:
        """One `Result` per record of `units`, in input order."""
        return ordered_results(self.session, expand(units), self.key, chunk=self.chunk)

    def lines(self, units: Iterable[Unit]) -> Iterator[Line]:
        return map(Line.of, self.results(units))

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "DaskEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
