"""Rule scores and model margins to probabilities: the rules-only map and the learned fusion.

A label's rule score is the sum of the weights of the rules that fired for it.
Without a model it maps to a probability by p = 1 − exp(−max(s, 0) / τ) with
τ = 2 / ln 2: monotone, 0 when no evidence, and exactly 0.5 at the documented
rules-only threshold s = 2.0.
"""
from __future__ import annotations

import math

RULE_THRESHOLD = 2.0
_TAU = RULE_THRESHOLD / math.log(2.0)
DECISION_PROBABILITY = 0.5


def rule_probability(score: float) -> float:
    """Monotone map of a summed rule score to [0, 1); 0.5 at `RULE_THRESHOLD`."""
    return 1.0 - math.exp(-max(score, 0.0) / _TAU)


def clip_rule_score(score: float) -> float:
    """Rule scores enter the fusion clipped, so a pile of hits cannot overwhelm it."""
    return max(-6.0, min(8.0, score))


def fuse(fusion: dict[str, dict[str, float]], labels: list[str], rule_scores: dict[str, float],
         margin_row, thresholds: dict[str, float] | None = None) -> tuple[dict[str, float], list[str]]:
    """Fused probability per label (`labels`: the model's column order) and the labels that pass their thresholds.

    `fusion` holds per label the weights a (model margin), b (rule score), c (bias) and the threshold;
    `thresholds` overrides the thresholds per label. Counter-evidence rules (negative weights) lower
    the rule score, and b > 0 in every trained model, so they lower the label's probability.
    """
    probs: dict[str, float] = {}
    chosen: list[str] = []
    for j, label in enumerate(labels):
        f = fusion.get(label)
        if f is None:
            continue
        z = f["a"] * float(margin_row[j]) + f["b"] * clip_rule_score(rule_scores[label]) + f["c"]
        p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
        probs[label] = p
        if p >= (thresholds or {}).get(label, f["threshold"]):
            chosen.append(label)
    return probs, chosen
