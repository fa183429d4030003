"""Retraining with the user's labels: corpus files plus added answer files, each recorded in the model card.

`train_files` reads the files, weighs the added records, scores every text with the rules, trains, and
attaches the card (`evaluate.compare` then sets the new model beside the shipped one).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cybertype.classifier import Classifier
from cybertype.corpus import read_corpus
from cybertype.model.card import file_entry, make_card
from cybertype.version import __version__

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def shipped_corpus_path() -> Path:
    """The corpus the shipped model is trained from (`samples/train.jsonl` of a source checkout)."""
    return Path(__file__).resolve().parent.parent.parent / "samples" / "train.jsonl"


def check_date(date: str | None) -> str:
    """The card's date: as given (YYYY-MM-DD, so a retrain can reproduce the bytes) or today (UTC)."""
    if date is None:
        return dt.datetime.now(dt.timezone.utc).date().isoformat()
    if not _DATE.fullmatch(date):
        raise ValueError(f"--date {date!r}: give the date as YYYY-MM-DD")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"--date {date!r} is not a calendar date") from None
    return date


def training_files(corpus: list[Path], added: list[Path], only: bool) -> list[Path]:
    """The corpus files to train on: as given, else the shipped corpus unless `only` (the added files alone)."""
    if corpus:
        return corpus
    if only:
        if not added:
            raise ValueError("--only trains on the --add files alone: give at least one --add FILE")
        return []
    path = shipped_corpus_path()
    if not path.is_file():
        raise ValueError(f"the shipped corpus is not here ({path}): give the corpus file, or --only with --add")
    return [path]


@dataclass
class Trained:
    """A trained model (with its card) and the training report."""

    model: object
    report: object


def train_files(corpus: list[Path], added: list[Path], *, weight_added: float = 1.0, cfg=None,
                rules_dirs=(), builtin_rules: bool = True, date: str | None = None) -> Trained:
    """Train on the corpus files plus the added files (their records weighted `weight_added`), with a card."""
    from cybertype.model.train import TrainConfig, train

    if not weight_added > 0:
        raise ValueError(f"--weight-added {weight_added}: the weight of the added labels must be above 0")
    date = check_date(date)
    cfg = cfg or TrainConfig()
    records, weights, entries = [], [], []
    for path, role in [(p, "corpus") for p in corpus] + [(p, "added") for p in added]:
        recs = read_corpus(path)
        w = weight_added if role == "added" else 1.0
        records += recs
        weights += [w] * len(recs)
        entries.append(file_entry(path, recs, w, role))
    rule_clf = Classifier(rules_dirs=list(rules_dirs), builtin_rules=builtin_rules, model=None)
    scores = [rule_clf.rule_scores(r.text)[0] for r in records]
    model, report = train(records, cfg, rule_scores=scores, rules_sha256=rule_clf.ruleset.sha256, weights=weights)
    model.card = make_card(model.meta, entries, date=date, version=__version__)
    return Trained(model, report)
