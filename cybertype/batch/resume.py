"""`--resume`: what an earlier run left in the output, checked before anything is appended to it.

A run records its settings in a sidecar `OUT.meta.json` (format, SHA-256 of the rules and model,
--max-bytes, --text-field, --id-field, --encoding). `--resume` refuses, with exit 2, an output of
another format, a file that is not a cybertype output, other settings than the first run's, or a
damaged line in the middle; a line torn by a kill at the very end (in CSV also one torn inside a
quoted newline) is cut off. The records found are counted, so the summary describes the whole file.

Texts that `--skip-none` leaves out of the output are listed in `OUT.skipped.jsonl` beside it (id and
source, a line each, flushed as they go), so that `--resume` knows them done too and never redoes them.
"""
from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from cybertype.batch.walk import done_key, file_key
from cybertype.io.outputs import CSV_COLUMNS, atomic_output, escape_surrogates

_FLAGS = {"format": "-f/--format", "rules_sha256": "the rules (--rules, --no-builtin-rules)",
          "model_sha256": "--model", "max_bytes": "--max-bytes", "text_field": "--text-field",
          "id_field": "--id-field", "encoding": "--encoding"}
_NEEDED = {"labels", "primary", "source"}


class ResumeRefused(ValueError):
    """The output cannot be resumed safely (exit 2); nothing was changed in it."""


class Seen(NamedTuple):
    """One record found in the output: enough to skip its text, count it and sort its file."""

    source: str | None
    id: str | None
    primary: str
    labels: tuple[str, ...]
    error: str | None  # the error's type


@dataclass
class Earlier:
    """The records of an earlier run, in file order, and the texts it left out (`--skip-none`)."""

    records: list[Seen] = field(default_factory=list)
    skipped: list[Seen] = field(default_factory=list)

    @property
    def done(self) -> set[tuple[str | None, str | None]]:
        """(source, id) of every text done, lone surrogates written as escapes (as CSV stores them)."""
        return {done_key(r.source, r.id) for r in (*self.records, *self.skipped)}

    def by_file(self) -> dict[str, list[Seen]]:
        """Records per file (the file part of their source), the texts left out included."""
        out: dict[str, list[Seen]] = {}
        for r in (*self.records, *self.skipped):
            out.setdefault(escape_surrogates(file_key(r.source or "")), []).append(r)
        return out


def skipped_path(output: Path) -> Path:
    """Where a `--skip-none` run lists the texts it left out: `OUT.skipped.jsonl` beside the output."""
    return output.with_name(output.name + ".skipped.jsonl")


def skipped_entry(line) -> str:
    """The log line of a text left out (a `Line`): its id and source, as ASCII JSON (lone surrogates escaped)."""
    return json.dumps({"id": line.id, "source": line.source}) + "\n"


def read_skipped(output: Path) -> list[Seen]:
    """The texts an earlier run left out of `output`; a line torn by a kill at the end is cut off."""
    path = skipped_path(output)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ResumeRefused(f"--resume: cannot read {path} ({exc.strerror}); start afresh without --resume") from None
    found, complete = [], 0
    for n, (a, b) in enumerate(_lines(data), 1):
        try:
            rec = json.loads(data[a:b])
        except (ValueError, RecursionError):
            rec = None
        if not isinstance(rec, dict) or not {"id", "source"} <= rec.keys():
            raise ResumeRefused(f"--resume: {path}:{n}: damaged line; refusing to resume: repair or remove "
                                "that line, or start afresh")
        found.append(Seen(rec["source"], rec["id"], "none", (), None))
        complete = b
    if complete < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(complete)
    return found


def sidecar_path(output: Path) -> Path:
    """Where a run records its settings: `OUT.meta.json` beside the output."""
    return output.with_name(output.name + ".meta.json")


def write_sidecar(output: Path, settings: dict) -> None:
    """Record the run's settings beside its output (written whole or not at all)."""
    with atomic_output(sidecar_path(output), flag="the resume record") as fh:
        json.dump({"cybertype_output": 1, **settings}, fh, ensure_ascii=False, indent=1)


def check_settings(output: Path, settings: dict) -> bool:
    """Refuse to resume an output made with other settings; False when the output has no sidecar (older run)."""
    side = sidecar_path(output)
    if not side.exists():
        return False
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResumeRefused(f"--resume: cannot read {side} ({exc}); start afresh without --resume") from None
    if not isinstance(meta, dict) or meta.get("cybertype_output") != 1:
        raise ResumeRefused(f"--resume: {side} is not a cybertype run record; start afresh without --resume")
    if meta.get("format") != settings["format"]:
        raise ResumeRefused(f"--resume: {output} is a {meta.get('format')} output and this run writes "
                            f"{settings['format']}: give -f {meta.get('format')}, or write elsewhere")
    differ = [k for k in settings if k in _FLAGS and meta.get(k) != settings[k]]
    if differ:
        told = "; ".join(f"{_FLAGS[k]}: {meta.get(k)!r} then, {settings[k]!r} now" for k in differ)
        raise ResumeRefused(f"--resume: {output} was made with other settings ({told}); "
                            "resume with the first run's settings, or write elsewhere")
    return True


