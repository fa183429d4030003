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
    assert len(corpus) >= 6000
    for label in LABEL_IDS:
        assert len(members(corpus, label)) >= 800, label
    assert sum(not r.labels for r in corpus) >= 3000


def test_every_style_is_at_least_5_percent_of_every_typology(corpus):
    for label in LABEL_IDS:
        m = members(corpus, label)
        styles = Counter(r.style for r in m)
        for style in STYLES:
            assert styles[style] / len(m) >= 0.05, (label, style, styles[style])


def test_many_writers_none_dominant_and_each_new_writer_wrote_twins(corpus):
    """Cross-writer validation needs many hands: every text names its writer, no writer holds more than
    12% of the corpus, and every second-wave writer wrote positives and their `none` twins both."""
    assert all(r.writer for r in corpus)
    writers = Counter(r.group for r in corpus)
    assert len(writers) >= 12
    assert max(writers.values()) / len(corpus) <= 0.12, writers.most_common(3)
    for writer in (w for w in writers if not w.startswith("v1-")):
        mine = [r for r in corpus if r.group == writer]
        assert any(r.labels for r in mine) and any(not r.labels for r in mine), writer


def test_every_hard_case_and_misleading_word_has_60_texts_on_each_side(corpus):
    """Guide hard cases (hc1-13) and misleading-word rows (w1-6): positives and their `none` twins."""
    sides = Counter()
    for r in corpus:
        if r.topic and (r.topic.startswith("hc") or r.topic.startswith("w")):
            case, _, side = r.topic.rpartition("-")
            sides[(case, side)] += 1
    for case in {c for c, _ in sides}:
        if case in ("hc1", "hc3", "hc7", "hc8"):  # twins of these differ by a second label, not by none
            continue
        assert sides[(case, "pos")] >= 60 and sides[(case, "neg")] >= 60, (case, sides[(case, "pos")],
                                                                           sides[(case, "neg")])


def test_keyword_only_fragments_are_none(corpus):
    fragments = {"银行卡", "主播", "平台", "直播间"}
    found = [r for r in corpus if r.text.strip() in fragments]
    assert len(found) == len(fragments)
    assert all(not r.labels for r in found)


def test_lengths_languages_and_multi_label(corpus):
    lengths = [len(r.text) for r in corpus]
    assert sum(n > 600 for n in lengths) / len(corpus) >= 0.12
    assert sum(n > 1500 for n in lengths) >= 150
    assert sum(n <= 20 for n in lengths) >= 150
    langs = Counter(r.lang for r in corpus)
    assert langs["en"] / len(corpus) >= 0.25
    assert langs["zh-Hant"] / len(corpus) >= 0.15
    assert sum(len(r.labels) >= 2 for r in corpus) >= 400


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
