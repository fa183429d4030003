"""Standard input as `InputRecord`s, streamed: JSON Lines record by record, as the lines arrive.

`auto` decides from the first non-blank line (at most its first 64 KB), never from the whole stream:
a JSON object there makes the stream JSON Lines, where every later line that is not an object gets an
error record; anything else makes it one text, read up to `max_bytes`. When that one text looked like
JSON Lines (its first line opens with `{`, or a later line in the first 64 KB is an object), a warning
says so on stderr and in the record. A JSON Lines line longer than the JSONL limit is skipped in
pieces, never held in memory, and gets an error record.
"""
from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from cybertype.io.inputs import (
    _LINE_BREAK, MAX_LINE_CHARS, InputFormat, InputRecord, _error, _not_empty, jsonl_lines, read_bytes,
)
from cybertype.text.decode import DecodeError, decode_bytes
from cybertype.text.lines import decode_one

PEEK_BYTES = 64 << 10  # what auto-detection looks at, at most
_MAX_LINE_BYTES = 4 * MAX_LINE_CHARS + 2  # a line beyond this many bytes is beyond MAX_LINE_CHARS characters too
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_TOO_LONG = object()  # stands for a line skipped for its length


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_stdin(
    stream: BinaryIO | None = None,
    input_format: InputFormat = "auto",
    *,
    text_field: str = "text",
    id_field: str = "id",
    max_bytes: int | None = None,
    encoding: str | None = None,
    warn: Callable[[str], None] = _say,
) -> Iterator[InputRecord]:
    """Records from standard input (see the module docstring); `encoding` forces one instead of detecting
    it, `warn` gets the auto-detection warning."""
    stream = stream if stream is not None else sys.stdin.buffer
    if input_format == "jsonl":
        yield from _jsonl(_lines(stream), text_field, id_field, encoding)
        return
    head: list[bytes] = []
    looked: str | None = ""  # why a stream read as one text looked like JSON Lines; None: decide on the whole
    if input_format == "auto":
        head = _peek(stream, encoding)
        first = next((raw for raw in head if raw.strip()), b"")
        if first.startswith(_WIDE_BOMS):
            looked = None  # UTF-16/32 cannot be split into lines as bytes
        elif _is_object_line(first):
            yield from _jsonl(_lines(stream, head), text_field, id_field)
            return
        else:
            looked = _looks_like_jsonl(head, first, encoding)
    data = b"".join(head)
    if not max_bytes:
        data += stream.read()
    elif len(data) <= max_bytes:
        data += stream.read(max_bytes + 1 - len(data))
    notes = []
    truncated = bool(max_bytes and len(data) > max_bytes)
    if truncated:
        data = data[:max_bytes]  # the decoder drops a character cut in half here, in whatever encoding it finds
        notes.append(f"truncated: only the first {max_bytes} bytes were classified")
    fmt = input_format
    if fmt == "auto":
        fmt = "text"
        if looked is None:
            fmt = "jsonl" if _wide_is_jsonl(data, encoding, truncated) else "text"
        elif looked:
            message = (f"standard input looked like JSON Lines ({looked}), but its first line is not a JSON object: "
                       "read as ONE text; use --input-format jsonl to get one record (or error record) per line")
            warn(f"cybertype: warning: {message}")
            notes.append(message)
    yield from read_bytes(data, fmt, name="-", text_field=text_field, id_field=id_field, default_id="stdin",
                          notes=notes, encoding=encoding, truncated=truncated)


def _peek(stream: BinaryIO, encoding: str | None = None) -> list[bytes]:
    """Lines up to and including the first non-blank one, and more lines up to PEEK_BYTES in all."""
    head: list[bytes] = []
    size = 0
    seen_text = False
    while size < PEEK_BYTES:
        raw = stream.readline(PEEK_BYTES - size)
        if not raw:
            break
        head.append(raw)
        size += len(raw)
        if raw.strip() and not seen_text:
            seen_text = True
            if _is_object_line(raw, encoding):
                break  # JSON Lines: stream the rest, read nothing more ahead
    return head


