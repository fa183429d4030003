"""Batch labeling on a Dask cluster: `cybertype batch --engine dask` and a Python API.

Three ways in:

- `classify_dask(items, options, o)`: the folder engine behind `cybertype batch DIR --engine dask`. The
  command's process walks and reads the files (as the local engine does, so no shared file system is
  needed), sends chunks of records to the workers, and yields the results in input order with a bounded
  number of chunks in flight: the output file is the local engine's, byte for byte.
- `classify_dataset(paths, out_dir)`: a JSONL or Parquet dataset split into partitions (byte blocks of
  JSONL files, row ranges of Parquet row groups); every worker reads its partitions and writes
  `out_dir/part-NNNNN.{jsonl,csv,parquet}`. Input and output must be reachable from every worker.
- `classify_bag`, `classify_partition`, `classify_dataframe`: building blocks for your own pipelines.

The rules and the model travel to the workers as content (`ClassifierSpec`): workers need cybertype
installed but none of the client's rule or model files. Each worker process builds its `Classifier`
(rules, jieba, model) once per spec, in a `WorkerPlugin` or on its first task, and keeps it.

A task that fails (a worker process died under it, or an exception) is retried (`RETRIES`); a chunk that
still fails is split into one task per text, and a text that fails even alone gets an error record of
type `WorkerError`. Nothing is dropped.

Dask is optional (`pip install 'cybertype[dask]'`): this module imports it only when it runs.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
import uuid
import weakref
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from cybertype import batch as B
from cybertype.inputs import InputRecord
from cybertype.result import Result, error_result

INSTALL_HINT = "pip install 'cybertype[dask]'"
CHUNK_TEXTS = 64  # texts per task: about 0.1 s of work, so scheduling overhead stays small
RETRIES = 3  # extra attempts of a task that failed (a worker that died counts too)
JSONL_BLOCK_BYTES = 8 << 20  # a JSONL dataset is split into blocks of about this size, at line ends
PARQUET_PART_ROWS = 20_000  # a Parquet row group is split into partitions of at most this many rows
CONNECT_TIMEOUT = 10  # seconds to reach an existing scheduler
WORKERS_TIMEOUT = 30  # seconds to wait for a worker to join it
FORMATS = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}
RESULT_COLUMNS = ["id", "source", "labels", "primary", "scores", "evidence", "error", "warnings"]


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


# --- the classifier as content ----------------------------------------------------------------

@dataclass(frozen=True)
class ClassifierSpec:
    """Rules and model of a `Classifier` as bytes, so that a worker on another machine builds the same one."""

    key: str  # sha256 of everything below and the cybertype version
    rule_files: tuple[bytes, ...]  # every rule file, in load order (built-in first)
    rules_sha256: str
    model: bytes | None  # the .npz model file, or None for rules alone

    def build(self):
        """A `Classifier` from this content (files written to a temporary folder, loaded, removed)."""
        from cybertype.classifier import Classifier

        with tempfile.TemporaryDirectory(prefix="cybertype-worker-") as tmp:
            rules_dir = Path(tmp, "rules")
            rules_dir.mkdir()
            for k, data in enumerate(self.rule_files):  # names keep the load order (sorted by name)
                (rules_dir / f"{k:05d}.toml").write_bytes(data)
            model = None
            if self.model is not None:
                model = Path(tmp, "model.npz")
                model.write_bytes(self.model)
            clf = Classifier(rules_dirs=[rules_dir], builtin_rules=False, model=model)
        if clf.ruleset.sha256 != self.rules_sha256:
            raise RuntimeError("rules rebuilt on the worker differ from the client's")
        return clf


def classifier_spec(rules_dirs: Iterable[str | Path] = (), builtin_rules: bool = True, model="default"):
    """Read the rules (built-in unless `builtin_rules=False`, plus `rules_dirs`) and the model
    ("default", a path, a loaded `Model`, or None) into a `ClassifierSpec`; validates both."""
    from cybertype import __version__
    from cybertype import model as model_module
    from cybertype.rules import load_rules

    ruleset = load_rules([Path(p) for p in rules_dirs], builtin=builtin_rules)  # RuleSetError if broken
    rule_files = tuple(Path(f).read_bytes() for f in ruleset.files)
    if hashlib.sha256(b"".join(rule_files)).hexdigest() != ruleset.sha256:
        raise ValueError("rule files changed while they were being read; try again")
    if model is None:
        model_bytes = None
    elif isinstance(model, model_module.Model):
        with tempfile.TemporaryDirectory() as tmp:
            model_module.save(model, Path(tmp, "m.npz"))
            model_bytes = Path(tmp, "m.npz").read_bytes()
    else:
        path = model_module.default_model_path() if model == "default" else Path(model)
        model_module.load(path)  # ModelError (exit 2) for a file that is not a model
        model_bytes = path.read_bytes()
    h = hashlib.sha256(__version__.encode())
    for data in rule_files:
        h.update(len(data).to_bytes(8, "big") + data)
    h.update(b"model:" + (model_bytes if model_bytes is not None else b"none"))
    return ClassifierSpec(key=h.hexdigest(), rule_files=rule_files, rules_sha256=ruleset.sha256, model=model_bytes)


# --- worker side: one classifier per process and spec ----------------------------------------

_lock = threading.Lock()
_classifiers: OrderedDict[str, object] = OrderedDict()
_specs: dict[str, ClassifierSpec] = {}  # specs installed by the plugin; tasks name them by key
_loads: Counter = Counter()  # classifier builds in this process, per key
_tasks: Counter = Counter()  # tasks run in this process, per key
_CACHE_SIZE = 4


def _options_key(options: dict) -> str:
    return "options:" + json.dumps(options, sort_keys=True, default=str)


def worker_classifier(spec: ClassifierSpec | str | dict | None = None):
    """The `Classifier` of this process for `spec` (a `ClassifierSpec`, the key of one installed by
    the plugin, or `Classifier` keyword options), built on first use and then kept."""
    from cybertype.classifier import Classifier

    if spec is None:
        spec = {}
    if isinstance(spec, ClassifierSpec):
        key, build = spec.key, spec.build
    elif isinstance(spec, str):
        key = spec
        installed = _specs.get(key)
        if installed is None:
            raise LookupError(f"no cybertype classifier {key[:12]} on this worker (plugin not set up)")
        build = installed.build
    else:
        options = dict(spec)
        key, build = _options_key(options), (lambda: Classifier(**options))
    with _lock:
        clf = _classifiers.get(key)
        if clf is None:
            clf = build()
            clf.classify("预热：杀猪盘 warm-up")  # loads jieba now, not inside the first task
            _classifiers[key] = clf
            _loads[key] += 1
            while len(_classifiers) > _CACHE_SIZE:
                _classifiers.popitem(last=False)
        else:
            _classifiers.move_to_end(key)
        return clf


def worker_stats() -> dict:
    """Classifier builds and tasks run in this process, per key (read on workers with `client.run`)."""
    from cybertype import __version__

    return {"loads": dict(_loads), "tasks": dict(_tasks), "pid": os.getpid(), "cybertype": __version__}


def _make_plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class CybertypePlugin(WorkerPlugin):
        """Installs a `ClassifierSpec` on every worker (and on workers that join later) and builds the
        classifier there once, before any task runs."""

        idempotent = True  # registering the same spec again (a second run) sends nothing

        def __init__(self, spec: ClassifierSpec):
            self.spec = spec
            self.name = f"cybertype-{spec.key[:16]}"

        def setup(self, worker):
            _specs[self.spec.key] = self.spec
            worker_classifier(self.spec.key)

    CybertypePlugin.__module__ = __name__
    CybertypePlugin.__qualname__ = "CybertypePlugin"
    return CybertypePlugin


def __getattr__(name: str):
    # The plugin class subclasses distributed's WorkerPlugin: built on first use so that importing this
    # module never imports Dask, and found here again by name when a worker unpickles it.
    if name == "CybertypePlugin":
        cls = _make_plugin_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _classify_chunk(key: str, recs: list[InputRecord]) -> list[Result]:
    from cybertype.classifier import classify_records

    _tasks[key] += 1
    return list(classify_records(worker_classifier(key), recs))


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
        else:
            # No dashboard; the scheduler's small HTTP server (health checks) on a free local port.
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                                   silence_logs=logging.ERROR)
            self._own.append(cluster)
            self.client = Client(cluster, set_as_default=False)
            self._own.insert(0, self.client)
        try:
            self._check_workers(scheduler)
        except BaseException:
            self.close()
            raise

    def _check_workers(self, scheduler: str | None) -> None:
        from cybertype import __version__

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
        plugin_class = globals().get("CybertypePlugin") or __getattr__("CybertypePlugin")
        self.client.register_plugin(plugin_class(spec))
        return spec.key

    def threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for thing in self._own:
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - closing a cluster that already lost its workers
                pass


def _first_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _lost(exc: BaseException) -> RuntimeError:
    return RuntimeError(f"lost the Dask scheduler ({_first_line(exc)}); the records written so far are complete: "
                        "run again with --resume to finish")


def _fatal(session_client) -> bool:
    return session_client.status not in ("running", "connecting")


def _failed(rec: InputRecord, exc: BaseException) -> Result:
    return error_result("WorkerError", f"classification failed on the Dask cluster: {_first_line(exc)}",
                        id=rec.id, source=rec.source, line=rec.line)


def _isolate(client, key: str, batch: list[InputRecord], retries: int = RETRIES) -> list[Result]:
    """Classify the texts of a failed chunk one per task: only a text that fails alone gets an error record."""
    futures = [None if r.error is not None else
               client.submit(_classify_chunk, key, [r], retries=retries, pure=False) for r in batch]
    out: list[Result] = []
    for rec, fut in zip(batch, futures):
        if fut is None:
            out.append(error_result(*rec.error, id=rec.id, source=rec.source, line=rec.line))
            continue
        try:
            out.extend(fut.result())
        except Exception as exc:  # noqa: BLE001
            if _fatal(client):
                raise _lost(exc) from exc
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
            pending.append((client.submit(_classify_chunk, key, batch, retries=retries, pure=False), batch))
            submitted += 1
            if submitted % 200 == 0:  # workers may have joined or left
                limit = max(2, 3 * session.threads())
        if not pending:
            return
        fut, batch = pending.popleft()
        try:
            results = fut.result()
        except Exception as exc:  # noqa: BLE001
            if _fatal(client):
                raise _lost(exc) from exc
            results = _isolate(client, key, batch, retries)
        finally:
            fut.release()
        yield from results


def classify_dask(items: list[B.FileItem], options: dict, o, done=None, *, client=None,
                  chunk: int = CHUNK_TEXTS) -> Iterator[Result]:
    """The `--engine dask` folder engine: results of every file in `items`, in the local engine's order.

    `options` are `Classifier` keyword options (`batch.classifier_options`); `o` the `BatchOptions`
    (scheduler, workers, text_field, id_field, max_bytes); `done` the (source, id) pairs to skip on
    resume. The cluster is set up before this returns (errors surface at once) and closed when the
    iterator ends or is dropped.
    """
    require_dask()
    spec = classifier_spec(**options)
    session = Session(getattr(o, "scheduler", None), getattr(o, "workers", None), client)
    try:
        key = session.install(spec)
    except BaseException:
        session.close()
        raise
    recs = B.records(items, text_field=o.text_field, id_field=o.id_field, max_bytes=o.max_bytes, done=done)

    def run():
        try:
            yield from ordered_results(session, recs, key, chunk=chunk)
        finally:
            session.close()

    results = run()
    weakref.finalize(results, session.close)  # also closes a cluster whose iterator never started
    return results


# --- datasets: JSONL or Parquet in, partitioned JSONL / CSV / Parquet out ------------------------

def _is_parquet_input(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".parquet"
    if path.is_dir():
        files = (i.path for i in B.walk([path], globs=("*",)) if not i.path.name.startswith(("_", ".")))
        seen = False
        for f in files:
            if f.suffix.lower() != ".parquet":
                return False
            seen = True
        return seen
    return False


def is_dataset(inputs: Iterable[str | Path], output: str | None) -> bool:
    """True when a batch reads a dataset and writes a folder of parts: the output names a folder (an
    existing one, or a path ending in '/'), or an input is Parquet (a .parquet file or a folder of them)."""
    if output and output != "-" and (output.endswith(("/", os.sep)) or Path(output).is_dir()):
        return True
    return any(_is_parquet_input(Path(p)) for p in inputs)


@dataclass(frozen=True)
class Part:
    """One partition of a dataset: a byte block of a JSONL file, or a row range of a Parquet row group."""

    index: int
    kind: str  # "jsonl" | "parquet"
    path: str
    source: str  # the file as named in records
    offset: int = 0  # jsonl: byte block
    length: int = 0
    first_line: int = 1  # jsonl: number of the block's first line
    row_group: int = 0  # parquet
    row_start: int = 0  # first row inside the row group
    rows: int = 0
    first_row: int = 1  # parquet: number (from 1) of the first row in the file


# Counts of one written part, merged into the run's summary.
PartStats = B.Counts


def dataset_files(inputs: Iterable[str | Path], globs: Iterable[str] = (), excludes: Iterable[str] = ()) -> list[B.FileItem]:
    """The JSONL and Parquet files of a dataset (files as given, folders walked), in sorted order."""
    # Without --glob every file of a folder must be a part (names starting with _ or . aside, such as
    # _SUCCESS): a folder of documents given with -o DIR/ is refused rather than half read.
    items = list(B.walk([Path(p) for p in inputs], tuple(globs) or ("*",), excludes))
    items = [i for i in items if not i.path.name.startswith(("_", "."))]
    for i in items:
        if i.path.suffix.lower() not in (".jsonl", ".ndjson", ".parquet"):
            raise ValueError(f"{i.path}: not a dataset part; a dataset is made of .jsonl (or .ndjson) and .parquet "
                             "files (use --exclude, or give -o FILE to label a folder of documents)")
    if not items:
        raise ValueError("no .jsonl or .parquet file in the dataset input (a folder of documents is labeled "
                         "into one file: -o FILE)")
    return items


def _read_block(path: str, offset: int, length: int) -> bytes:
    from fsspec.utils import read_block

    with open(path, "rb") as fh:
        return read_block(fh, offset, length, delimiter=b"\n")


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # as the file readers: a lone \r ends a line too, U+2028 does not


def _count_lines(path: str, offset: int, length: int) -> int:
    return len(_LINE_BREAK.findall(_read_block(path, offset, length)))


def _jsonl_part_records(part: Part, text_field: str, id_field: str) -> list[InputRecord]:
    from cybertype.inputs import _jsonl_lines

    data = _read_block(part.path, part.offset, part.length)
    if part.offset == 0 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = _LINE_BREAK.split(data)  # blocks end at a \n, so a \r\n is never cut in two
    if lines and lines[-1] == b"":
        lines.pop()
    out: list[InputRecord] = []
    for k, raw in enumerate(lines):
        try:
            line, notes = raw.decode("utf-8"), []
        except UnicodeDecodeError:
            line = raw.decode("utf-8", errors="replace")
            notes = [f"{line.count(chr(0xFFFD))} invalid UTF-8 byte sequence(s) replaced with U+FFFD"]
        out.extend(_jsonl_lines([(part.first_line + k, line)], part.source, text_field, id_field, notes))
    return out


def _row_record(value, rid, source: str | None, line: int | None, text_field: str) -> InputRecord:
    where = f"row {line}: " if line is not None else ""
    if _is_missing(value):
        return InputRecord(id=rid, source=source, error=("MissingField", f"{where}no {text_field!r} value"), line=line)
    if not isinstance(value, str):
        return InputRecord(id=rid, source=source, line=line,
                           error=("InvalidRecord", f"{where}{text_field!r} is {type(value).__name__}, not a string"))
    return InputRecord(id=rid, source=source, text=value, line=line)


def _is_missing(value) -> bool:
    """None, NaN, or pandas' NA / NaT: a missing value in a table."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def _id_text(value) -> str | None:
    if isinstance(value, (dict, list, tuple)) or _is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars: 5, not np.int64(5)
        value = value.item()
    return str(value)


