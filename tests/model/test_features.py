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


def test_segmentation_is_exactly_jiebas():
    """Lazily loaded dictionary + one-pass best path == jieba.lcut(HMM=False) with the full dictionary."""
    import random

    import jieba

    from conftest import ROOT

    full = jieba.Tokenizer()
    full.tmp_dir = str(features.cache_dir())
    rnd = random.Random(7)
    corpus = [json.loads(line)["text"] for line in (ROOT / "samples" / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    noise = ["".join(chr(rnd.randint(32, 0x9FFF)) for _ in range(rnd.randint(1, 60))) for _ in range(300)]
    for raw in TEXTS + corpus + noise:
        text = normalize(raw).text
        assert features.words(text) == [w for w in full.lcut(text, HMM=False) if not w.isspace()], raw
