"""Markdown tables of the corpus: counts by label x language x style x implicit.

    python scripts/corpus_stats.py samples/train.jsonl samples/test.jsonl
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from cybertype.labels import LABEL_IDS, NONE, is_implicit
from cybertype.text.normalize import normalize

LANGS = ("zh", "zh-Hant", "en")
STYLES = ("victim", "bulletin", "judgment", "news", "press", "explainer", "chat", "other")


def main(paths: list[str]) -> None:
    recs = [json.loads(line) for p in paths for line in Path(p).read_text(encoding="utf-8").splitlines() if line.strip()]
    norm = {r["id"]: normalize(r["text"]).text for r in recs}
    rows = [*LABEL_IDS, NONE]

    def members(label):
        return [r for r in recs if (label in r["labels"] if label != NONE else not r["labels"])]

    print(f"{len(recs)} texts; {sum(len(r['labels']) > 1 for r in recs)} with two or more labels; "
          f"{sum(len(r['text']) > 600 for r in recs)} over 600 characters "
          f"({sum(len(r['text']) > 600 for r in recs) / len(recs):.0%}); "
          f"{sum(len(r['text']) > 1500 for r in recs)} over 1,500.\n")
    print("| label | texts | " + " | ".join(LANGS) + " | implicit |")
    print("|---|---:|" + "---:|" * (len(LANGS) + 1))
    for label in rows:
        m = members(label)
        lang = Counter(r["lang"] for r in m)
        imp = "" if label == NONE else f"{sum(is_implicit(norm[r['id']], label) for r in m) / len(m):.0%}"
        print(f"| {label} | {len(m)} | " + " | ".join(str(lang[x]) for x in LANGS) + f" | {imp} |")
    print()
    print("| label | " + " | ".join(STYLES) + " |")
    print("|---|" + "---:|" * len(STYLES))
    for label in rows:
        m = members(label)
        st = Counter(r["style"] for r in m)
        print(f"| {label} | " + " | ".join(f"{st[s]} ({st[s] / len(m):.0%})" for s in STYLES) + " |")
    lens = [len(r["text"]) for r in recs]
    print()
    print("| length (characters) | texts |\n|---|---:|")
    for lo, hi in ((0, 80), (80, 300), (300, 600), (600, 1500), (1500, 10**9)):
        print(f"| {lo}–{hi if hi < 10**9 else ''} | {sum(lo <= x < hi for x in lens)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
