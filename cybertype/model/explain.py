"""Model evidence: where in the text the features that pulled a label up stand."""
from __future__ import annotations

import re

# Character unigrams say too little to show as a reason; longer n-grams, words and bigrams do.
_MIN_CHARS = 2


def feature_text(feature: str) -> str | None:
    """The literal text a feature stands for ("w:银行卡" -> "银行卡", "b:出租_银行卡" -> "出租 银行卡")."""
    kind, _, body = feature.partition(":")
    if kind == "b":
        return body.replace("_", " ", 1)
    return body


def locate(text: str, feature: str) -> tuple[int, int] | None:
    """Span of the feature's first occurrence in the normalized text, or None."""
    body = feature_text(feature)
    if body is None or len(body.replace(" ", "")) < _MIN_CHARS or not body.strip():
        return None
    if feature.startswith("b:"):
        a, _, b = body.partition(" ")
        m = re.search(re.escape(a) + r"\s*" + re.escape(b), text)
        return m.span() if m else None
    at = text.find(body)
    return (at, at + len(body)) if at >= 0 else None


def spans(text: str, pulls: list[tuple[str, float]], most: int = 3) -> list[tuple[str, int, int, float]]:
    """Up to `most` non-overlapping (feature, start, end, pull) in the normalized text, strongest first."""
    out: list[tuple[str, int, int, float]] = []
    for feature, pull in pulls:
        span = locate(text, feature)
        if span is None:
            continue
        inside = [k for k, (_, s, e, _) in enumerate(out) if span[0] <= s and e <= span[1]]
        if inside and len(inside) == sum(s < span[1] and span[0] < e for _, s, e, _ in out):
            # A longer phrase around spans already chosen (the word around a character n-gram) reads better.
            best = max(out[k][3] for k in inside)
            out = [item for k, item in enumerate(out) if k not in inside]
            out.append((feature, span[0], span[1], best))
            continue
        if any(s < span[1] and span[0] < e for _, s, e, _ in out):
            continue
        if len(out) < most:
            out.append((feature, span[0], span[1], pull))
    return sorted(out, key=lambda item: -item[3])
