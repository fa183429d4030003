"""Chinese word segmentation: jieba's dictionary and best path, in compiled code (rjieba).

rjieba binds jieba-rs, which ships jieba's dictionary and computes the same DAG
and best path in Rust. With HMM off its words equal `jieba.lcut(text, HMM=False)`:
a test compares them on the whole corpus and on random text, and jieba stays the
reference there (the `test` extra). The dictionary is built in memory from the
binding's own data, so nothing is written to any cache folder.
"""
from __future__ import annotations

import re
from functools import lru_cache

_SURROGATE = re.compile("([\ud800-\udfff])")


@lru_cache(maxsize=1)
def _cut():
    """rjieba's `cut` of this process (its dictionary loads on the first call, about 0.1 s)."""
    import rjieba

    return rjieba.cut


def words(text: str) -> list[str]:
    """jieba words of a normalized text, spaces dropped. HMM is off: new-word guessing is
    unstable on evasion spellings, and the character n-grams already cover unknown words.

    The result is exactly `jieba.lcut(text, HMM=False)` without the whitespace tokens.
    """
    cut = _cut()
    try:
        return [w for w in cut(text, False) if not w.isspace()]
    except UnicodeEncodeError:  # a lone surrogate cannot cross into Rust; jieba makes it a word of its own
        return [w for part in _SURROGATE.split(text) if part
                for w in ([part] if _SURROGATE.fullmatch(part) else cut(part, False)) if not w.isspace()]


def warm_up() -> None:
    """Load the dictionary now (worker processes do this before their first task)."""
    _cut()