def _is_wide(encoding: str | None) -> bool:
    return bool(encoding) and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32"))


def _is_object_line(raw: bytes, encoding: str | None = None) -> bool:
    """The first line decides JSON Lines: a JSON object, or the first 64 KB of a longer line opening with `{`."""
    try:
        text = decode_line(raw, encoding)[0].strip()
    except DecodeError:
        return False
    if not text.startswith("{"):
        return False
    if not raw.endswith((b"\n", b"\r")) and len(raw) >= PEEK_BYTES:
        return True  # a line longer than the peek: the JSON Lines reader parses (or refuses) it whole
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _looks_like_jsonl(head: list[bytes], first: bytes, encoding: str | None = None) -> str:
    """Why the peeked lines look like JSON Lines although the first is not an object ('' if they do not)."""
    if first.lstrip(b"\xef\xbb\xbf \t").startswith(b"{"):
        return "its first line opens with '{'"
    for n, raw in enumerate(head, 1):
        if raw is not first and raw.endswith((b"\n", b"\r")) and _is_object_line(raw, encoding):
            return f"line {n} is a JSON object"
    return ""


def _wide_is_jsonl(data: bytes, encoding: str | None, truncated: bool) -> bool:
    try:
        text, _ = decode_bytes(data, encoding, truncated=truncated)
    except DecodeError:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        return bool(lines) and all(isinstance(json.loads(line), dict) for line in lines)
    except (ValueError, RecursionError):
        return False


def _lines(stream: BinaryIO, head: Iterable[bytes] = ()) -> Iterator[bytes | object]:
    """Lines of the stream as they arrive, after the lines already read (`head`, whose last may be the first
    part of a line); a line longer than the JSONL limit is read past in pieces and stands as `_TOO_LONG`."""
    head = list(head)
    carry = head.pop() if head and not head[-1].endswith(b"\n") else b""
    yield from head
    while True:
        raw = carry + stream.readline(_MAX_LINE_BYTES - len(carry))
        carry = b""
        if not raw:
            return
        if len(raw) < _MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
            pass
        yield _TOO_LONG


def _jsonl(raws: Iterable, text_field: str, id_field: str, encoding: str | None = None) -> Iterator[InputRecord]:
    def lines():
        n = 0
        for raw in raws:
            if raw is _TOO_LONG:
                n += 1
                yield n, "", [], f"line {n}: line longer than {MAX_LINE_CHARS} characters"
                continue
            # Each line on its own: how one line was read never changes how a later one is (a misread line
            # would otherwise pass its encoding on down the stream).
            text, warnings, _ = decode_line(raw, encoding)
            for part in _LINE_BREAK.split(text):  # a lone \r also ends a line, as in files
                n += 1
                yield n, part, warnings if text.strip() else [], None

    def records():
        for n, line, notes, too_long in lines():
            if too_long:
                yield _error("InvalidJSON", too_long, f"-:{n}", n)
            else:
                yield from jsonl_lines([(n, line, notes)], "-", text_field, id_field)

    yield from _not_empty(records(), "-")


def decode_line(raw: bytes, encoding: str | None = None, hint: str | None = None) -> tuple[str, list[str], str | None]:
    """One line of a streamed JSON Lines input: its text, warnings and encoding (None if undecodable).

    The line is decoded on its own (see `text.lines`): valid UTF-8 is UTF-8, `encoding` forces one, `hint`
    (if given) is preferred for a line that is not UTF-8; a line that no encoding fits is replaced UTF-8,
    with a warning."""
    raw = raw.removesuffix(b"\n").removesuffix(b"\r")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if encoding is not None:
        text, warnings = decode_bytes(raw, encoding) if raw else ("", [])
        return text, warnings, encoding
    line = decode_one(raw, hint)
    if line.error is not None:
        text = raw.decode("utf-8", errors="replace")
        return text, [f"{text.count(chr(0xFFFD))} invalid UTF-8 byte sequence(s) replaced with U+FFFD"], None
    return line.text, line.warnings, line.encoding
