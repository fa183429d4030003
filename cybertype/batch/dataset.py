"""Datasets on Dask: JSONL or Parquet in, a folder of parts out (JSONL, CSV or Parquet), one part per partition.

Every worker reads its partitions and writes `out_dir/part-NNNNN.<format>`; input and output must be
reachable from every worker. JSONL files are cut into byte blocks at line ends by Dask's own reader
(`dask.bytes.read_bytes`); Parquet files into row ranges of their row groups.
"""
from __future__ import annotations

import dataclasses
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cybertype.batch.counts import Counts
from cybertype.batch.engines.dask import RETRIES, Session, fatal, isolate, lost, require_dask
from cybertype.batch.engines.dask_worker import classifier_spec, count_task, worker_classifier
from cybertype.batch.walk import FileItem, walk
from cybertype.classifier import classify_records
from cybertype.io import outputs
from cybertype.io.inputs import InputRecord, id_text, jsonl_lines, row_record
from cybertype.labels import LABEL_IDS
from cybertype.result import Result

JSONL_BLOCK_BYTES = 8 << 20  # a JSONL dataset is split into blocks of about this size, at line ends
PARQUET_PART_ROWS = 20_000  # a Parquet row group is split into partitions of at most this many rows
FORMATS = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}


def _is_parquet_input(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".parquet"
    if path.is_dir():
        files = (i.path for i in walk([path], globs=("*",)) if i.error is None and not i.path.name.startswith(("_", ".")))
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
    first_block: bool = False  # jsonl: the file's first block (where a BOM may be)
    first_line: int = 1  # jsonl: number of the block's first line
    row_group: int = 0  # parquet
    row_start: int = 0  # first row inside the row group
    rows: int = 0
    first_row: int = 1  # parquet: number (from 1) of the first row in the file


# Counts of one written part, merged into the run's summary.
PartStats = Counts


def dataset_files(inputs: Iterable[str | Path], globs: Iterable[str] = (), excludes: Iterable[str] = ()) -> list[FileItem]:
    """The JSONL and Parquet files of a dataset (files as given, folders walked), in sorted order."""
    # Without --glob every file of a folder must be a part (names starting with _ or . aside, such as
    # _SUCCESS): a folder of documents given with -o DIR/ is refused rather than half read.
    items = list(walk([Path(p) for p in inputs], tuple(globs) or ("*",), excludes))
    items = [i for i in items if not i.path.name.startswith(("_", "."))]
    for i in items:
        if i.error is not None:  # a dataset half read is worse than none: stop before any work
            raise ValueError(f"{i.path}: {i.error}")
        if i.path.suffix.lower() not in (".jsonl", ".ndjson", ".parquet"):
            raise ValueError(f"{i.path}: not a dataset part; a dataset is made of .jsonl (or .ndjson) and .parquet "
                             "files (use --exclude, or give -o FILE to label a folder of documents)")
    if not items:
        raise ValueError("no .jsonl or .parquet file in the dataset input (a folder of documents is labeled "
                         "into one file: -o FILE)")
    return items


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # as the file readers: a lone \r ends a line too, U+2028 does not


def _count_lines(block: bytes) -> int:
    return len(_LINE_BREAK.findall(block))


def _jsonl_part_records(part: Part, block: bytes, text_field: str, id_field: str) -> list[InputRecord]:
    # The block is Dask's (bytes cut at \n), but lines are split and decoded here, not by
    # `dask.bag.read_text`: that decodes a whole block with one codec (one bad byte would fail the block,
    # where here only its line gets a replacement and a warning), splits at \n only (the file readers
    # also end a line at a lone \r), and knows no line numbers, which sources and error records carry.
    data = block
    if part.first_block and data.startswith(b"\xef\xbb\xbf"):
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
        out.extend(jsonl_lines([(part.first_line + k, line)], part.source, text_field, id_field, notes))
    return out


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
        out.append(row_record(value, id_text(rid) or str(n), f"{part.source}:{n}", n, text_field))
    return out


def _part_records(part: Part, block: bytes | None, text_field: str, id_field: str) -> list[InputRecord]:
    if part.kind == "jsonl":
        return _jsonl_part_records(part, block, text_field, id_field)
    return _parquet_part_records(part, text_field, id_field)


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{FORMATS[fmt]}"


def arrow_schema():
    """The pyarrow schema of result records in Parquet (scores: one field per label; null on error records)."""
    import pyarrow as pa

    evidence = pa.struct([("rule", pa.string()), ("label", pa.string()), ("match", pa.string()),
                          ("start", pa.int64()), ("end", pa.int64()), ("source", pa.string()),
                          ("weight", pa.float64()), ("counter", pa.bool_()), ("feature", pa.string())])
    return pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("labels", pa.list_(pa.string())), ("primary", pa.string()),
        ("scores", pa.struct([(label, pa.float64()) for label in LABEL_IDS])),
        ("evidence", pa.list_(evidence)),
        ("error", pa.struct([("type", pa.string()), ("message", pa.string()), ("line", pa.int64())])),
        ("warnings", pa.list_(pa.string())),
        ("uncertain", pa.list_(pa.string())),
    ])


