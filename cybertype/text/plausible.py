"""How plausible a decoded text is: a score per character, from CJK character frequency and character classes.

Two readings of the same bytes (say GB18030 and Big5) are compared by their total score: a real text is
made of common characters and ordinary punctuation, a mis-decoded one of rare ideographs, kana, symbols,
private-use and replacement characters. Frequency comes from the two national standards' own tiers:
GB2312 level 1 (the 3,755 most common simplified characters) and Big5's 5,401 "frequently used"
characters; a traditional character counts as common when its simplified form is.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# Punctuation a Chinese or English text is made of; a mis-decoded text rarely produces these.
_PUNCT = set("，。、；：？！「」『』（）《》〈〉【】“”‘’…—·～\u3000,.;:?!()[]\"'-/%")
_COMMON, _KNOWN, _RARE, _ODD, _BAD = 2.0, 0.3, -1.5, -1.0, -8.0


@lru_cache(maxsize=65536)
def _ideograph_score(ch: str) -> float:
    try:
        gb = ch.encode("gb2312")
        if 0xB0 <= gb[0] <= 0xD7:
            return _COMMON  # GB2312 level 1
        return _KNOWN  # GB2312 level 2
    except UnicodeEncodeError:
        pass
    try:
        b5 = ch.encode("big5")
        if 0xA440 <= int.from_bytes(b5, "big") <= 0xC67E:
            return _COMMON if _simplified_is_common(ch) else _KNOWN
        return _KNOWN if _simplified_is_common(ch) else _RARE + 0.5
    except UnicodeEncodeError:
        pass
    return _KNOWN if _simplified_is_common(ch) else _RARE


def _simplified_is_common(ch: str) -> bool:
    from cybertype.text.normalize import to_simplified

    simple = to_simplified(ch)
    if simple == ch or len(simple) != 1:
        return False
    try:
        gb = simple.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return 0xB0 <= gb[0] <= 0xD7


@lru_cache(maxsize=65536)
def char_score(ch: str) -> float:
    """The plausibility of one character in a Chinese or English text: positive for common, negative for odd."""
    code = ord(ch)
    if code < 0x80:
        if ch.isprintable() or ch in "\t\n\r\f\v":
            return 0.2 if ch.isalnum() else 0.0
        return _BAD  # control characters
    if ch == "\ufffd":
        return _BAD
    if ch in _PUNCT:
        return 1.0
    if 0x4E00 <= code <= 0x9FFF:
        return _ideograph_score(ch)
    category = unicodedata.category(ch)
    if category in ("Co", "Cn", "Cs", "Cc"):
        return _BAD  # private use, unassigned, surrogates, C1 controls
    if 0x3400 <= code <= 0x4DBF or code >= 0x20000:
        return _RARE - 0.5  # CJK extensions: almost never in real text
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return _ODD  # Hangul: what UTF-16 read from Chinese bytes looks like
    if 0x3040 <= code <= 0x30FF or 0x3100 <= code <= 0x312F:
        return -0.5  # kana, bopomofo
    if 0xFF61 <= code <= 0xFF9F:
        return _ODD  # half-width katakana: Big5 read as Shift_JIS
    if 0xFF01 <= code <= 0xFF5E:
        return 0.5  # full-width ASCII
    if category.startswith("L") and code < 0x250:
        return 1.0  # Latin letters with accents (as common in their texts as CJK characters in theirs)
    if category.startswith(("S", "P")) or 0x2460 <= code <= 0x27BF or 0x0370 <= code <= 0x04FF:
        return -0.7  # symbols, box drawing, Greek, Cyrillic: the mojibake of Chinese punctuation
    return -0.3


def score(text: str) -> float:
    """The total plausibility of a text (higher is more plausible); comparable between readings of the same bytes."""
    return sum(map(char_score, text))
