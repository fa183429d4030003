"""Check corpus files (JSON Lines) for format, balance and near-duplicates.

Usage: python scripts/check_corpus.py FILE.jsonl [FILE.jsonl ...]
Prints counts by primary label, language, style, length band, implicit share,
multi-label count, and any pair of texts sharing more than 60% of their
character 5-grams (Jaccard). Exit 1 on a format error or a near-duplicate.
"""
from __future__ import annotations

import json
import sys
from collections import Counter

import numpy as np
from scipy.sparse import csr_matrix

from cybertype.labels import LABEL_IDS, is_implicit as _implicit
from cybertype.text.normalize import normalize

LABELS = set(LABEL_IDS)
LANGS = {"zh", "zh-Hant", "en"}
STYLES = {"victim", "bulletin", "judgment", "news", "press", "explainer", "chat", "other"}


def is_implicit(text: str, label: str) -> bool:
    return _implicit(normalize(text).text, label)


def grams(text: str, n: int = 5) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}


def main(paths: list[str]) -> int:
    records = []
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                    assert isinstance(r, dict), "not an object"
                    for key in ("id", "text", "labels", "primary", "lang", "style", "writer"):
                        assert key in r, f"missing {key}"
                    assert set(r["labels"]) <= LABELS, f"bad labels {r['labels']}"
                    if r["labels"]:
                        assert r["primary"] in r["labels"], "primary not in labels"
                    else:
                        assert r["primary"] == "none", "primary must be none when labels empty"
                    assert r["lang"] in LANGS, f"bad lang {r['lang']}"
                    assert r["style"] in STYLES, f"bad style {r['style']}"
                    assert len(set(r["labels"])) == len(r["labels"]), "duplicate label"
                except Exception as exc:  # report and go on
                    print(f"{path}:{n}: {exc}")
                    bad += 1
                    continue
                records.append(r)
    ids = Counter(r["id"] for r in records)
    for i, c in ids.items():
        if c > 1:
            print(f"duplicate id {i}")
            bad += 1
    print(f"{len(records)} records")
    print("primary:", dict(Counter(r["primary"] for r in records)))
    print("lang:", dict(Counter(r["lang"] for r in records)))
    print("style:", dict(Counter(r["style"] for r in records)))
    lens = [len(r["text"]) for r in records]
    print("length: <60:", sum(l < 60 for l in lens), " 60-600:", sum(60 <= l <= 600 for l in lens),
          " >600:", sum(l > 600 for l in lens), " >1500:", sum(l > 1500 for l in lens))
    print("multi-label:", sum(len(r["labels"]) > 1 for r in records))
    for label in sorted(LABELS):
        rs = [r for r in records if label in r["labels"]]
        if rs:
            imp = sum(is_implicit(r["text"], label) for r in rs)
            print(f"implicit {label}: {imp}/{len(rs)} = {imp / len(rs):.0%}")
    # Shared 5-grams of every pair at once, as a sparse product (a pairwise loop is quadratic in Python).
    index: dict[str, int] = {}
    rows, cols = [], []
    for k, r in enumerate(records):
        for g in grams(r["text"]):
            rows.append(k)
            cols.append(index.setdefault(g, len(index)))
    X = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(records), len(index)))
    sizes = np.asarray(X.sum(axis=1)).ravel()
    inter = (X @ X.T).tocoo()
    mask = inter.row < inter.col
    dups = 0
    for a, b, shared in zip(inter.row[mask], inter.col[mask], inter.data[mask]):
        j = shared / (sizes[a] + sizes[b] - shared)
        if j > 0.6:
            print(f"near-duplicate: {records[a]['id']} ~ {records[b]['id']} ({j:.2f})")
            dups += 1
    return 1 if bad or dups else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
