"""Inputs: text files, JSON Lines, JSON and CSV, from paths or bytes, as `InputRecord`s (stdin: `io.stdin`).

Readers never raise for bad data: an unreadable file, an undecodable one or a
malformed line becomes an `InputRecord` with `error` set (and its line number),
and reading goes on with the next line or file.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cybertype.text.decode import DecodeError, decode_bytes
from cybertype.text.lines import decode_lines, needs_line_decoding

InputFormat = Literal["auto", "text", "jsonl", "csv", "json"]
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}
MAX_LINE_CHARS = 10_000_000  # one JSONL line beyond this is refused, not parsed

csv.field_size_limit(MAX_LINE_CHARS)

# JSON Lines break on \r\n, \r or \n only: str.splitlines() would also split inside JSON strings
# at U+2028, U+2029 or U+0085, which JSON allows unescaped.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(slots=True)
class InputRecord:
    """One text to classify, or the reason it could not be read."""

    id: str | None
    source: str | None
    text: str = ""
    error: tuple[str, str] | None = None  # (type, message)
    line: int | None = None
    warnings: list[str] = field(default_factory=list)
    fields: tuple[str, ...] = ()  # of a JSON object without the text field: the fields it has, for the message


def format_for(path: str | Path, requested: InputFormat = "auto") -> str:
    """The input format of a path: as requested, else by its extension (text by default)."""
    if requested != "auto":
        return requested
    return _BY_SUFFIX.get(Path(str(path)).suffix.lower(), "text")


def _error(kind: str, message: str, source: str, line: int | None = None, id: str | None = None) -> InputRecord:
    return InputRecord(id=id, source=source, error=(kind, message), line=line)


def read_path(
    path: str | Path,
    input_format: InputFormat = "auto",
    *,
    text_field: str = "text",
    id_field: str = "id",
    source: str | None = None,
    max_bytes: int | None = None,
    encoding: str | None = None,
    regular_only: bool = False,
) -> Iterator[InputRecord]:
    """Records of one file. `source` names it in the output (default: the path as given); `encoding` forces
    one instead of detecting it; `regular_only` gives a FIFO or a device an error record instead of reading it."""
    name = source if source is not None else str(path)
    fmt = format_for(path, input_format)
    try:
        data = _read_file(path, max_bytes + 1 if max_bytes else -1, regular_only)
    except OSError as exc:
        yield _error("ReadError", f"cannot read file: {exc.strerror or exc}", name)
        return
    notes = []
    truncated = bool(max_bytes and len(data) > max_bytes)
    if truncated:
        # Cut at max_bytes; the decoder drops a character cut in half there, in whatever encoding it finds.
        data = data[:max_bytes]
        notes.append(f"truncated: only the first {max_bytes} bytes were classified")
    yield from read_bytes(data, fmt, name=name, text_field=text_field, id_field=id_field, default_id=Path(str(path)).stem,
                          notes=notes, encoding=encoding, truncated=truncated)


def _read_file(path: str | Path, size: int, regular_only: bool) -> bytes:
    """Up to `size` bytes (-1: all). Opened non-blocking, so a FIFO put where a file was cannot hang the read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if regular_only and not stat.S_ISREG(mode):
            what = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise OSError(errno.EINVAL, f"not a regular file ({what})")
        os.set_blocking(fd, True)  # a regular file (or a pipe `classify` was given on purpose) reads normally
        return fh.read(size)


