"""The labeled corpus in samples/: size, variety, honesty of the implicit texts, no near-duplicates."""
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from cybertype.corpus import read_corpus
from cybertype.labels import LABEL_IDS, is_implicit
from cybertype.text.normalize import normalize

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
STYLES = ("victim", "bulletin", "judgment", "news", "press", "explainer", "chat")


@pytest.fixture(scope="module")
def train():
    return read_corpus(SAMPLES / "train.jsonl")


@pytest.fixture(scope="module")
def test():
    return read_corpus(SAMPLES / "test.jsonl")


@pytest.fixture(scope="module")
def corpus(train, test):
    return train + test


def members(corpus, label):
    return [r for r in corpus if label in r.labels]


def test_size_per_typology_and_none(corpus):
    assert len(corpus) >= 2300
    for label in LABEL_IDS:
        assert len(members(corpus, label)) >= 300, label
    assert sum(not r.labels for r in corpus) >= 800


def test_every_style_is_at_least_8_percent_of_every_typology(corpus):
    for label in LABEL_IDS:
        m = members(corpus, label)
        styles = Counter(r.style for r in m)
        for style in STYLES:
            assert styles[style] / len(m) >= 0.08, (label, style, styles[style])


def test_lengths_languages_and_multi_label(corpus):
    lengths = [len(r.text) for r in corpus]
    assert sum(n > 600 for n in lengths) / len(corpus) >= 0.10
    assert any(n > 1500 for n in lengths)
    assert sum(n <= 60 for n in lengths) >= 100
    langs = Counter(r.lang for r in corpus)
    assert langs["en"] / len(corpus) >= 0.25
    assert langs["zh-Hant"] / len(corpus) >= 0.08
    assert sum(len(r.labels) >= 2 for r in corpus) >= 150


def test_at_least_40_percent_of_each_typology_is_implicit(corpus):
    for label in LABEL_IDS:
        m = members(corpus, label)
        implicit = sum(is_implicit(normalize(r.text).text, label) for r in m)
        assert implicit / len(m) >= 0.40, label


def test_no_two_texts_share_more_than_60_percent_of_5grams(corpus):
    index: dict[str, int] = {}
    rows, cols = [], []
    for i, r in enumerate(corpus):
        t = "".join(r.text.split())
        grams = {t[k:k + 5] for k in range(max(1, len(t) - 4))}
        for g in grams:
            rows.append(i)
            cols.append(index.setdefault(g, len(index)))
    X = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(corpus), len(index)))
    sizes = np.asarray(X.sum(axis=1)).ravel()
    inter = (X @ X.T).tocoo()
    mask = inter.row < inter.col
    a, b, shared = inter.row[mask], inter.col[mask], inter.data[mask]
    jaccard = shared / (sizes[a] + sizes[b] - shared)
    worst = [(corpus[i].id, corpus[j].id, round(float(v), 2)) for i, j, v in zip(a, b, jaccard) if v > 0.6]
    assert worst == []


def test_split_is_fixed_disjoint_and_stratified(train, test):
    assert not {r.id for r in train} & {r.id for r in test}
    assert len(test) / (len(train) + len(test)) >= 0.20
    for key in ("primary", "lang", "style"):
        tr = Counter(getattr(r, key) for r in train)
        te = Counter(getattr(r, key) for r in test)
        for value, n in tr.items():
            share = te[value] / (n + te[value])
            assert 0.12 <= share <= 0.35, (key, value, share)


def test_corpus_has_no_urls_and_ids_are_unique(corpus):
    assert len({r.id for r in corpus}) == len(corpus)
    assert not [r.id for r in corpus if re.search(r"https?://|www\.", r.text)]


def test_demo_files_exist():
    demo = SAMPLES / "demo"
    assert (demo / "victim-report-zh.txt").exists()
    for line in (demo / "reports.jsonl").read_text(encoding="utf-8").splitlines():
        assert "text" in json.loads(line)
