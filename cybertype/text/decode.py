"""Bytes to text: BOMs, UTF-8, UTF-16/32, legacy Chinese encodings, and refusing binary data.

Order: an encoding the user forces decides; then a BOM; then strict UTF-8. Otherwise every reading
that fits the bytes is a candidate — UTF-8 with a few invalid sequences replaced (overlong forms,
CESU-8 surrogates), GB18030, Big5 and its CP950 and HKSCS extensions, UTF-16/32 without a BOM
(only when the even or odd bytes are mostly zero, as in Latin text), and charset-normalizer's guess
when none of those reads well — and the most plausible one wins (`plausible.score`: common CJK
characters, no replacement, private-use or control characters). A close call adds a warning.
With `truncated=True` the bytes are a prefix cut anywhere: a character cut in half at the end is
dropped, in whatever encoding is chosen.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from cybertype.text.plausible import score

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LEGACY = ("gb18030", "big5", "cp950", "big5hkscs")  # tried in this order; the first of equal readings is named
_SAMPLE = 20_000  # characters of each reading that are scored
_CLOSE = 0.15  # a winner less than this share (and 2 points) ahead of the runner-up is a close call
_FEW_WIDE = 32  # valid UTF-8 with at most this many non-ASCII characters is weighed against the legacy readings
_UTF8_BONUS = 1.5  # per multi-byte character of a strictly valid UTF-8 reading: validity by chance is rare
_FAMILIES = ({"big5", "cp950", "big5hkscs"},)  # readings that differ in a few symbols, not a real alternative


class DecodeError(ValueError):
    """The bytes are not text in any encoding cybertype can recognise."""


@dataclass
class Decoded:
    """A decoded text, the encoding it was read in, and what was done to read it."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # control characters other than \t \n \v \f \r
_REPLACED_RUN = re.compile("\ufffd+")