def _parquet_part_records(part: Part, text_field: str, id_field: str) -> list[InputRecord]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(part.path)
    names = pf.schema_arrow.names
    cols = [c for c in dict.fromkeys((text_field, id_field)) if c in names]
    table = pf.read_row_group(part.row_group, columns=cols).slice(part.row_start, part.rows)
    texts = table.column(text_field).to_pylist() if text_field in cols else [None] * table.num_rows
    ids = table.column(id_field).to_pylist() if id_field in cols else [None] * table.num_rows
    out = []
    for k, (value, rid) in enumerate(zip(texts, ids)):
        n = part.first_row + k
        out.append(_row_record(value, _id_text(rid) or str(n), f"{part.source}:{n}", n, text_field))
    return out


def _part_records(part: Part, text_field: str, id_field: str) -> list[InputRecord]:
    if part.kind == "jsonl":
        return _jsonl_part_records(part, text_field, id_field)
    return _parquet_part_records(part, text_field, id_field)


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{FORMATS[fmt]}"


def arrow_schema():
    """The pyarrow schema of result records in Parquet (scores: one field per label; null on error records)."""
    import pyarrow as pa

    from cybertype.labels import LABEL_IDS

    evidence = pa.struct([("rule", pa.string()), ("label", pa.string()), ("match", pa.string()),
                          ("start", pa.int64()), ("end", pa.int64())])
    return pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("labels", pa.list_(pa.string())), ("primary", pa.string()),
        ("scores", pa.struct([(label, pa.float64()) for label in LABEL_IDS])),
        ("evidence", pa.list_(evidence)),
        ("error", pa.struct([("type", pa.string()), ("message", pa.string()), ("line", pa.int64())])),
        ("warnings", pa.list_(pa.string())),
    ])


