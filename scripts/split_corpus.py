"""Split the authored corpus files (samples/corpus/*.jsonl) into samples/train.jsonl and samples/test.jsonl.

Stratified by (writer batch, primary label, language, style): inside each stratum the texts
are ordered by a hash of their id and a steady 22% goes to the test split, so the split is
fixed, reproducible and balanced. The writer batch is the part of `writer` before the first
"-" ("v1" for every first-wave writer), so adding a new writer's file never moves a text of
an earlier batch from one split to the other. Usage:

    python scripts/split_corpus.py samples/corpus/*.jsonl
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

TEST_SHARE = 0.22
FIELDS = ("id", "text", "labels", "primary", "lang", "style", "writer", "topic")


def main(paths: list[str]) -> None:
    records = [json.loads(line) for p in paths for line in Path(p).read_text(encoding="utf-8").splitlines()
               if line.strip()]
    strata = defaultdict(list)
    for r in records:
        strata[(r["writer"].split("-")[0], r["primary"], r["lang"], r["style"])].append(r)
    train, test = [], []
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
        for i, r in enumerate(group):
            # Bresenham-style: the test count after i+1 items is round((i+1) * share).
            (test if round((i + 1) * TEST_SHARE) > round(i * TEST_SHARE) else train).append(r)
    root = Path(__file__).resolve().parent.parent / "samples"
    for name, rows in (("train", train), ("test", test)):
        rows.sort(key=lambda r: r["id"])
        with open(root / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({k: r[k] for k in FIELDS if r.get(k) is not None}, ensure_ascii=False) + "\n")
    print(f"train {len(train)}, test {len(test)} ({len(test) / len(records):.1%})")


if __name__ == "__main__":
    main(sys.argv[1:])
