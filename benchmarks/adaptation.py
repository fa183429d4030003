"""Does the review loop adapt the model to a user's texts? A simulation anyone can rerun.

    python benchmarks/adaptation.py                      # writer group v2i, 50/100/200 answers (~10 CPU-min)
    python benchmarks/adaptation.py --tiny --output /tmp/a.json   # smoke run on the small test corpus

1. One writer group of the corpus (`--holdout`, default v2i: 684 training texts covering every label) plays
   "the user's texts": its texts in samples/train.jsonl are the pool the user reviews, its texts in
   samples/test.jsonl the held-out rest the F1 is measured on. Neither is seen by the base model.
2. The base model is trained on the rest of samples/train.jsonl (`train --quick --folds 3`: the same
   training without the cross-fitted figures, which a simulation does not need).
3. For each strategy (`uncertain`, `random`), the loop a user runs: `review --strategy S` chooses texts
   from the pool with the current model, an oracle answers them with the gold labels, the model is
   retrained with every answer so far added (`train --add`, `--weight-added`), and the next review uses
   the new model; after 50, 100 and 200 answers, macro F1 (fused, the labels `classify` outputs) is
   measured on the held-out rest.

Features and rule scores of every text are computed once; each retraining then costs the model fits only.
It prints a Markdown table and writes the figures as JSON (`--output`, default benchmarks/adaptation.json).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cybertype.classifier import Classifier  # noqa: E402
from cybertype.corpus import read_corpus  # noqa: E402
from cybertype.evaluate.metrics import evaluate  # noqa: E402
from cybertype.io.inputs import InputRecord  # noqa: E402
from cybertype.model.train import TrainConfig, extract_all, train  # noqa: E402
from cybertype.review.inputs import Item  # noqa: E402
from cybertype.review.select import choose  # noqa: E402

STRATEGIES = ("uncertain", "random")


def _args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--holdout", default=None, help="writer group playing the user's texts (default v2i)")
    p.add_argument("--steps", default=None, help="answers after which F1 is measured (default 50,100,200)")
    p.add_argument("--weight-added", type=float, default=2.0, help="sample weight of the answers (train --add)")
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--seed", type=int, default=0, help="seed of the random strategy")
    p.add_argument("--tiny", action="store_true", help="small corpus, small steps: a smoke run")
    p.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "adaptation.json")
    return p.parse_args(argv)


def _split(args):
    """(training records, pool of the held-out group, its held-out rest, group name)."""
    if args.tiny:
        records = read_corpus(ROOT / "tests" / "data" / "review" / "corpus-small.jsonl")
        group = args.holdout or Counter(r.group for r in records).most_common(1)[0][0]
        mine = [r for r in records if r.group == group]
        random.Random(0).shuffle(mine)
        cut = len(mine) * 3 // 5
        return [r for r in records if r.group != group], mine[:cut], mine[cut:], group
    group = args.holdout or "v2i"
    records = read_corpus(ROOT / "samples" / "train.jsonl")
    rest = [r for r in read_corpus(ROOT / "samples" / "test.jsonl") if r.group == group]
    pool = [r for r in records if r.group == group]
    if not pool or not rest:
        raise SystemExit(f"writer group {group!r} has no texts in samples/train.jsonl or samples/test.jsonl")
    return [r for r in records if r.group != group], pool, rest, group


class Lab:
    """The corpus with features and rule scores computed once, and training with answers added."""

    def __init__(self, base, pool, args):
        self.rules = Classifier(model=None)
        self.base, self.pool, self.args = base, pool, args
        self.cfg = TrainConfig(folds=args.folds, cross_fit=False)
        self.docs = dict(zip((r.id for r in base + pool), extract_all(base + pool)))
        self.scores = {r.id: self.rules.rule_scores(r.text)[0] for r in base + pool}
        self.cpu: list[float] = []

    def train(self, added):
        records = self.base + added
        weights = [1.0] * len(self.base) + [self.args.weight_added] * len(added)
        start = time.process_time()
        model, _ = train(records, self.cfg, rule_scores=[self.scores[r.id] for r in records],
                         rules_sha256=self.rules.ruleset.sha256, weights=weights,
                         docs=[self.docs[r.id] for r in records])
        self.cpu.append(time.process_time() - start)
        return Classifier(rules=self.rules.ruleset, model=model)


def _f1(clf, rest) -> dict:
    r = evaluate(clf, rest)[0]
    return {"macro_f1": r.macro_f1, "micro_f1": r.micro_f1, "none_fp_rate": r.none_fp_rate,
            "f1": {label: m.f1 for label, m in r.per_label.items()}}


def _review(clf, pool, answered: set[str], n: int, strategy: str, seed: int) -> list:
    """What `cybertype review --strategy S --limit n` would ask next, skipping what was answered."""
    left = [r for r in pool if r.id not in answered]
    results = clf.classify_many([r.text for r in left], ids=[r.id for r in left])
    items = [Item(r.id, InputRecord(id=r.id, source=None, text=r.text), res) for r, res in zip(left, results)]
    return [i.key for i in choose(items, strategy, clf.thresholds, limit=n, seed=seed)]


def main(argv=None) -> int:
    args = _args(argv)
    steps = [int(s) for s in (args.steps or ("5,10,20" if args.tiny else "50,100,200")).split(",")]
    base, pool, rest, group = _split(args)
    lab = Lab(base, pool, args)
    by_id = {r.id: r for r in pool}
    start = time.perf_counter()
    base_clf = lab.train([])
    out = {"holdout": group, "pool": len(pool), "held_out_rest": len(rest), "training_texts": len(base),
           "weight_added": args.weight_added, "folds": args.folds, "steps": steps,
           "base": _f1(base_clf, rest), "curves": {}}
    for strategy in STRATEGIES:
        clf, answered, curve = base_clf, [], []
        for n in steps:
            answered += _review(clf, pool, set(answered), n - len(answered), strategy, args.seed)
            clf = lab.train([by_id[k] for k in answered])  # the oracle's answers are the gold labels
            curve.append({"answers": n, **_f1(clf, rest)})
            print(f"{strategy:>9} {n:>4} answers: macro F1 {curve[-1]['macro_f1']:.3f}", file=sys.stderr)
        out["curves"][strategy] = curve
    out["uncertain_beats_random"] = [u["macro_f1"] > r["macro_f1"]
                                     for u, r in zip(out["curves"]["uncertain"], out["curves"]["random"])]
    out["train_cpu_seconds"] = [round(c, 1) for c in lab.cpu]
    out["wall_seconds"] = round(time.perf_counter() - start, 1)
    out["date"] = dt.date.today().isoformat()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(table(out))
    return 0


def table(out: dict) -> str:
    """The curve as a Markdown table: macro F1 on the held-out rest after each number of answers."""
    rows = ["| answers | uncertain | random | uncertain − random |", "|---:|---:|---:|---:|",
            f"| 0 (base model) | {out['base']['macro_f1']:.3f} | {out['base']['macro_f1']:.3f} | — |"]
    for u, r in zip(out["curves"]["uncertain"], out["curves"]["random"]):
        rows.append(f"| {u['answers']} | {u['macro_f1']:.3f} | {r['macro_f1']:.3f} | "
                    f"{u['macro_f1'] - r['macro_f1']:+.3f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