def read_bytes(
    data: bytes,
    fmt: str,
    *,
    name: str,
    text_field: str = "text",
    id_field: str = "id",
    default_id: str | None = None,
    notes: list[str] | None = None,
    encoding: str | None = None,
    truncated: bool = False,
) -> Iterator[InputRecord]:
    """Records of the bytes of one file in format `fmt` (text, jsonl, json or csv).

    A file that holds no record at all (empty, blank lines, a CSV header alone) yields one
    `EmptyInput` error record, so nothing disappears silently. `encoding` forces one; `truncated`
    says the bytes were cut anywhere (a character cut in half at the end is dropped). JSON Lines that
    are not all UTF-8 are decoded line by line, each line in its own encoding.
    """
    notes = list(notes or [])
    if fmt == "jsonl" and encoding is None and needs_line_decoding(data):
        yield from _not_empty(_mixed_jsonl(data, name, text_field, id_field, notes, truncated), name)
        return
    try:
        text, replaced = decode_bytes(data, encoding, truncated=truncated)
    except DecodeError as exc:
        yield _error("DecodeError", str(exc), name, id=default_id if fmt == "text" else None)
        return
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt == "text":
        if not text.strip():
            yield _error("EmptyInput", "the file holds no text", name, id=default_id)
            return
        yield InputRecord(id=default_id, source=name, text=text, warnings=notes + replaced)
        return
    if fmt == "jsonl":
        lines = ((n, line, _line_notes(line, notes, replaced)) for n, line in enumerate(_LINE_BREAK.split(text), 1))
        records = jsonl_lines(lines, name, text_field, id_field)
    elif fmt == "json":
        records = _json_document(text, name, text_field, id_field, notes, replaced)
    elif fmt == "csv":
        records = _csv_rows(text, name, text_field, id_field, notes, replaced)
    else:
        yield _error("UsageError", f"unknown input format {fmt!r}", name)
        return
    yield from _not_empty(records, name)


def _mixed_jsonl(data: bytes, name: str, text_field: str, id_field: str, notes: list[str],
                 truncated: bool) -> Iterator[InputRecord]:
    for line in decode_lines(data, truncated=truncated):
        if line.error is not None:
            yield _error("DecodeError", f"line {line.number}: {line.error}", f"{name}:{line.number}", line.number)
            continue
        yield from jsonl_lines([(line.number, line.text, notes + line.warnings)], name, text_field, id_field)


def _line_notes(line: str, notes: list[str], replaced: list[str]) -> list[str]:
    """Warnings for one line of a multi-record file: the decoding note only where bytes were replaced."""
    if not replaced or "\ufffd" not in line:
        return notes
    if any("UTF-8" in w for w in replaced):
        return notes + [f"{line.count(chr(0xFFFD))} invalid UTF-8 byte sequence(s) replaced with U+FFFD"]
    return notes + replaced


def _not_empty(records: Iterator[InputRecord], name: str) -> Iterator[InputRecord]:
    seen = False
    for rec in records:
        seen = True
        yield rec
    if not seen:
        yield _error("EmptyInput", "no records in the input", name)


def _record_from_object(obj, n: int, name: str, text_field: str, id_field: str, notes: list[str]) -> InputRecord:
    source = f"{name}:{n}"
    if not isinstance(obj, dict):
        return _error("InvalidRecord", f"line {n}: expected a JSON object, got {type(obj).__name__}", source, n)
    raw_id = obj.get(id_field)
    rid = str(raw_id) if raw_id is not None and not isinstance(raw_id, (dict, list)) else str(n)
    value = obj.get(text_field)
    if value is None:
        rec = _error("MissingField", f"line {n}: no {text_field!r} field", source, n, rid)
        rec.fields = tuple(str(k) for k in obj)[:20]
        return rec
    if not isinstance(value, str):
        return _error("InvalidRecord", f"line {n}: field {text_field!r} is {type(value).__name__}, not a string",
                      source, n, rid)
    return InputRecord(id=rid, source=source, text=value, line=n, warnings=list(notes))


def parse_json_line(line: str):
    """Parse one JSON Lines line; ValueError (with a short reason) when it is not valid JSON."""
    if len(line) > MAX_LINE_CHARS:
        raise ValueError(f"line longer than {MAX_LINE_CHARS} characters")
    try:
        return json.loads(line)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None


