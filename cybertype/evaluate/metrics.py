"""Metrics of a classifier against gold labels.

Per-label P/R/F1, micro/macro F1, primary accuracy, the `none` false-positive rate and a confusion
matrix of primary labels."""
from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from cybertype.classifier import Classifier, primary_of
from cybertype.corpus import CorpusRecord
from cybertype.labels import LABEL_IDS, NONE
from cybertype.text.normalize import normalize

MODES = ("fused", "rules", "model")


class LabelMetrics(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int


class Report(BaseModel):
    """Evaluation of one system on one labeled set."""

    system: str
    n: int
    per_label: dict[str, LabelMetrics]
    micro_f1: float
    macro_f1: float
    primary_accuracy: float
    none_fp_rate: float
    confusion: dict[str, dict[str, int]]  # gold primary -> predicted primary -> count


def _safe(a: float, b: float) -> float:
    return a / b if b else 0.0


def score(system: str, gold: list[CorpusRecord], pred_labels: list[list[str]], pred_primary: list[str]) -> Report:
    """Compute a `Report` from predicted label lists and primaries."""
    per: dict[str, LabelMetrics] = {}
    tp_all = fp_all = fn_all = 0
    for label in LABEL_IDS:
        tp = sum(label in g.labels and label in p for g, p in zip(gold, pred_labels))
        fp = sum(label not in g.labels and label in p for g, p in zip(gold, pred_labels))
        fn = sum(label in g.labels and label not in p for g, p in zip(gold, pred_labels))
        prec, rec = _safe(tp, tp + fp), _safe(tp, tp + fn)
        per[label] = LabelMetrics(precision=round(prec, 4), recall=round(rec, 4),
                                  f1=round(_safe(2 * prec * rec, prec + rec), 4), support=tp + fn)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    micro_p, micro_r = _safe(tp_all, tp_all + fp_all), _safe(tp_all, tp_all + fn_all)
    nones = [p for g, p in zip(gold, pred_labels) if not g.labels]
    confusion = {g: dict.fromkeys((*LABEL_IDS, NONE), 0) for g in (*LABEL_IDS, NONE)}
    for g, p in zip(gold, pred_primary):
        confusion[g.primary][p] += 1
    return Report(
        system=system,
        n=len(gold),
        per_label=per,
        micro_f1=round(_safe(2 * micro_p * micro_r, micro_p + micro_r), 4),
        macro_f1=round(sum(m.f1 for m in per.values()) / len(per), 4),
        primary_accuracy=round(_safe(sum(g.primary == p for g, p in zip(gold, pred_primary)), len(gold)), 4),
        none_fp_rate=round(_safe(sum(bool(p) for p in nones), len(nones)), 4),
        confusion=confusion,
    )


def evaluate(classifier: Classifier, gold: list[CorpusRecord], modes=("fused",)) -> list[Report]:
    """Evaluate the classifier in each mode (fused, rules, model) plus a majority-class baseline."""
    norms = [normalize(r.text) for r in gold]
    rule_scores = [classifier.rule_scores(r.text, n)[0] for r, n in zip(gold, norms)]
    margins = classifier.model.margins(norms) if classifier.model is not None else None
    reports = []
    for mode in modes:
        if mode == "model" and margins is None:
            continue
        labels, primaries = [], []
        for k, rs in enumerate(rule_scores):
            probs, chosen = classifier.decide(rs, margins[k] if margins is not None else None, mode)
            labels.append(chosen)
            primaries.append(primary_of(chosen, probs))
        name = {"fused": "fused (rules + model)" if margins is not None else "rules", "rules": "rules only",
                "model": "model only"}[mode]
        reports.append(score(name, gold, labels, primaries))
    majority = Counter(r.primary for r in gold).most_common(1)[0][0]
    base_labels = [[] if majority == NONE else [majority] for _ in gold]
    reports.append(score(f"baseline (always {majority})", gold, base_labels, [majority] * len(gold)))
    return reports
