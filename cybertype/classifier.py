"""Rules + model -> `Result`: the one place where the rule evidence and the model scores meet.

`Classifier` loads rules and the model once and labels any number of texts;
`classify_many` scores texts in chunks so the model runs vectorized.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import NamedTuple

from cybertype.labels import LABEL_IDS, NONE
from cybertype.text.normalize import Normalized, normalize
from cybertype.text.windows import normalize_windows
from cybertype.result import Evidence, Result
from cybertype.rules import Matcher, RuleSet, load_rules
from cybertype.model.explain import spans as model_spans
from cybertype.rules.matcher import Scanned
from cybertype.rules.windows import WindowScanner
from cybertype.model.fusion import DECISION_PROBABILITY, rule_probability

DEFAULT = "default"
_CHUNK = 128
# A label whose probability lies this close to its threshold is flagged `uncertain`.
UNCERTAIN_BAND = 0.1
PRECISION_POINTS = ("default", "high")


class _Long(NamedTuple):
    """A text longer than one window: its rule hits, and the model's margins (None without a model)."""

    scanned: Scanned
    row: object


class Classifier:
    """Labels texts with keyword rules and, when available, the trained model.

    rules: a loaded `RuleSet`, or None to load the built-in rules plus `rules_dirs`.
    model: "default" for the shipped model, a path to another model file, a
        loaded `Model`, or None for rules alone.
    precision: the operating point: "default" (the thresholds that maximise cross-writer F1)
        or "high" (thresholds chosen for a `none` false-positive rate of 2% or less).
    thresholds: overrides: one probability for every label, or a mapping label -> probability.
    """

    def __init__(
        self,
        rules: RuleSet | None = None,
        model=DEFAULT,
        *,
        rules_dirs: Iterable[str | Path] = (),
        builtin_rules: bool = True,
        precision: str = "default",
        thresholds: float | dict[str, float] | None = None,
    ):
        self.ruleset = rules if rules is not None else load_rules(list(rules_dirs), builtin=builtin_rules)
        self.matcher = Matcher(self.ruleset.rules)
        self.model = _load_model(model)
        self.thresholds = self._thresholds(precision, thresholds)

    def _thresholds(self, precision: str, overrides: float | dict[str, float] | None) -> dict[str, float]:
        if precision not in PRECISION_POINTS:
            raise ValueError(f"unknown precision point {precision!r}; use one of {', '.join(PRECISION_POINTS)}")
        out = dict.fromkeys(LABEL_IDS, DECISION_PROBABILITY)
        if self.model is not None:
            out.update(self.model.thresholds(precision))
        if isinstance(overrides, (int, float)):
            overrides = dict.fromkeys(LABEL_IDS, float(overrides))
        for label, p in (overrides or {}).items():
            if label not in out:
                raise ValueError(f"unknown label {label!r} in thresholds")
            if not 0.0 < float(p) < 1.0:
                raise ValueError(f"threshold for {label} must lie strictly between 0 and 1, not {p}")
            out[label] = float(p)
        return out

    @property
    def rules_only_labels(self) -> list[str]:
        """Labels decided by the rules alone (no model, or the model cannot predict them)."""
        if self.model is None:
            return list(LABEL_IDS)
        return [label for label in LABEL_IDS if label not in self.model.fusion]

    def classify(self, text: str, *, id: str | None = None, source: str | None = None) -> Result:
        """Label one text."""
        return next(self.classify_many([text], ids=[id], sources=[source]))

    def classify_many(
        self,
        texts: Iterable[str],
        *,
        ids: Iterable[str | None] | None = None,
        sources: Iterable[str | None] | None = None,
    ) -> Iterator[Result]:
        """Label many texts lazily, in order; `ids` and `sources` run alongside `texts`."""
        it = iter(texts)
        id_it = iter(ids) if ids is not None else None
        src_it = iter(sources) if sources is not None else None
        while chunk := list(islice(it, _CHUNK)):
            norms = [self._prepare(t) for t in chunk]
            short = [k for k, n in enumerate(norms) if isinstance(n, Normalized)]
            vectors: list = []
            rows = (dict(zip(short, self.model.margins([norms[k] for k in short], vectors)))
                    if self.model is not None else {})
            by_text = dict(zip(short, vectors))
            for k, (text, norm) in enumerate(zip(chunk, norms)):
                if isinstance(norm, _Long):
                    (norm, row), vector = norm, None  # no model evidence for a text read in windows
                else:
                    row, vector = rows.get(k), by_text.get(k)
                yield self._result(
                    text, norm, row, vector,
                    next(id_it, None) if id_it else None,
                    next(src_it, None) if src_it else None,
                )

    def _prepare(self, text: str) -> Normalized | _Long:
        """The normalized text; for a text longer than one window, its rule hits and model margins,
        gathered window by window so memory stays bounded (`text.windows`)."""
        windows = normalize_windows(text)
        first = next(windows)
        second = next(windows, None)
        if second is None:
            return first
        from cybertype.model.accumulate import FeatureCounts  # numpy: only where a model is used

        scanner = WindowScanner(self.matcher)
        counts = FeatureCounts(self.model) if self.model is not None else None
        for window in chain((first, second), windows):
            scanner.add(window)
            if counts is not None:
                counts.add(window.text)
        return _Long(scanner.done(), counts.margin_row() if counts is not None else None)

    def rule_scores(self, text: str, norm: Normalized | None = None) -> tuple[dict[str, float], list[Evidence]]:
        """Summed rule weight per label and the evidence, for one text (`norm`: its normalized form, if known)."""
        return self._rules(text, norm if norm is not None else normalize(text))

    def _rules(self, text: str, norm: Normalized) -> tuple[dict[str, float], list[Evidence]]:
        scores = dict.fromkeys(LABEL_IDS, 0.0)
        evidence: list[Evidence] = []
        for m in self.matcher.match(norm):
            scores[m.rule.label] += m.rule.weight
            for span in m.spans:
                start, end = norm.original_span(span.start, span.end)
                evidence.append(Evidence(rule=m.rule.id, label=m.rule.label, match=text[start:end], start=start, end=end,
                                         weight=m.rule.weight, counter=m.rule.weight < 0))
        evidence.sort(key=lambda e: (e.start, e.end, e.rule))
        return scores, evidence

    def decide(self, rule_scores: dict[str, float], margin_row=None, mode: str = "fused") -> tuple[dict[str, float], list[str]]:
        """Probabilities and chosen labels from rule scores and model margins.

        mode "fused" (default; rules alone when there is no model), "rules" or "model".
        Labels the model cannot predict are always decided by the rules.
        """
        if mode == "rules" or self.model is None or margin_row is None:
            probs = {label: rule_probability(s) for label, s in rule_scores.items()}
            return probs, [label for label in LABEL_IDS if probs[label] >= self.thresholds[label]]
        if mode == "model":
            probs = {label: 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, float(margin_row[j])))))
                     for j, label in enumerate(self.model.labels)}
            chosen = [label for label, p in probs.items() if p >= DECISION_PROBABILITY]
        else:
            probs, chosen = self.model.fuse(rule_scores, margin_row, self.thresholds)
        for label in self.rules_only_labels:
            probs[label] = rule_probability(rule_scores[label])
            if probs[label] >= self.thresholds[label]:
                chosen.append(label)
        return probs, [label for label in LABEL_IDS if label in chosen]

    def _model_evidence(self, text: str, norm: Normalized, vector, labels: list[str]) -> list[Evidence]:
        """The features that pulled each chosen label up, located in the original text."""
        out = []
        for label in labels:
            if label not in self.model.fusion:
                continue
            a = self.model.fusion[label]["a"]
            for feature, s, e, pull in model_spans(norm.text, self.model.contributions(vector, label)):
                start, end = norm.original_span(s, e)
                out.append(Evidence(rule="model", label=label, match=text[start:end], start=start, end=end,
                                    source="model", weight=round(a * pull, 4), feature=feature))
        return out

    def _result(self, text: str, norm: Normalized, margin_row, vector, id: str | None, source: str | None) -> Result:
        rule_scores, evidence = self._rules(text, norm)
        probs, labels = self.decide(rule_scores, margin_row)
        if vector is not None and labels:
            evidence += self._model_evidence(text, norm, vector, labels)
            evidence.sort(key=lambda e: (e.start, e.end, e.rule))
        # Every label shown must have a reason shown: one supporting item, never counter-evidence alone.
        labels = [label for label in labels if any(e.label == label and e.weight > 0 for e in evidence)]
        return Result(
            id=id,
            source=source,
            labels=labels,
            primary=primary_of(labels, probs),
            scores={label: round(probs[label], 4) for label in LABEL_IDS},
            evidence=evidence,
            uncertain=[label for label in LABEL_IDS if abs(probs[label] - self.thresholds[label]) < UNCERTAIN_BAND],
        )


