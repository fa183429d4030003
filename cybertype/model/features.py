"""Features of a normalized text: jieba words and word bigrams, and character 1–3-grams.

Words give meaning where segmentation works; character n-grams keep the model
seeing evasion spellings and segmentation errors. Both run on the normalized
text, so width, script (traditional/simplified) and separators do not matter.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from cybertype.text.segment import words  # noqa: F401 (re-exported)

CHAR_NGRAMS = (1, 2, 3)


def extract(text: str) -> Counter[str]:
    """Feature counts of one normalized text: "w:" words, "b:" word bigrams, "c:" character n-grams."""
    feats = word_features(text)
    n = len(text)
    for k in CHAR_NGRAMS:
        feats.update("c:" + text[i : i + k] for i in range(n - k + 1))
    return feats


# Inference fast path: an n-gram of up to 3 code points packs into one int64 (21 bits each), so
# `Model.vector` can count and look up character n-grams with numpy instead of building and hashing
# millions of "c:" strings. `extract` (training) is the reference; both give the same features in
# the same order, so the vectors are identical.
_CODE_BITS = 21


def word_features(text: str) -> Counter[str]:
    """The "w:" and "b:" part of `extract`, in the same order."""
    return word_features_of(words(text))


def word_features_of(ws: list[str]) -> Counter[str]:
    """The "w:" and "b:" features of a text's jieba words `ws`."""
    feats: Counter[str] = Counter()
    feats.update("w:" + w for w in ws)
    feats.update("b:" + a + "_" + b for a, b in zip(ws, ws[1:]))
    return feats


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def char_ngram_codes(text: str) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Per n in CHAR_NGRAMS: (n, distinct n-gram codes in first-occurrence order, their counts)."""
    cp = _code_points(text)
    out = []
    for k in CHAR_NGRAMS:
        m = len(cp) - k + 1
        if m <= 0:
            out.append((k, np.zeros(0, np.int64), np.zeros(0, np.int64)))
            continue
        code = cp[:m].copy()
        for j in range(1, k):
            code <<= _CODE_BITS
            code |= cp[j : j + m]
        uniq, first, counts = np.unique(code, return_index=True, return_counts=True)
        order = np.argsort(first)
        out.append((k, uniq[order], counts[order]))
    return out


def gram_codes(grams: list[str], k: int) -> np.ndarray:
    """Codes of n-grams of length k, as `char_ngram_codes` computes them."""
    cp = _code_points("".join(grams)).reshape(-1, k)
    code = cp[:, 0].copy()
    for j in range(1, k):
        code <<= _CODE_BITS
        code |= cp[:, j]
    return code
