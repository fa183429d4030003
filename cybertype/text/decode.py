"""Bytes to text: BOMs, UTF-8, legacy Chinese encodings, and refusing binary data.

Order: a BOM decides; strict UTF-8; UTF-8 with a few invalid bytes (replaced,
with a warning); otherwise charset-normalizer detects the encoding, with a
tie-break between GB18030 and Big5 (short Chinese texts are ambiguous to any
detector) that prefers the reading made of common characters.
"""
from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHINESE = {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "cp936", "hz"}
_CJK_LOOKALIKES = _CHINESE | {"cp949", "euc_kr", "shift_jis", "cp932", "euc_jp", "johab", "iso2022_jp", "iso2022_kr"}


class DecodeError(ValueError):
    """The bytes are not text in any encoding cybertype can recognise."""


def _common_chinese(text: str) -> int:
    """How many characters are among the 3,755 most common Chinese ones (GB2312 level 1)."""
    from cybertype.text.normalize import to_simplified

    count = 0
    for ch in to_simplified(text):
        try:
            b = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and 0xB0 <= b[0] <= 0xD7:
            count += 1
    return count


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # control characters other than \t \n \v \f \r


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    return len(_CONTROLS.findall(text)) > max(2, len(text) // 20)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode `data`; return the text and warnings. Raise `DecodeError` for binary data."""
    if not data:
        return "", []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            warnings = [f"invalid bytes replaced while decoding {encoding}"] if "\ufffd" in text else []
            if _looks_binary(text):
                raise DecodeError("binary data (control characters) after a byte-order mark")
            return text, warnings
    text = _strict(data, "utf-8")
    if text is not None:
        if _looks_binary(text):
            raise DecodeError("binary data: too many control characters to be text")
        return text, []
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    # A few stray bytes in a file that is otherwise UTF-8: keep it, replace them, say so.
    if bad <= max(3, len(data) // 100) and len(lenient) - bad >= 10 * bad and not _looks_binary(lenient):
        return lenient, [f"{bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD"]
    return _detect(data)


def _detect(data: bytes) -> tuple[str, list[str]]:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    encoding = best.encoding if best is not None else None
    if encoding is None or encoding in _CJK_LOOKALIKES:
        readings = {enc: t for enc in ("gb18030", "big5") if (t := _strict(data, enc)) is not None}
        if readings:
            encoding = max(readings, key=lambda enc: (_common_chinese(readings[enc]), enc == "gb18030"))
            text = readings[encoding]
            if not _looks_binary(text) and _common_chinese(text) > 0:
                return text, []
            encoding = best.encoding if best is not None else None
    if encoding is None:
        raise DecodeError("not text: no encoding fits these bytes (binary file?)")
    text = str(best)
    if _looks_binary(text):
        raise DecodeError(f"binary data: decodes as {encoding} only to control characters")
    return text, []