def primary_of(labels: list[str], probs: dict[str, float]) -> str:
    """The most probable of the chosen labels, or `none`."""
    return max(labels, key=lambda label: probs[label]) if labels else NONE


def _load_model(model):
    if model is None:
        return None
    from cybertype.model import linear as model_module

    if isinstance(model, model_module.Model):
        return model
    if model == DEFAULT:
        return model_module.load_default()
    return model_module.load(Path(model))


_default: Classifier | None = None


def default_classifier() -> Classifier:
    """The shared classifier with the built-in rules and model (built on first use)."""
    global _default
    if _default is None:
        _default = Classifier()
    return _default


def classify(text: str) -> Result:
    """Label one text with the built-in rules and model."""
    return default_classifier().classify(text)


def classify_records(classifier: Classifier, records: Iterable, chunk: int = _CHUNK) -> Iterator[Result]:
    """Results for `InputRecord`s in order: error records pass through as error results."""
    from cybertype.result import error_result

    it = iter(records)
    while batch := list(islice(it, chunk)):
        good = [r for r in batch if r.error is None]
        results = iter(classifier.classify_many([r.text for r in good], ids=[r.id for r in good],
                                                sources=[r.source for r in good]))
        for rec in batch:
            if rec.error is not None:
                yield error_result(*rec.error, id=rec.id, source=rec.source, line=rec.line)
            else:
                res = next(results)
                if rec.warnings:
                    res.warnings = list(rec.warnings)
                yield res