def write_part(results: Iterable[Result], out_dir: str | Path, index: int, fmt: str = "jsonl",
               skip_none: bool = False) -> PartStats:
    """Write one part file atomically (a temporary file renamed into place); return its counts."""
    from cybertype import outputs

    stats = PartStats()
    kept = []
    for r in results:
        stats.add(r)
        if skip_none and r.error is None and not r.labels:
            stats.skipped_none += 1
            continue
        kept.append(r)
    out_dir = Path(out_dir)
    final = out_dir / part_name(index, fmt)
    tmp = out_dir / f".{final.name}.{uuid.uuid4().hex}.tmp"
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist([r.model_dump(mode="json") for r in kept], schema=arrow_schema()), tmp)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                writer = outputs.write_csv(kept, fh) if fmt == "csv" else outputs.write_jsonl(kept, fh)
                for _ in writer:
                    pass
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return stats


def _label_part(key: str, part: Part, text_field: str, id_field: str, out_dir: str, fmt: str,
                skip_none: bool) -> PartStats:
    from cybertype.classifier import classify_records

    _tasks[key] += 1
    recs = _part_records(part, text_field, id_field)
    return write_part(classify_records(worker_classifier(key), recs), out_dir, part.index, fmt, skip_none)


def plan_parts(session: Session | None, files: list[B.FileItem], *, blocksize: int = JSONL_BLOCK_BYTES,
               partition_rows: int = PARQUET_PART_ROWS) -> list[Part]:
    """Partitions of the dataset files, in input order. JSONL line numbers come from counting the
    line ends of the blocks before (on the workers when there is a session)."""
    import pyarrow.parquet as pq

    parts: list[Part] = []
    blocks: list[tuple[int, B.FileItem, int]] = []  # (position in parts, file, offset)
    for item in files:
        if item.path.suffix.lower() == ".parquet":
            meta = pq.ParquetFile(item.path).metadata
            first = 1
            for g in range(meta.num_row_groups):
                n = meta.row_group(g).num_rows
                for start in range(0, n, partition_rows):
                    parts.append(Part(len(parts), "parquet", str(item.path), item.source, row_group=g, row_start=start,
                                      rows=min(partition_rows, n - start), first_row=first + start))
                first += n
        else:
            size = item.path.stat().st_size
            for offset in range(0, size, blocksize):
                blocks.append((len(parts), item, offset))
                parts.append(Part(len(parts), "jsonl", str(item.path), item.source, offset=offset, length=blocksize))
    if blocks:
        args = [(str(item.path), offset, blocksize) for _, item, offset in blocks]
        if session is not None:
            futures = session.client.map(_count_lines, *zip(*args), retries=RETRIES, pure=False)
            counts = session.client.gather(futures)
        else:
            counts = [_count_lines(*a) for a in args]
        line_of: dict[str, int] = {}
        for (pos, item, _), n in zip(blocks, counts):
            first = line_of.get(str(item.path), 1)
            parts[pos] = dataclasses.replace(parts[pos], first_line=first)
            line_of[str(item.path)] = first + n
    return parts


