"""Inputs: text files, JSON Lines, JSON and CSV, from paths or stdin, as `InputRecord`s.

Readers never raise for bad data: an unreadable file, an undecodable one or a
malformed line becomes an `InputRecord` with `error` set (and its line number),
and reading goes on with the next line or file.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from cybertype.decode import DecodeError, decode_bytes

InputFormat = Literal["auto", "text", "jsonl", "csv", "json"]
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}
MAX_LINE_CHARS = 10_000_000  # one JSONL line beyond this is refused, not parsed

csv.field_size_limit(MAX_LINE_CHARS)


@dataclass(slots=True)
class InputRecord:
    """One text to classify, or the reason it could not be read."""

    id: str | None
    source: str | None
    text: str = ""
    error: tuple[str, str] | None = None  # (type, message)
    line: int | None = None
    warnings: list[str] = field(default_factory=list)


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
) -> Iterator[InputRecord]:
    """Records of one file. `source` names it in the output (default: the path as given)."""
    name = source if source is not None else str(path)
    fmt = format_for(path, input_format)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1 if max_bytes else -1)
    except OSError as exc:
        yield _error("ReadError", f"cannot read file: {exc.strerror or exc}", name)
        return
    notes = []
    if max_bytes and len(data) > max_bytes:
        data = _cut_at_char_boundary(data[:max_bytes])
        notes.append(f"truncated: only the first {max_bytes} bytes were classified")
    yield from read_bytes(data, fmt, name=name, text_field=text_field, id_field=id_field, default_id=Path(str(path)).stem,
                          notes=notes)


def _cut_at_char_boundary(data: bytes) -> bytes:
    # Drop a UTF-8 sequence cut in half at the end, so truncation itself adds no replacement character.
    for back in range(1, 4):
        if len(data) >= back and (data[-back] & 0xC0) == 0xC0:
            need = 2 if data[-back] < 0xE0 else 3 if data[-back] < 0xF0 else 4
            return data[:-back] if need > back else data
        if len(data) >= back and (data[-back] & 0x80) == 0:
            return data
    return data


def read_bytes(
    data: bytes,
    fmt: str,
    *,
    name: str,
    text_field: str = "text",
    id_field: str = "id",
    default_id: str | None = None,
    notes: list[str] | None = None,
) -> Iterator[InputRecord]:
    """Records of the bytes of one file in format `fmt` (text, jsonl, json or csv)."""
    notes = list(notes or [])
    try:
        text, warnings = decode_bytes(data)
    except DecodeError as exc:
        yield _error("DecodeError", str(exc), name, id=default_id if fmt == "text" else None)
        return
    notes.extend(warnings)
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt == "text":
        if not text.strip():
            yield _error("EmptyInput", "the file holds no text", name, id=default_id)
            return
        yield InputRecord(id=default_id, source=name, text=text, warnings=notes)
    elif fmt == "jsonl":
        yield from _jsonl_lines(enumerate(text.splitlines(), 1), name, text_field, id_field, notes)
    elif fmt == "json":
        yield from _json_document(text, name, text_field, id_field, notes)
    elif fmt == "csv":
        yield from _csv_rows(text, name, text_field, id_field, notes)
    else:
        yield _error("UsageError", f"unknown input format {fmt!r}", name)


def _record_from_object(obj, n: int, name: str, text_field: str, id_field: str, notes: list[str]) -> InputRecord:
    source = f"{name}:{n}"
    if not isinstance(obj, dict):
        return _error("InvalidRecord", f"line {n}: expected a JSON object, got {type(obj).__name__}", source, n)
    raw_id = obj.get(id_field)
    rid = str(raw_id) if raw_id is not None and not isinstance(raw_id, (dict, list)) else str(n)
    value = obj.get(text_field)
    if value is None:
        return _error("MissingField", f"line {n}: no {text_field!r} field", source, n, rid)
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


def _jsonl_lines(lines, name: str, text_field: str, id_field: str, notes: list[str]) -> Iterator[InputRecord]:
    for n, line in lines:
        if not line.strip():
            continue
        try:
            obj = parse_json_line(line)
        except ValueError as exc:
            yield _error("InvalidJSON", f"line {n}: {exc}", f"{name}:{n}", n)
            continue
        yield _record_from_object(obj, n, name, text_field, id_field, notes)


def _json_document(text: str, name: str, text_field: str, id_field: str, notes: list[str]) -> Iterator[InputRecord]:
    try:
        doc = parse_json_line(text)
    except ValueError as exc:
        yield _error("InvalidJSON", str(exc), name)
        return
    items = doc if isinstance(doc, list) else [doc]
    for n, obj in enumerate(items, 1):
        yield _record_from_object(obj, n, name, text_field, id_field, notes)


def _csv_rows(text: str, name: str, text_field: str, id_field: str, notes: list[str]) -> Iterator[InputRecord]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        yield _error("EmptyInput", "the CSV file is empty", name)
        return
    except csv.Error as exc:
        yield _error("InvalidCSV", f"header: {exc}", name, 1)
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if text_field not in header:
        yield _error("MissingField", f"no {text_field!r} column (columns: {', '.join(header)})", name, 1)
        return
    ti = header.index(text_field)
    ii = header.index(id_field) if id_field in header else None
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _error("InvalidCSV", f"row at line {line}: {exc}", f"{name}:{line}", line)
            return  # the parser cannot resynchronise after a broken quote
        row_no = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        source = f"{name}:{row_no}"
        if ti >= len(row):
            yield _error("MissingField", f"row at line {row_no}: no value in column {text_field!r}", source, row_no)
            continue
        rid = row[ii] if ii is not None and ii < len(row) and row[ii] else str(row_no)
        yield InputRecord(id=rid, source=source, text=row[ti], line=row_no, warnings=list(notes))


def stdin_is_jsonl(data: str) -> bool:
    """True when every non-empty line is a JSON object (the `auto` rule for stdin)."""
    seen = False
    for line in data.splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            return False
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except (ValueError, RecursionError):
            return False
        seen = True
    return seen


def read_stdin(
    stream: BinaryIO | None = None,
    input_format: InputFormat = "auto",
    *,
    text_field: str = "text",
    id_field: str = "id",
) -> Iterator[InputRecord]:
    """Records from standard input. JSON Lines are streamed line by line when asked for explicitly."""
    stream = stream if stream is not None else sys.stdin.buffer
    if input_format == "jsonl":
        def lines():
            for n, raw in enumerate(stream, 1):
                text, _ = decode_line(raw)
                yield n, text
        yield from _jsonl_lines(lines(), "-", text_field, id_field, [])
        return
    data = stream.read()
    fmt = input_format
    if fmt == "auto":
        try:
            decoded, _ = decode_bytes(data)
        except DecodeError:
            decoded = ""
        fmt = "jsonl" if stdin_is_jsonl(decoded) else "text"
    yield from read_bytes(data, fmt, name="-", text_field=text_field, id_field=id_field, default_id="stdin")


def decode_line(raw: bytes) -> tuple[str, bool]:
    """One line of a streamed JSON Lines input, UTF-8 with replacement; True if bytes were replaced."""
    text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
    return text, "\ufffd" in text