def jsonl_lines(lines, name: str, text_field: str, id_field: str, notes: list[str] = ()) -> Iterator[InputRecord]:
    """Records of (line number, line) pairs with `notes`, or of (line number, line, notes of that line)."""
    shared = list(notes)
    for n, line, *own in lines:
        notes = own[0] if own else shared
        if not line.strip():
            continue
        try:
            obj = parse_json_line(line)
        except ValueError as exc:
            yield _error("InvalidJSON", f"line {n}: {exc}", f"{name}:{n}", n)
            continue
        yield _record_from_object(obj, n, name, text_field, id_field, notes)


def _json_document(text: str, name: str, text_field: str, id_field: str, notes: list[str],
                   replaced: list[str]) -> Iterator[InputRecord]:
    try:
        doc = parse_json_line(text)
    except ValueError as exc:
        yield _error("InvalidJSON", str(exc), name)
        return
    items = doc if isinstance(doc, list) else [doc]
    for n, obj in enumerate(items, 1):
        rec = _record_from_object(obj, n, name, text_field, id_field, notes)
        if rec.error is None:
            rec.warnings = _line_notes(rec.text, notes, replaced)
        yield rec


def _csv_rows(text: str, name: str, text_field: str, id_field: str, notes: list[str],
              replaced: list[str]) -> Iterator[InputRecord]:
    """Rows of a CSV file. A row the parser cannot read (an unterminated or stray quote) becomes an
    error record with its line number, and parsing resumes on the line after the one it began on."""
    lines = io.StringIO(text, newline="").readlines()  # keeps \r\n, \r and \n, like the csv module wants
    if not lines:
        return
    header_reader = csv.reader(lines[:1], strict=True)
    try:
        header = next(header_reader)
    except (StopIteration, csv.Error) as exc:
        yield _error("InvalidCSV", f"header: {exc or 'empty'}", name, 1)
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if text_field not in header:
        yield _error("MissingField", f"no {text_field!r} column (columns: {', '.join(header)})", name, 1)
        return
    ti = header.index(text_field)
    ii = header.index(id_field) if id_field in header else None
    pos = 1  # index into `lines` where the current reader starts
    while pos < len(lines):
        reader = csv.reader((lines[i] for i in range(pos, len(lines))), strict=True)
        while True:
            first = pos + reader.line_num + 1  # 1-based line number where the next row begins
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield _error("InvalidCSV", f"row at line {first}: {exc}", f"{name}:{first}", first)
                pos = first  # resume on the line after the broken row's first line
                break
            if not any(cell.strip() for cell in row):
                continue
            source = f"{name}:{first}"
            if ti >= len(row):
                yield _error("MissingField", f"row at line {first}: no value in column {text_field!r}", source, first)
                continue
            rid = row[ii] if ii is not None and ii < len(row) and row[ii] else str(first)
            warn = _line_notes("".join(row), notes, replaced)
            yield InputRecord(id=rid, source=source, text=row[ti], line=first, warnings=list(warn))


# --- rows of tables (Parquet datasets, pandas and Dask frames, bags of dicts) -----------------------

def row_record(value, rid, source: str | None, line: int | None, text_field: str) -> InputRecord:
    """The record of one table row whose text is `value`: an error record when it is missing or not a string."""
    where = f"row {line}: " if line is not None else ""
    if is_missing(value):
        return InputRecord(id=rid, source=source, error=("MissingField", f"{where}no {text_field!r} value"), line=line)
    if not isinstance(value, str):
        return InputRecord(id=rid, source=source, line=line,
                           error=("InvalidRecord", f"{where}{text_field!r} is {type(value).__name__}, not a string"))
    return InputRecord(id=rid, source=source, text=value, line=line)


def is_missing(value) -> bool:
    """None, NaN, or pandas' NA / NaT: a missing value in a table."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def id_text(value) -> str | None:
    """A table cell as a record id: numpy scalars as their plain value (5, not np.int64(5)); None if missing."""
    if isinstance(value, (dict, list, tuple)) or is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    return str(value)
