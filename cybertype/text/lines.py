"""Line-oriented bytes (JSON Lines) to text one line at a time, each line in its own encoding.

A JSON Lines file put together from several sources can hold UTF-8 lines beside GB18030 or Big5
ones. Every ASCII-compatible encoding keeps `\\n` and `\\r` as line ends, so such a file is split
into lines first and each line decoded on its own: a line that is valid UTF-8 is UTF-8, always
(accented Latin letters such as 'café' also read as GB18030, so weighing would misread them);
any other line is read in the encoding that the file's other non-UTF-8 lines are in when it reads
well, else in the line's own best guess. A line in an encoding other than most lines' gets a warning.
Files in UTF-16/32 are decoded whole.
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field

from cybertype.text.decode import DecodeError, decode, looks_binary, read_as, wide_candidates
from cybertype.text.plausible import score

_BYTE_BREAK = re.compile(rb"\r\n|\r|\n")
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class Line:
    """One decoded line: its number, its text (or why it could not be decoded) and its warnings."""

    number: int
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def needs_line_decoding(data: bytes) -> bool:
    """True when `data` is neither strict UTF-8 nor in a wide encoding (UTF-16/32), so lines may differ."""
    if data.startswith(_WIDE_BOMS) or wide_candidates(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_one(raw: bytes, hint: str | None = None, *, truncated: bool = False) -> Line:
    """One line (number 0) on its own: strict UTF-8, else `hint` when it reads well, else the best guess."""
    text = _utf8(raw) if not truncated else read_as(raw, "utf-8", "strict", True)
    if text is not None and not looks_binary(text):
        return Line(0, text, "utf-8")  # valid UTF-8 is UTF-8, whatever `hint` the other lines give
    if hint is not None:
        text = read_as(raw, hint, "strict", truncated)
        wide = sum(1 for ch in text or "" if ord(ch) >= 0x80)
        if text is not None and score(text) >= wide:  # one point a non-ASCII character: reads well
            return Line(0, text, hint)
    try:
        d = decode(raw, truncated=truncated, prefer=hint)
    except DecodeError as exc:
        return Line(0, "", "", error=str(exc))
    return Line(0, d.text, d.encoding, list(d.warnings))


def decode_lines(data: bytes, *, truncated: bool = False) -> list[Line]:
    """The lines of `data` (split at \\r\\n, \\r or \\n), numbered from 1, each decoded on its own."""
    raws = _BYTE_BREAK.split(data)
    if raws and raws[0].startswith(codecs.BOM_UTF8):
        raws[0] = raws[0][len(codecs.BOM_UTF8):]
    foreign = b"\n".join(r for r in raws if _utf8(r) is None)
    try:
        hint = decode(foreign, truncated=truncated).encoding if foreign else None
    except DecodeError:
        hint = None
    lines = []
    for n, raw in enumerate(raws, 1):
        line = decode_one(raw, hint, truncated=truncated and n == len(raws))
        line.number = n
        lines.append(line)
    telling = [line for line in lines if line.error is None and any(ord(ch) >= 0x80 for ch in line.text)]
    counts = Counter(line.encoding for line in telling)  # pure ASCII lines fit every encoding: not counted
    if len(counts) > 1:
        usual = counts.most_common(1)[0][0]
        for line in telling:
            if line.encoding != usual:
                line.warnings.append(f"this line was decoded as {line.encoding}, unlike most lines of the file "
                                     f"({usual})")
    return lines
