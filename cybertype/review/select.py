"""Which texts to ask about first.

- `uncertain`: a label's probability nearest its threshold (the texts whose answer moves the model most);
- `disagree`: the rules and the model pull opposite ways — the rules alone would pass a label that the
  fused decision did not, or counter-evidence fired on a label that passed — or a label passed with no
  positive rule hit (the model alone carried it); nearest the threshold first;
- `random`: a seeded sample, for an honest estimate of how well the model does on these texts.

`label` narrows every strategy to one typology (for `random`: texts that have it or are uncertain about it).
"""
from __future__ import annotations

import random as _random
from collections.abc import Sequence

from cybertype.labels import LABEL_IDS
from cybertype.model.fusion import DECISION_PROBABILITY, rule_probability

STRATEGIES = ("uncertain", "disagree", "random")


def rule_scores(result) -> dict[str, float]:
    """Summed weight of the rules that fired, per label (each rule counted once, however many spans it hit)."""
    seen: dict[tuple[str, str], float] = {}
    for e in result.evidence:
        if e.source == "rule":
            seen[(e.label, e.rule)] = e.weight
    out = dict.fromkeys(LABEL_IDS, 0.0)
    for (label, _), w in seen.items():
        out[label] += w
    return out


def distance(result, thresholds: dict[str, float], labels: Sequence[str] = LABEL_IDS) -> float:
    """How far the text's most borderline label lies from its threshold (0: on it)."""
    return min(abs(result.scores.get(label, 0.0) - thresholds[label]) for label in labels)


def disagreements(result, labels: Sequence[str] = LABEL_IDS) -> list[str]:
    """The labels on which the rules and the fused decision part ways (see the module docstring)."""
    scores = rule_scores(result)
    out = []
    for label in labels:
        passed = label in result.labels
        positive_rule = any(e.source == "rule" and e.label == label and e.weight > 0 for e in result.evidence)
        countered = any(e.source == "rule" and e.label == label and e.counter for e in result.evidence)
        rules_say = rule_probability(scores[label]) >= DECISION_PROBABILITY
        if (passed and (not positive_rule or countered)) or (rules_say and not passed):
            out.append(label)
    return out


def choose(items: Sequence, strategy: str, thresholds: dict[str, float], *, label: str | None = None,
           limit: int | None = None, seed: int = 0) -> list:
    """The items to review, in the order to ask them (`items` carry a `.result`)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if label is not None and label not in LABEL_IDS:
        raise ValueError(f"unknown label {label!r} (labels: {', '.join(LABEL_IDS)})")
    labels = [label] if label else list(LABEL_IDS)
    order = list(range(len(items)))
    if strategy == "uncertain":
        order.sort(key=lambda k: (distance(items[k].result, thresholds, labels), k))
    elif strategy == "disagree":
        order = [k for k in order if disagreements(items[k].result, labels)]
        order.sort(key=lambda k: (distance(items[k].result, thresholds, disagreements(items[k].result, labels)), k))
    else:
        if label:
            order = [k for k in order if label in items[k].result.labels or label in items[k].result.uncertain]
        _random.Random(seed).shuffle(order)
    chosen = [items[k] for k in order]
    return chosen[:limit] if limit is not None else chosen