def write_part(results: Iterable[Result], out_dir: str | Path, index: int, fmt: str = "jsonl",
               skip_none: bool = False) -> PartStats:
    """Write one part file atomically (a temporary file renamed into place); return its counts."""
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

            pq.write_table(pa.Table.from_pylist([outputs.record_dict(r) for r in kept], schema=arrow_schema()), tmp)
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


def _label_part(key: str, part: Part, block: bytes | None, text_field: str, id_field: str, out_dir: str, fmt: str,
                skip_none: bool) -> PartStats:
    count_task(key)
    recs = _part_records(part, block, text_field, id_field)
    return write_part(classify_records(worker_classifier(key), recs), out_dir, part.index, fmt, skip_none)


def plan_parts(session: Session | None, files: list[FileItem], *, blocksize: int = JSONL_BLOCK_BYTES,
               partition_rows: int = PARQUET_PART_ROWS) -> tuple[list[Part], dict]:
    """Partitions of the dataset files, in input order, and the Dask block (a delayed read) of each JSONL
    part by index. JSONL line numbers come from counting the line ends of the blocks before (on the
    workers when there is a session)."""
    import dask
    import pyarrow.parquet as pq
    from dask.bytes import read_bytes

    parts: list[Part] = []
    blocks: dict[int, object] = {}
    for item in files:
        if item.path.suffix.lower() == ".parquet":
            # Row groups are read with pyarrow, not `dask.dataframe.read_parquet`: that goes through pandas,
            # which turns an integer id column with nulls into floats ("5.0" ids), and it numbers no rows,
            # while sources and error records name the row. The file's metadata gives both exactly.
            meta = pq.ParquetFile(item.path).metadata
            first = 1
            for g in range(meta.num_row_groups):
                n = meta.row_group(g).num_rows
                for start in range(0, n, partition_rows):
                    parts.append(Part(len(parts), "parquet", str(item.path), item.source, row_group=g, row_start=start,
                                      rows=min(partition_rows, n - start), first_row=first + start))
                first += n
        else:
            _, [file_blocks] = read_bytes(str(item.path), delimiter=b"\n", blocksize=blocksize, sample=False)
            for k, block in enumerate(file_blocks):
                blocks[len(parts)] = block
                parts.append(Part(len(parts), "jsonl", str(item.path), item.source, first_block=k == 0))
    if blocks:
        count = dask.delayed(_count_lines, pure=True)
        tasks = [count(block) for block in blocks.values()]
        if session is not None:
            counts = session.client.gather(session.client.compute(tasks, retries=RETRIES))
        else:
            counts = dask.compute(*tasks, scheduler="sync")
        line_of: dict[str, int] = {}
        for pos, n in zip(blocks, counts):
            first = line_of.get(parts[pos].path, 1)
            parts[pos] = dataclasses.replace(parts[pos], first_line=first)
            line_of[parts[pos].path] = first + n
    return parts, blocks


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
        parts, blocks = plan_parts(session, files, blocksize=blocksize, partition_rows=partition_rows)
        parts = [p for p in parts if part_name(p.index, format) not in existing]
        _run_parts(session, key, parts, blocks, text_field, id_field, str(out_dir), format, skip_none, total)
    finally:
        session.close()
    if summary is not None:
        total.merge_into(summary)
    return total


def _run_parts(session: Session, key: str, parts: list[Part], blocks: dict, text_field: str, id_field: str,
               out_dir: str, fmt: str, skip_none: bool, total: PartStats) -> None:
    import dask
    from distributed import as_completed

    client = session.client
    label = dask.delayed(_label_part, pure=False)
    tasks = [label(key, p, blocks.get(p.index), text_field, id_field, out_dir, fmt, skip_none) for p in parts]
    by_future = dict(zip(client.compute(tasks, retries=RETRIES), parts))
    for fut in as_completed(list(by_future), loop=client.loop):
        part = by_future.pop(fut)
        try:
            stats = fut.result()
        except Exception as exc:  # noqa: BLE001
            if fatal(client):
                raise lost(exc) from exc
            # The part failed on every try: read it here, classify its texts one per task, write it here.
            block = blocks[part.index].compute(scheduler="sync") if part.index in blocks else None
            recs = _part_records(part, block, text_field, id_field)
            stats = write_part(isolate(client, key, recs), out_dir, part.index, fmt, skip_none)
        finally:
            fut.release()
        stats.merge_into(total)