def classify_dataset(inputs: Iterable[str | Path], out_dir: str | Path, *, format: str = "jsonl",
                     text_field: str = "text", id_field: str = "id", scheduler: str | None = None,
                     workers: int | None = None, client=None, resume: bool = False, skip_none: bool = False,
                     globs: Iterable[str] = (), excludes: Iterable[str] = (), blocksize: int = JSONL_BLOCK_BYTES,
                     partition_rows: int = PARQUET_PART_ROWS, summary=None, rules_dirs: Iterable[str | Path] = (),
                     builtin_rules: bool = True, model="default") -> PartStats:
    """Label a JSONL or Parquet dataset on a Dask cluster into `out_dir/part-NNNNN.<format>`.

    Parts are numbered in input order (file, then position), so reading them in name order gives the
    records in input order. Sources are `file:LINE` (JSONL) or `file:ROW` (Parquet, rows counted from 1);
    ids come from `id_field`, else the line or row number. With `resume`, parts already written are kept.
    Returns the counts of this run (and adds them to `summary`, a `batch.Summary`, when given).
    """
    require_dask()
    if format not in FORMATS:
        raise ValueError(f"unknown dataset output format {format!r} (jsonl, csv or parquet)")
    files = dataset_files(inputs, globs, excludes)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} is a file: a dataset is written as a folder of parts (-o DIR/)")
    resolved = out_dir.resolve()
    for p in inputs:
        p = Path(p).resolve()
        if p.is_dir() and (resolved == p or p in resolved.parents):
            raise ValueError(f"the output folder {out_dir} must not be inside the input folder {p}")
    spec = classifier_spec(rules_dirs, builtin_rules, model)
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = {f.name for f in out_dir.glob("part-*") if f.is_file()}
    if existing and not resume:
        raise ValueError(f"{out_dir} already holds parts of an earlier run: use --resume, or an empty folder")
    session = Session(scheduler, workers, client)
    total = PartStats()
    try:
        key = session.install(spec)
        parts = [p for p in plan_parts(session, files, blocksize=blocksize, partition_rows=partition_rows)
                 if part_name(p.index, format) not in existing]
        _run_parts(session, key, parts, text_field, id_field, str(out_dir), format, skip_none, total)
    finally:
        session.close()
    if summary is not None:
        total.merge_into(summary)
    return total


