"""The shipped model and another one, side by side on the same labeled records, with the difference per label."""
from __future__ import annotations

from cybertype.classifier import Classifier
from cybertype.evaluate.metrics import Report, evaluate
from cybertype.labels import LABEL_IDS


def compare(gold, model, *, rules_dirs=(), builtin_rules: bool = True, precision: str = "default") -> dict:
    """Reports of the shipped model and of `model` (a path or a `Model`) on `gold`, and their difference."""
    kw = dict(rules_dirs=list(rules_dirs), builtin_rules=builtin_rules, precision=precision)
    shipped = evaluate(Classifier(**kw), gold)[0]
    other = evaluate(Classifier(model=model, **kw), gold)[0]
    shipped.system, other.system = "shipped model", "new model"
    return {"shipped": shipped, "model": other, "difference": difference(shipped, other)}


def difference(shipped: Report, other: Report) -> dict:
    """F1 per label, then macro F1, primary accuracy and `none` false-positive rate: other minus shipped."""
    out = {label: round(other.per_label[label].f1 - shipped.per_label[label].f1, 4) for label in LABEL_IDS}
    for key in ("macro_f1", "primary_accuracy", "none_fp_rate"):
        out[key] = round(getattr(other, key) - getattr(shipped, key), 4)
    return out
