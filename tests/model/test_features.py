import json
import math

import numpy as np
import pytest

from cybertype.model import features
from cybertype.model.linear import load_default
from cybertype.text.normalize import normalize

TEXTS = [
    "他把银行卡出租给别人跑分，每天四百",
    "met a guy on hinge who said he was an engineer in dubai",
    "殺豬盤 詐騙 兩卡 网络赌博 🐷🚀 𠀀𠀁 astral",
    "a",
    "",
    "\ud800 lone surrogate 银行卡",
    "一一一一一一一一 repeated 一一",
]


def reference_vector(model, text):
    """Weights computed the slow, obvious way from `features.extract`."""
    index = {f: i for i, f in enumerate(model.vocab)}
    pairs = [(index[f], c) for f, c in features.extract(text).items() if f in index]
    idx = np.array([j for j, _ in pairs], dtype=np.int64)
    val = np.array([(1.0 + math.log(c)) for _, c in pairs], dtype=np.float32) * model.idf[idx] if pairs else \
        np.zeros(0, np.float32)
    if len(val):
        val /= max(float(np.linalg.norm(val)), model.norm_floor) or 1.0
    return idx, val


@pytest.mark.parametrize("raw", TEXTS)
def test_fast_vector_equals_reference(raw):
    model = load_default()
    text = normalize(raw).text
    idx, val = model.vector(text)
    ref_idx, ref_val = reference_vector(model, text)
    assert idx.tolist() == ref_idx.tolist()
    assert np.array_equal(val, ref_val)


def test_extract_has_words_bigrams_and_char_ngrams():
    feats = features.extract("出租银行卡")
    assert feats["w:银行卡"] == 1 and feats["b:出租_银行卡"] == 1
    assert feats["c:银"] == 1 and feats["c:银行"] == 1 and feats["c:银行卡"] == 1


def _random_texts(n: int, seed: int) -> list[str]:
    """Random mixes of dictionary words, CJK (with extension blocks), ASCII, spaces, punctuation and other scripts."""
    import random

    import jieba

    rnd = random.Random(seed)
    vocab = [line.split(" ", 1)[0] for line in jieba.get_dict_file().read().decode("utf-8").splitlines()]
    spans = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0xF900, 0xFAFF), (0x20, 0x7E),
             (0xFF01, 0xFF5E), (0x3000, 0x303F), (0x1F300, 0x1FAFF), (0x0300, 0x036F), (0x0400, 0x04FF),
             (0xAC00, 0xD7A3), (0x3040, 0x30FF), (0xD800, 0xDFFF)]
    pieces = [lambda: rnd.choice(vocab), lambda: rnd.choice("abcXYZ0123456789+#&._%-"),
              lambda: rnd.choice(" \t\n\r\u3000\xa0\u2028")]
    pieces += [lambda lo=lo, hi=hi: chr(rnd.randint(lo, hi)) for lo, hi in spans]
    out = []
    for _ in range(n):
        mix = rnd.sample(pieces, rnd.randint(1, 4))
        out.append("".join(rnd.choice(mix)() for _ in range(rnd.randint(1, 60))))
    return out


def test_segmentation_is_exactly_jiebas():
    """rjieba's words == jieba.lcut(HMM=False) on every normalized text of the corpus and on random text."""
    import logging

    import jieba

    from conftest import ROOT

    jieba.setLogLevel(logging.WARNING)
    corpus = [json.loads(line)["text"] for name in ("train.jsonl", "test.jsonl")
              for line in (ROOT / "samples" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(corpus) > 8000
    texts = TEXTS + [normalize(t).text for t in corpus] + _random_texts(2000, seed=7)
    differ = [t for t in texts if features.words(t) != [w for w in jieba.lcut(t, HMM=False) if not w.isspace()]]
    assert differ == []
