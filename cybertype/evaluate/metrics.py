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
    hard_negative_fp_rate: float | None = None  # on `none` texts written as twins of a positive
    hard_negatives: int = 0
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
    hard = [p for g, p in zip(gold, pred_labels) if g.hard_negative]
    # Macro-F1 over the labels that occur in the gold or the predictions: a slice of the corpus
    # without a label is not scored as a perfect (or a failed) F1 for it.
    present = [label for label, m in per.items() if m.support or any(label in p for p in pred_labels)] or list(per)
    confusion = {g: dict.fromkeys((*LABEL_IDS, NONE), 0) for g in (*LABEL_IDS, NONE)}
    for g, p in zip(gold, pred_primary):
        confusion[g.primary][p] += 1
    return Report(
        system=system,
        n=len(gold),
        per_label=per,
        micro_f1=round(_safe(2 * micro_p * micro_r, micro_p + micro_r), 4),
        macro_f1=round(sum(per[label].f1 for label in present) / len(present), 4),
        primary_accuracy=round(_safe(sum(g.primary == p for g, p in zip(gold, pred_primary)), len(gold)), 4),
        none_fp_rate=round(_safe(sum(bool(p) for p in nones), len(nones)), 4),
        hard_negative_fp_rate=round(_safe(sum(bool(p) for p in hard), len(hard)), 4) if hard else None,
        hard_negatives=len(hard),
        confusion=confusion,
    )


def evaluate(classifier: Classifier, gold: list[CorpusRecord], modes=("fused",)) -> list[Report]:
    """Evaluate the classifier in each mode (fused, rules, model) plus a majority-class baseline."""
    reports = []
    if "fused" in modes:  # exactly what `classify` outputs, evidence requirement included
        results = list(classifier.classify_many([r.text for r in gold]))
        name = "fused (rules + model)" if classifier.model is not None else "rules"
        reports.append(score(name, gold, [r.labels for r in results], [r.primary for r in results]))
    norms = [normalize(r.text) for r in gold]
    rule_scores = [classifier.rule_scores(r.text, n)[0] for r, n in zip(gold, norms)]
    margins = classifier.model.margins(norms) if classifier.model is not None else None
    for mode in modes:
        if mode == "fused" or (mode == "model" and margins is None):
            continue
        labels, primaries = [], []
        for k, rs in enumerate(rule_scores):
            probs, chosen = classifier.decide(rs, margins[k] if margins is not None else None, mode)
            labels.append(chosen)
            primaries.append(primary_of(chosen, probs))
        name = {"rules": "rules only", "model": "model only"}[mode]
        reports.append(score(name, gold, labels, primaries))
    majority = Counter(r.primary for r in gold).most_common(1)[0][0]
    base_labels = [[] if majority == NONE else [majority] for _ in gold]
    reports.append(score(f"baseline (always {majority})", gold, base_labels, [majority] * len(gold)))
    return reports


BREAKDOWNS = ("writer", "style", "lang", "length", "topic")
LENGTH_BANDS = ((80, "0-80"), (300, "80-300"), (600, "300-600"), (1500, "600-1500"), (None, "1500-"))


def group_key(record: CorpusRecord, by: str) -> str:
    """The slice of the corpus a record belongs to under `by` (writer, style, lang, length, topic)."""
    if by == "writer":
        return record.group
    if by == "length":
        n = len(record.text)
        return next(name for limit, name in LENGTH_BANDS if limit is None or n < limit)
    if by == "topic":
        return record.topic or "-"
    return getattr(record, by) or "-"


def breakdown(classifier: Classifier, gold: list[CorpusRecord], by: str) -> dict[str, Report]:
    """The fused system scored on each slice of `gold` under `by`, slices in name order."""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}; use one of {', '.join(BREAKDOWNS)}")
    results = list(classifier.classify_many([r.text for r in gold]))
    slices: dict[str, list[int]] = {}
    for i, r in enumerate(gold):
        slices.setdefault(group_key(r, by), []).append(i)
    order = [name for _, name in LENGTH_BANDS] if by == "length" else sorted(slices)
    return {key: score(key, [gold[i] for i in slices[key]], [results[i].labels for i in slices[key]],
                       [results[i].primary for i in slices[key]]) for key in order if key in slices}