def _run_parts(session: Session, key: str, parts: list[Part], text_field: str, id_field: str, out_dir: str,
               fmt: str, skip_none: bool, total: PartStats) -> None:
    from distributed import as_completed

    client = session.client
    by_future = {client.submit(_label_part, key, p, text_field, id_field, out_dir, fmt, skip_none,
                               retries=RETRIES, pure=False): p for p in parts}
    for fut in as_completed(list(by_future), loop=client.loop):
        part = by_future.pop(fut)
        try:
            stats = fut.result()
        except Exception as exc:  # noqa: BLE001
            if _fatal(client):
                raise _lost(exc) from exc
            # The part failed on every try: read it here, classify its texts one per task, write it here.
            recs = _part_records(part, text_field, id_field)
            stats = write_part(_isolate(client, key, recs), out_dir, part.index, fmt, skip_none)
        finally:
            fut.release()
        stats.merge_into(total)


# --- Python API for your own pipelines ----------------------------------------------------------

def _spec_or_options(spec, options: dict):
    return spec if spec is not None else options


def _classify_bag_partition(items, spec, text_field: str, id_field: str, source_field: str | None) -> list[dict]:
    from cybertype.classifier import classify_records

    recs = []
    for item in items:
        if isinstance(item, str):
            recs.append(InputRecord(id=None, source=None, text=item))
        elif isinstance(item, dict):
            src = item.get(source_field) if source_field else None
            recs.append(_row_record(item.get(text_field), _id_text(item.get(id_field)),
                                    src if isinstance(src, str) else None, None, text_field))
        else:
            recs.append(_row_record(item, None, None, None, text_field))
    return [r.model_dump(mode="json") for r in classify_records(worker_classifier(spec), recs)]


