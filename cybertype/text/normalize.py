"""Text normalization for matching, with a map back to original offsets.

One pass folds every character (format characters dropped, a few emoji mapped
to words, NFKC, lowercase; the two characters whose NFKC form is longer than
`MAX_EXPANSION` characters are kept as they are) and squeezes separators:
whitespace, punctuation and symbols next to a CJK character are removed (杀 猪 盘, 杀-猪-盘 → 杀猪盘); a run
of them between two Latin letters or digits becomes one space. Then the text is
converted from traditional to simplified Chinese with OpenCC (tw2sp, which
also maps Taiwan vocabulary such as 網路 → 网络). Every normalized character
remembers the span of original characters it came from.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Emoji that stand for a word in this domain (杀🐷盘, 刷个🚀); other emoji are separators.
EMOJI_WORDS: dict[str, str] = {
    "🐷": "猪", "🐖": "猪", "🐽": "猪", "🔪": "杀", "🚀": "火箭", "🎁": "礼物", "🌹": "玫瑰",
    "💳": "银行卡", "📱": "手机", "✈": "飞机", "🛩": "飞机", "🐧": "企鹅", "🧧": "红包",
    "💰": "钱", "💵": "钱", "💴": "钱", "🎰": "老虎机",
}

# Same-length variant spellings OpenCC leaves alone but rules should not have to list.
_VARIANTS: tuple[tuple[str, str], ...] = (("帐户", "账户"), ("帐号", "账号"), ("帐单", "账单"))

_CJK, _WORD, _SEP = 0, 1, 2

# NFKC turns a few characters into long strings (U+FDFA into 18 characters); a character whose NFKC
# form is longer than this is kept as it is, so the normalized text is at most this many times longer.
MAX_EXPANSION = 6

# Invisible characters that NFKC keeps but that split keywords (跑\u200b分).
_DROP = {0x00AD, 0x180E, 0x20E3, 0xFEFF} | set(range(0x200B, 0x2010)) | set(range(0x202A, 0x202F)) \
    | set(range(0x2060, 0x2070)) | set(range(0xFE00, 0xFE10))


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x3FFFF
            or 0xF900 <= cp <= 0xFAFF or 0x3040 <= cp <= 0x30FF or cp == 0x3007)


@lru_cache(maxsize=65536)
def _fold(ch: str) -> tuple[tuple[str, int], ...]:
    """Normalized characters (with their class) that one original character becomes."""
    cp = ord(ch)
    if cp in _DROP:
        return ()
    word = EMOJI_WORDS.get(ch)
    if word is not None:
        return tuple((c, _CJK) for c in word)
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Cs", "Co", "Cn") and not ch.isspace():
        return ()
    out = []
    nfkc = unicodedata.normalize("NFKC", ch)
    if len(nfkc) > MAX_EXPANSION:
        nfkc = ch  # U+FDFA (18 characters) and U+FDFB (8) stay as they are: 1 M of them would be 18 M
    for c in nfkc.lower():
        code = ord(c)
        if _is_cjk(code):
            out.append((c, _CJK))
        elif c.isalnum() or unicodedata.category(c) in ("Mn", "Mc"):
            out.append((c, _WORD))
        else:
            out.append((c, _SEP))
    return tuple(out)


@lru_cache(maxsize=1)
def _converter():
    import opencc  # imported lazily: only needed once a text is normalized

    return opencc.OpenCC("tw2sp")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, per normalized character, its original span."""

    text: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalized slice [start, end)."""
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=65536)
def _simplified_char(c: str) -> str:
    """One character converted alone (kept when its conversion is not one character)."""
    d = _converter().convert(c)
    return d if len(d) == 1 else c


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (OpenCC tw2sp), keeping the length so offsets stay exact."""
    if not text:
        return text
    cc = _converter()
    out = cc.convert(text)
    if len(out) != len(text):
        # A phrase mapping changed the length: convert character by character to keep the map exact.
        out = "".join(map(_simplified_char, text))
    for old, new in _VARIANTS:
        out = out.replace(old, new)
    return out


# Characters that fold to exactly one character: char -> ((folded char, class),). Filled from `_fold`
# as characters are met; the common case of `normalize` is one dict look-up per character.
_SINGLE: dict[str, tuple[tuple[str, int], ...]] = {}
_SINGLE_MAX = 65536  # bounded like `_fold`'s cache: a text of every Unicode character cannot grow it further


def normalize(text: str) -> Normalized:
    """Normalize `text` for matching and features; see the module docstring."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    fold_run(text, 0, FoldState(), chars, starts, ends)
    return Normalized(to_simplified("".join(chars)), starts, ends)


@dataclass(slots=True)
class FoldState:
    """Where folding stands between two runs of one text: the class of the last emitted character
    and the original index where a pending run of separators began (-1 if none)."""

    prev: int = _SEP
    pending: int = -1


def fold_run(text: str, base: int, state: FoldState, chars: list[str], starts: list[int], ends: list[int]) -> None:
    """Fold `text`, which begins at original index `base`, appending to `chars`/`starts`/`ends`.

    Runs over consecutive slices of one text with one `state` give exactly the output of one run over
    the whole text, so a long text can be folded slice by slice (`text.windows`).
    """
    emit, emit_start, emit_end = chars.append, starts.append, ends.append
    single = _SINGLE.get
    prev, pending = state.prev, state.pending
    for i, ch in enumerate(text, base):
        folded = single(ch)
        if folded is None:
            folded = _fold(ch)
            if len(folded) == 1 and len(_SINGLE) < _SINGLE_MAX:
                _SINGLE[ch] = folded
        for c, cls in folded:
            if cls == _SEP:
                if pending < 0:
                    pending = i
                continue
            if pending >= 0:
                if prev == _WORD and cls == _WORD:
                    emit(" ")
                    emit_start(pending)
                    emit_end(pending + 1)
                pending = -1
            emit(c)
            emit_start(i)
            emit_end(i + 1)
            prev = cls
    state.prev, state.pending = prev, pending


@lru_cache(maxsize=4096)
def normalize_keyword(keyword: str) -> str:
    """Normalize a rule keyword exactly as texts are normalized."""
    return normalize(keyword).text