def read_output(path: Path, fmt: str) -> Earlier:
    """Check every record of an earlier output and cut off a torn last one; refuse a damaged file."""
    data = path.read_bytes()
    if not data:
        return Earlier()
    pieces = list(_csv_records(data) if fmt == "csv" else _lines(data))
    complete = pieces[-1][1] if pieces else 0
    torn = complete < len(data)
    found = _read_csv(path, data, pieces) if fmt == "csv" else _read_jsonl(path, data, pieces)
    if torn and not _may_start_record(data[complete:], fmt, header=not pieces):
        raise _refuse(path, len(pieces) + 1, "its last line is not part of a cybertype record")
    if torn:
        # A kill mid-write leaves part of one record at the very end: drop it (its text is done again).
        with open(path, "r+b") as fh:
            fh.truncate(complete)
    return found


def _may_start_record(torn: bytes, fmt: str, header: bool) -> bool:
    """Whether an unfinished last line could be the start of what cybertype writes there."""
    if fmt == "csv" and not header:
        return True  # a CSV row can start with anything
    opening = b"id,source,labels,primary" if fmt == "csv" else b'{"id": '
    return opening.startswith(torn[:len(opening)])


def _lines(data: bytes) -> Iterator[tuple[int, int]]:
    start = 0
    while (end := data.find(b"\n", start)) != -1:
        yield start, end + 1
        start = end + 1


def _csv_records(data: bytes) -> Iterator[tuple[int, int]]:
    """Byte spans of complete CSV records: a newline ends one only outside quotes (an even count so far)."""
    start, quotes, pos = 0, 0, 0
    while (end := data.find(b"\n", pos)) != -1:
        quotes += data.count(b'"', pos, end)
        pos = end + 1
        if quotes % 2 == 0:
            yield start, pos
            start, quotes = pos, 0


def _refuse(path: Path, n: int, why: str) -> ResumeRefused:
    if n == 1:
        return ResumeRefused(f"--resume: {path} is not a cybertype output ({why}); refusing to append to it")
    return ResumeRefused(f"--resume: {path}:{n}: damaged record ({why}); refusing to resume: repair or remove "
                         "that line, or start afresh")


def _read_jsonl(path: Path, data: bytes, spans) -> Earlier:
    found = Earlier()
    for n, (a, b) in enumerate(spans, 1):
        raw = data[a:b].strip()
        if n == 1 and raw.startswith(b"id,source,labels,primary"):
            raise ResumeRefused(f"--resume: {path} is a csv output and this run writes jsonl: give -f csv")
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _refuse(path, n, "not JSON") from None
        if not isinstance(rec, dict) or not _NEEDED <= rec.keys():
            raise _refuse(path, n, "not a cybertype record")
        err = rec.get("error")
        found.records.append(Seen(rec.get("source"), rec.get("id"), str(rec.get("primary")),
                                  tuple(rec.get("labels") or ()), err.get("type") if isinstance(err, dict) else None))
    return found


def _read_csv(path: Path, data: bytes, spans) -> Earlier:
    found = Earlier()
    err_col = CSV_COLUMNS.index("error_type")
    for n, (a, b) in enumerate(spans, 1):
        try:
            rows = list(csv.reader([data[a:b].decode("utf-8")]))
        except (UnicodeDecodeError, csv.Error):
            rows = []
        if n == 1:
            if not rows or rows[0] != CSV_COLUMNS:
                if data[a:b].lstrip().startswith(b"{"):
                    raise ResumeRefused(f"--resume: {path} is a jsonl output and this run writes csv: give -f jsonl")
                raise _refuse(path, 1, "its header is not cybertype's, or is an older cybertype's")
            continue
        if len(rows) != 1 or len(rows[0]) != len(CSV_COLUMNS):
            raise _refuse(path, n, f"not a row of {len(CSV_COLUMNS)} columns")
        row = rows[0]
        found.records.append(Seen(row[1] or None, row[0] or None, row[3], tuple(filter(None, row[2].split(";"))),
                                  row[err_col] or None))
    if not spans:
        raise _refuse(path, 1, "no complete header")
    return found


def settings(fmt: str, provenance: dict, *, max_bytes: int | None, text_field: str, id_field: str,
             encoding: str | None) -> dict:
    """What must stay the same between a run and its resumption."""
    return {"format": fmt, "rules_sha256": provenance.get("rules_sha256"),
            "model_sha256": provenance.get("model_sha256"), "max_bytes": max_bytes, "text_field": text_field,
            "id_field": id_field, "encoding": encoding}


def exists_nonempty(path: Path) -> bool:
    """True when `path` holds something (an earlier run's output)."""
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False