def looks_binary(text: str) -> bool:
    if not text:
        return False
    return len(_CONTROLS.findall(text)) > max(2, len(text) // 20)


def read_as(data: bytes, encoding: str, errors: str, truncated: bool) -> str | None:
    """`data` in `encoding`; None if it does not fit. A truncated prefix may end inside a character."""
    try:
        return codecs.getincrementaldecoder(encoding)(errors).decode(data, final=not truncated)
    except (UnicodeDecodeError, LookupError):
        return None


def check_encoding(name: str) -> str:
    """The codec name of a text encoding the user asked for; ValueError when Python has no such text codec."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding")
    return info.name


def decode_bytes(data: bytes, encoding: str | None = None, *, truncated: bool = False) -> tuple[str, list[str]]:
    """Decode `data`; return the text and warnings. Raise `DecodeError` for binary data."""
    d = decode(data, encoding, truncated=truncated)
    return d.text, d.warnings


def decode(data: bytes, encoding: str | None = None, *, truncated: bool = False, prefer: str | None = None) -> Decoded:
    """Decode `data` (see the module docstring). `encoding` forces one; `prefer` wins close calls."""
    if not data:
        return Decoded("", encoding or "utf-8")
    if encoding is not None:
        return _forced(data, check_encoding(encoding), truncated)
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = read_as(data, enc, "replace", truncated)
            if looks_binary(text):
                raise DecodeError("binary data (control characters) after a byte-order mark")
            return Decoded(text, enc, [f"invalid bytes replaced while decoding {enc}"] if "\ufffd" in text else [])
    text = read_as(data, "utf-8", "strict", truncated)
    if text is not None:
        if not looks_binary(text):
            if not _usual_utf8(text):
                # A few GB18030/Big5 characters can happen to form valid UTF-8 ('4小时' reads '4Сʱ'): weigh the
                # readings. Beyond a few, valid UTF-8 by chance is too unlikely to be worth the time.
                return _guess(data, truncated, prefer, utf8=text)
            return Decoded(text, "utf-8")
        for enc in wide_candidates(data):  # NUL bytes are valid UTF-8: Latin text in UTF-16/32 without a BOM
            wide = read_as(data, enc, "strict", truncated)
            if wide is not None and not looks_binary(wide):
                return Decoded(wide, enc)
        raise DecodeError("binary data: too many control characters to be text")
    return _guess(data, truncated, prefer)


# Scripts a Chinese or English text in UTF-8 is made of: Latin, general punctuation, CJK and its punctuation.
_USUAL = re.compile(r"[\x00-\u024f\u2000-\u206f\u3000-\u303f\u3400-\u9fff\uff00-\uffef]*")


def _usual_utf8(text: str) -> bool:
    """True when a strict UTF-8 reading needs no second look: only usual scripts, or too many characters to be chance."""
    if text.isascii() or _USUAL.fullmatch(text):
        return True
    return sum(ord(ch) >= 0x80 for ch in text) > _FEW_WIDE


def _forced(data: bytes, encoding: str, truncated: bool) -> Decoded:
    text = read_as(data, encoding, "replace", truncated)
    if text is None:  # a codec that cannot even replace (never for the standard text codecs)
        raise DecodeError(f"these bytes cannot be decoded as {encoding}")
    if looks_binary(text):
        raise DecodeError(f"binary data: decodes as {encoding} only to control characters")
    bad = text.count("\ufffd")
    if encoding == "utf-8":
        return Decoded(text, encoding, [f"{bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD"] if bad else [])
    return Decoded(text, encoding, [f"{bad} invalid byte sequence(s) replaced while decoding {encoding}"] if bad else [])


def _zero_share(data: bytes) -> tuple[float, float]:
    """The share of zero bytes at even and at odd offsets."""
    half = max(1, len(data) // 2)
    return data[0::2].count(0) / half, data[1::2].count(0) / half


def wide_candidates(data: bytes) -> list[str]:
    """UTF-16/32 without a BOM, only for bytes whose zero bytes sit where Latin text in those encodings has them."""
    if len(data) < 4:
        return []
    quads = [data[k::4].count(0) / max(1, len(data) // 4) for k in range(4)]
    if len(data) % 4 == 0 and min(quads[1], quads[2]) > 0.9 and (quads[3] > 0.9 > quads[0] or quads[0] > 0.9 > quads[3]):
        return ["utf-32-le" if quads[3] > 0.9 else "utf-32-be"]
    even, odd = _zero_share(data)
    if odd >= 0.5 and even < 0.1:
        return ["utf-16-le"]
    if even >= 0.5 and odd < 0.1:
        return ["utf-16-be"]
    return []


def _utf8_lenient(data: bytes, truncated: bool) -> str | None:
    """UTF-8 with invalid sequences replaced, when the bytes look like UTF-8 with a few bad sequences."""
    text = read_as(data, "utf-8", "replace", truncated)
    runs = len(_REPLACED_RUN.findall(text))
    wide = sum(1 for ch in text if ord(ch) >= 0x80 and ch != "\ufffd")  # valid multi-byte sequences
    bad = text.count("\ufffd")
    few = bad <= max(3, len(data) // 100) and len(text) - bad >= 10 * bad
    return text if few or wide >= 3 * runs else None


def _plausibility(text: str) -> float:
    return score(_REPLACED_RUN.sub("\ufffd", text[:_SAMPLE]))  # a run of replacements is one bad sequence


def _guess(data: bytes, truncated: bool, prefer: str | None, utf8: str | None = None) -> Decoded:
    """The most plausible reading of `data`; `utf8` is its strict UTF-8 reading when it has one."""
    readings: dict[str, str] = {}
    lenient = utf8 if utf8 is not None else _utf8_lenient(data, truncated)
    if lenient is not None:
        readings["utf-8"] = lenient
    for enc in wide_candidates(data) + list(_LEGACY):
        text = read_as(data, enc, "strict", truncated)
        if text is not None and text not in readings.values():
            readings[enc] = text
    scores = {enc: _plausibility(t) for enc, t in readings.items()}
    if utf8 is not None:
        scores["utf-8"] += _UTF8_BONUS * sum(ord(ch) >= 0x80 for ch in utf8)
        if len(readings) == 1:
            return Decoded(utf8, "utf-8")
    if not scores or max(scores.values()) <= 0.3 * len(data) / 2:  # nothing reads well: ask charset-normalizer
        _add_detected(data, truncated, readings, scores)
    readings = {enc: t for enc, t in readings.items() if not looks_binary(t)}
    if not readings:
        if scores:
            raise DecodeError("binary data: every encoding that fits gives control characters")
        raise DecodeError("not text: no encoding fits these bytes (binary file?)")
    ranked = sorted(readings, key=lambda enc: scores[enc], reverse=True)
    best = ranked[0]
    # The runner-up that reads differently, not a variant of the same encoding (Big5 and CP950 differ in a
    # few symbols only), and whether it came close.
    rival = next((enc for enc in ranked[1:] if not _variants(best, enc)), None)
    close = rival is not None and scores[best] - scores[rival] < max(2.0, _CLOSE * abs(scores[best]))
    if prefer in readings and (prefer == best or close and prefer == rival or _variants(best, prefer)):
        best, close = prefer, False
    text = readings[best]
    warnings = []
    if best == "utf-8" and "\ufffd" in text and utf8 is None:
        warnings.append(f"{text.count(chr(0xFFFD))} invalid UTF-8 byte sequence(s) replaced with U+FFFD")
    if close:
        warnings.append(f"encoding guessed: read as {best} rather than {rival}, a close call "
                        "(use --encoding to choose)")
    return Decoded(text, best, warnings)


def _variants(a: str, b: str) -> bool:
    """Two encodings of one family (Big5 and its extensions), whose readings differ in a few symbols at most."""
    return any(a in family and b in family for family in _FAMILIES)


def _add_detected(data: bytes, truncated: bool, readings: dict[str, str], scores: dict[str, float]) -> None:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding in readings or codecs.lookup(best.encoding).name.startswith(("utf-16", "utf-32")):
        return  # UTF-16/32 only where the zero bytes say so (`wide_candidates`), never on a detector's guess
    text = read_as(data, best.encoding, "strict", truncated)
    if text is not None and text not in readings.values():
        readings[best.encoding] = text
        scores[best.encoding] = _plausibility(text)
