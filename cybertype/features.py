"""Features of a normalized text: jieba words and word bigrams, and character 1–3-grams.

Words give meaning where segmentation works; character n-grams keep the model
seeing evasion spellings and segmentation errors. Both run on the normalized
text, so width, script (traditional/simplified) and separators do not matter.
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from functools import lru_cache
from pathlib import Path

CHAR_NGRAMS = (1, 2, 3)


def cache_dir() -> Path:
    """Per-user cache folder (jieba's dictionary cache lives here, never in a shared /tmp)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "cybertype"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@lru_cache(maxsize=1)
def tokenizer():
    """The jieba tokenizer, initialized once per process with its cache in `cache_dir()`."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its progress lines would pollute stderr in pipes
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.initialize()
    return tok


def words(text: str) -> list[str]:
    """jieba words of a normalized text, spaces dropped. HMM is off: new-word guessing is
    unstable on evasion spellings, and the character n-grams already cover unknown words."""
    return [w for w in tokenizer().lcut(text, HMM=False) if not w.isspace()]


def extract(text: str) -> Counter[str]:
    """Feature counts of one normalized text."""
    feats: Counter[str] = Counter()
    ws = words(text)
    feats.update("w:" + w for w in ws)
    feats.update("b:" + a + "_" + b for a, b in zip(ws, ws[1:]))
    n = len(text)
    for k in CHAR_NGRAMS:
        feats.update("c:" + text[i : i + k] for i in range(n - k + 1))
    return feats
