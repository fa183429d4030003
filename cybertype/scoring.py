"""Rule scores to probabilities.

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