def classify_bag(bag, *, text_field: str = "text", id_field: str = "id", source_field: str | None = None,
                 rules_dirs: Iterable[str | Path] = (), builtin_rules: bool = True, model="default"):
    """Map a Dask bag of texts (str) or records (dicts with `text_field`, and `id_field`) to a bag of result
    records (dicts, the JSON record of `cybertype schema`), in the same order.

    The rules and model are read here and shipped once to every worker that needs them; each worker
    builds its classifier once.
    """
    require_dask()
    import dask

    spec = dask.delayed(classifier_spec(rules_dirs, builtin_rules, model), pure=True)
    return bag.map_partitions(_classify_bag_partition, spec, text_field, id_field, source_field)


def result_frame(results: Iterable[Result | dict]):
    """A pandas DataFrame of result records: `RESULT_COLUMNS`, object columns (nested values kept)."""
    import pandas as pd

    rows = [r.model_dump(mode="json") if isinstance(r, Result) else r for r in results]
    return pd.DataFrame({c: pd.Series([row[c] for row in rows], dtype=object) for c in RESULT_COLUMNS})


def result_meta():
    """The empty frame to pass as `meta=` to `ddf.map_partitions(classify_partition, ...)`."""
    return result_frame([])


def classify_partition(df, *, text_field: str = "text", id_field: str = "id", source_field: str | None = None,
                       spec: ClassifierSpec | None = None, **options):
    """Result records of one pandas DataFrame (a Dask DataFrame partition), one row per input row, in order.

    Use with `ddf.map_partitions(classify_partition, text_field="body", meta=result_meta())`. The text comes
    from `text_field`; `id` from `id_field` and `source` from `source_field` when those columns exist (else
    None). A missing or non-string text gives an error record. `options` are `Classifier` keyword options
    (`rules_dirs`, `builtin_rules`, `model`: paths as seen by the worker), or pass a `spec`
    (`classifier_spec(...)`); either way each worker process builds its classifier once.
    """
    from cybertype.classifier import classify_records

    n = len(df)
    texts = df[text_field].tolist() if text_field in df.columns else [None] * n
    ids = df[id_field].tolist() if id_field in df.columns else [None] * n
    sources = df[source_field].tolist() if source_field and source_field in df.columns else [None] * n
    recs = [_row_record(t, _id_text(i), s if isinstance(s, str) else None, None, text_field)
            for t, i, s in zip(texts, ids, sources)]
    results = classify_records(worker_classifier(_spec_or_options(spec, options)), recs)
    frame = result_frame(results)
    frame.index = df.index
    return frame


def classify_dataframe(ddf, *, text_field: str = "text", id_field: str = "id", source_field: str | None = None,
                       rules_dirs: Iterable[str | Path] = (), builtin_rules: bool = True, model="default"):
    """`classify_partition` over every partition of a Dask DataFrame, with the rules and model read here
    and shipped to the workers (no rule or model file needed on them). Returns a Dask DataFrame."""
    require_dask()
    import dask

    spec = dask.delayed(classifier_spec(rules_dirs, builtin_rules, model), pure=True)
    return ddf.map_partitions(classify_partition, text_field=text_field, id_field=id_field,
                              source_field=source_field, spec=spec, meta=result_meta())
