"""Personal data in incident texts, found and masked for output that is passed on.

Only what the output carries is masked (evidence `match`, `--explain` context, tables, reports); rules
and the model always see the unmasked text, and offsets stay those of the original text.

What is found, most specific first (a span already claimed is not claimed again):
- e-mail addresses, URLs and crypto wallet addresses (BTC, ETH, TRON);
- PRC resident ID numbers that pass their checksum (python-stdnum `cn.ric`), Taiwan national IDs and
  Hong Kong identity card numbers that pass theirs (written here: python-stdnum has neither);
- bank-card numbers of 13-19 digits that pass the Luhn check (python-stdnum `luhn`);
- WeChat, QQ and Telegram handles introduced as such (微信号 / 加V / QQ / TG ...);
- phone numbers, mobile and landline, PRC, HK, TW and international (`phonenumbers`, valid numbers only).

A mask keeps the kind: `[PHONE]` with `full`; with `partial` also the head and tail of the value, so a
reader can tell two numbers apart (`[CARD:6222…0123]`, `[PHONE:138…5678]`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Mode = Literal["none", "partial", "full"]
MODES: tuple[str, ...] = ("none", "partial", "full")
ENV = "CYBERTYPE_REDACT"


@dataclass(frozen=True, slots=True)
class Pii:
    """One piece of personal data: [start, end) of the text, its kind and the value found there."""

    start: int
    end: int
    kind: str
    value: str


_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_PRC_ID = re.compile(_NOT_ALNUM_BEFORE + r"[1-9]\d{16}[0-9Xx]" + _NOT_ALNUM_AFTER)
_TW_ID = re.compile(_NOT_ALNUM_BEFORE + r"[A-Z][1289]\d{8}" + _NOT_ALNUM_AFTER)
_HK_ID = re.compile(_NOT_ALNUM_BEFORE + r"([A-Z]{1,2})(\d{6})\s?[(（]?([0-9A])[)）]?" + r"(?![0-9A-Za-z])")
_CARD = re.compile(_NOT_ALNUM_BEFORE + r"\d(?:[ -]?\d){12,18}" + _NOT_ALNUM_AFTER)
_WALLETS = (
    ("WALLET", re.compile(_NOT_ALNUM_BEFORE + r"0x[0-9a-fA-F]{40}" + _NOT_ALNUM_AFTER)),  # ETH
    ("WALLET", re.compile(_NOT_ALNUM_BEFORE + r"T[1-9A-HJ-NP-Za-km-z]{33}" + _NOT_ALNUM_AFTER)),  # TRON
    ("WALLET", re.compile(_NOT_ALNUM_BEFORE + r"(?:bc1[02-9ac-hj-np-z]{25,59}|[13][1-9A-HJ-NP-Za-km-z]{25,34})"
                          + _NOT_ALNUM_AFTER)),  # BTC
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A URL is ASCII up to the first space, quote or bracket; a full stop or comma that ends it is the sentence's.
_URL = re.compile(r"(?:https?://|www\.|t\.me/)[!#-&(*-;=?-Z\\^-z|~]*[#-&(*+\-/-9;=?-Z\\^-z|~]", re.IGNORECASE)
# A handle is masked only where the text introduces it as one; the introducing word stays visible.
_HANDLE = re.compile(
    r"(?<![A-Za-z])(?:微信号|微信|威信|薇信|加\s*[vV微]|[vV][xX]|wechat|QQ号|扣扣|QQ|TG|telegram|飞机号?|紙飛機|纸飞机|line\s*id)"
    r"\s*(?:号码|帐号|账号|id|ID)?\s*[:：是为為]?\s*([A-Za-z][A-Za-z0-9_\-]{4,31}|\d{5,12}|@[A-Za-z0-9_]{4,32})",
    re.IGNORECASE)
_PHONE_LIKE = re.compile(r"\d[\d\s\-().]{4,}\d")
_HANDLE_KIND = {"q": "QQ", "扣": "QQ", "t": "TG", "飞": "TG", "紙": "TG", "纸": "TG", "l": "LINE"}

# Letters of a Taiwan ID, in the order of their values 10..35.
_TW_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def tw_id_valid(value: str) -> bool:
    """Whether a Taiwan national ID (A123456789) passes its checksum."""
    if not _TW_ID.fullmatch(value):
        return False
    n = _TW_LETTERS.index(value[0]) + 10
    digits = [n // 10, n % 10, *map(int, value[1:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights)) % 10 == 0


def hk_id_valid(letters: str, digits: str, check: str) -> bool:
    """Whether a Hong Kong identity card number (A123456(7)) passes its checksum."""
    values = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters] + [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1)))
    expected = (11 - total % 11) % 11
    return check == ("A" if expected == 10 else str(expected))


@lru_cache(maxsize=1)
def _checkers():
    from stdnum import luhn
    from stdnum.cn import ric

    return luhn, ric


def _claim(found: list[Pii], taken: list[tuple[int, int]], start: int, end: int, kind: str, value: str) -> None:
    if any(s < end and start < e for s, e in taken):
        return
    taken.append((start, end))
    found.append(Pii(start, end, kind, value))


def find(text: str) -> list[Pii]:
    """Every piece of personal data in `text`, sorted by start, never overlapping."""
    luhn, ric = _checkers()
    found: list[Pii] = []
    taken: list[tuple[int, int]] = []
    # Addresses first: a number inside an e-mail, URL or wallet address is part of it.
    for kind, rx in (("EMAIL", _EMAIL), ("URL", _URL), *_WALLETS):
        for m in rx.finditer(text):
            _claim(found, taken, m.start(), m.end(), kind, m.group())
    for m in _PRC_ID.finditer(text):
        if ric.is_valid(m.group()):
            _claim(found, taken, m.start(), m.end(), "ID", m.group())
    for m in _TW_ID.finditer(text):
        if tw_id_valid(m.group()):
            _claim(found, taken, m.start(), m.end(), "ID", m.group())
    for m in _HK_ID.finditer(text):
        if hk_id_valid(*m.groups()):
            _claim(found, taken, m.start(), m.end(), "ID", m.group())
    for m in _CARD.finditer(text):
        if luhn.is_valid(re.sub(r"\D", "", m.group())):
            _claim(found, taken, m.start(), m.end(), "CARD", m.group())
    for m in _HANDLE.finditer(text):
        intro = m.group()[0].lower()
        handle = m.group(1)
        # After a Latin word ("WeChat group"), a plain word is a word unless a colon introduces it.
        if intro.isascii() and handle.isalpha() and not re.search("[:：]", m.group()[: m.start(1) - m.start()]):
            continue
        kind = _HANDLE_KIND.get(intro, "WECHAT")
        _claim(found, taken, m.start(1), m.end(1), kind, m.group(1))
    for start, end, kind in _phones(text):
        _claim(found, taken, start, end, kind, text[start:end])
    return sorted(found, key=lambda p: p.start)


def _phones(text: str):
    if not _PHONE_LIKE.search(text):
        return  # no run of digits long enough for a phone number: skip the (slow) matchers
    import phonenumbers

    # Each region's matcher reads the national formats of that region; +CC numbers every matcher finds.
    for region in ("CN", "HK", "TW"):
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            yield m.start, m.end, "PHONE"


def mask(p: Pii, mode: Mode) -> str:
    """The mask that stands for `p`: `[KIND]` (full) or `[KIND:head…tail]` (partial)."""
    if mode == "none":
        return p.value
    if mode == "full":
        return f"[{p.kind}]"
    v = re.sub(r"[^0-9A-Za-z+@._]", "", p.value)
    head, tail = {"CARD": (4, 4), "PHONE": (3, 4), "ID": (2, 2), "WALLET": (4, 4)}.get(p.kind, (1, 1))
    if p.kind == "EMAIL":
        user, _, domain = v.partition("@")
        return f"[EMAIL:{user[:1]}…@{domain}]"
    if p.kind == "URL":
        host = re.sub(r"^(?:https?://)?", "", p.value, flags=re.IGNORECASE).split("/")[0]
        return f"[URL:{host}…]"
    if len(v) <= head + tail:
        return f"[{p.kind}]"
    return f"[{p.kind}:{v[:head]}…{v[-tail:]}]"


def redact(text: str, mode: Mode = "full", found: list[Pii] | None = None) -> str:
    """`text` with every piece of personal data replaced by its mask (unchanged with mode 'none')."""
    if mode == "none" or not text:
        return text
    pieces = []
    at = 0
    for p in find(text) if found is None else found:
        pieces.append(text[at:p.start])
        pieces.append(mask(p, mode))
        at = p.end
    pieces.append(text[at:])
    return "".join(pieces)


def check_mode(value: str | None) -> Mode:
    """A redaction mode as given by a flag, the config or CYBERTYPE_REDACT; ValueError for an unknown one."""
    mode = (value or "none").strip().lower()
    if mode not in MODES:
        raise ValueError(f"unknown redaction mode {value!r} (choose one of: {', '.join(MODES)})")
    return mode  # type: ignore[return-value]


def default_mode() -> Mode:
    """The mode from CYBERTYPE_REDACT, else 'none'."""
    return check_mode(os.environ.get(ENV))


def redact_slice(text: str, lo: int, hi: int, found: list[Pii], mode: Mode) -> str:
    """text[lo:hi] masked: a piece of personal data that overlaps the slice is masked whole, so a slice
    edge (an evidence context, a match) never leaves half a number visible."""
    if mode == "none":
        return text[lo:hi]
    pieces = []
    at = lo
    for p in found:
        if p.end <= at or p.start >= hi:
            continue
        pieces.append(text[at:max(at, p.start)])
        pieces.append(mask(p, mode))
        at = p.end
    pieces.append(text[at:hi] if at < hi else "")
    return "".join(pieces)


def find_in(text: str, lo: int, hi: int, margin: int = 64) -> list[Pii]:
    """The personal data of `text` that overlaps [lo, hi), found by reading only around that slice."""
    base = max(0, lo - margin)
    return [Pii(p.start + base, p.end + base, p.kind, p.value)
            for p in find(text[base: hi + margin]) if p.end + base > lo and p.start + base < hi]
