"""Per-rule statistics against gold labels (`cybertype rules stats`).

Like the labeling-function summaries of weak-supervision tools: how often each
rule fires (coverage), how often its vote agrees with the gold labels
(precision; for a negative-weight rule, agreement means the label is absent),
which rules fire together with it (overlaps) and which of those vote for a
different label on the same texts (conflicts).
"""
from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from cybertype.corpus import CorpusRecord
from cybertype.text.normalize import normalize
from cybertype.rules import Matcher, RuleSet


class RuleStat(BaseModel):
    rule: str
    label: str
    weight: float
    fires: int
    coverage: float
    correct: int
    precision: float | None
    overlaps: list[tuple[str, int]]
    conflicts: list[tuple[str, int]]


def rule_stats(ruleset: RuleSet, gold: list[CorpusRecord], top: int = 3) -> list[RuleStat]:
    """One `RuleStat` per rule, in rule order."""
    matcher = Matcher(ruleset.rules)
    fired_by_text = [{m.rule.id for m in matcher.match(normalize(r.text))} for r in gold]
    by_id = {r.id: r for r in ruleset.rules}
    out = []
    for rule in ruleset.rules:
        texts = [k for k, ids in enumerate(fired_by_text) if rule.id in ids]
        agrees = [(rule.label in gold[k].labels) == (rule.weight > 0) for k in texts]
        co = Counter(other for k in texts for other in fired_by_text[k] if other != rule.id)
        overlaps = [(o, c) for o, c in co.most_common() if by_id[o].label == rule.label][:top]
        conflicts = [(o, c) for o, c in co.most_common()
                     if by_id[o].label != rule.label and by_id[o].weight > 0 and rule.weight > 0][:top]
        out.append(RuleStat(
            rule=rule.id, label=rule.label, weight=rule.weight, fires=len(texts),
            coverage=round(len(texts) / len(gold), 4) if gold else 0.0, correct=sum(agrees),
            precision=round(sum(agrees) / len(texts), 4) if texts else None,
            overlaps=overlaps, conflicts=conflicts,
        ))
    return out
