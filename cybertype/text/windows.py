"""A long text normalized in bounded windows, cut at sentence ends, with exact original offsets.

`normalize_windows` folds the original text slice by slice (at most `SLICE` original characters at a
time, each slice ending after a sentence end where one is near) and yields a `Normalized` window
whenever `size` normalized characters have gathered. Slices inside one window join exactly as one
`normalize` would; a text that fits in one window comes out as `normalize(text)`, identical. Only
OpenCC's phrase conversion runs per window, so a traditional phrase cut by a window end is converted
character by character. Every window's `starts`/`ends` point into the whole original text.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from cybertype.text.normalize import FoldState, Normalized, fold_run, to_simplified

WINDOW = 1 << 17  # normalized characters per window (128 Ki, about 400 KB of Chinese): a few MB of state
SLICE = 1 << 13  # original characters folded at a time; a window ends at a slice end
_SENTENCE_END = re.compile(r"[。！？!?；;…\n\r]+")
_SPACE = re.compile(r"\s+")


def cut_point(text: str, pos: int, limit: int) -> int:
    """Where the slice of `text` starting at `pos` ends: after the last sentence end (else whitespace) in
    the second half of the next `limit` characters, else `limit` characters on; the end of the text if near."""
    end = pos + limit
    if end >= len(text):
        return len(text)
    lo = pos + limit // 2
    for pattern in (_SENTENCE_END, _SPACE):
        last = None
        for last in pattern.finditer(text, lo, end):
            pass
        if last is not None:
            return last.end()
    return end


def normalize_windows(text: str, size: int | None = None, slice_chars: int | None = None) -> Iterator[Normalized]:
    """The normalized text in windows of about `size` characters (at most `size` plus one slice's worth);
    `size` and `slice_chars` default to `WINDOW` and `SLICE`."""
    size = WINDOW if size is None else size
    slice_chars = SLICE if slice_chars is None else slice_chars
    state = FoldState()
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    held: Normalized | None = None  # the last full window, held back until more text turns up
    pos, n = 0, len(text)
    while pos < n:
        end = cut_point(text, pos, slice_chars)
        fold_run(text[pos:end], pos, state, chars, starts, ends)
        pos = end
        if len(chars) >= size and pos < n:
            if held is not None:
                yield held
            held = Normalized(to_simplified("".join(chars)), starts, ends)
            chars, starts, ends = [], [], []
    if held is not None:
        yield held
        if not chars:
            return  # the rest folded to nothing: no empty last window
    yield Normalized(to_simplified("".join(chars)), starts, ends)
