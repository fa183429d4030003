"""One review session: open the answers file, read and classify the inputs, choose what to ask, in order.

The CLI and the tests build a session the same way and hand its items to `app.ReviewApp`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cybertype.review import inputs as review_inputs
from cybertype.review.answers import Answers
from cybertype.review.select import choose


@dataclass
class Session:
    """The answers file, the items to ask about (in order) and how many inputs could not be read."""

    answers: Answers
    items: list
    unreadable: int


def prepare(paths: list[Path], output: Path, classifier, *, strategy: str = "uncertain", label: str | None = None,
            limit: int | None = None, seed: int = 0, results: Path | None = None, text_field: str = "text",
            id_field: str = "id", encoding: str | None = None) -> Session:
    """A session over `paths` that skips every text already answered in `output`."""
    from cybertype.io.targets import check_distinct
    from cybertype.labels import LABEL_IDS
    from cybertype.review.select import STRATEGIES

    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if label is not None and label not in LABEL_IDS:
        raise ValueError(f"--label {label!r}: not a typology (labels: {', '.join(LABEL_IDS)})")
    # The answers file must not be an input (through any link), lie in an input folder (the next run would
    # read it as texts) or be the --results file.
    check_distinct([("the input", Path(p)) for p in paths] + ([("--results", Path(results))] if results else []),
                   [("-o", Path(output))])
    earlier = review_inputs.read_results(results) if results else None
    answers = Answers(output)
    records = review_inputs.read_inputs(paths, text_field=text_field, id_field=id_field, encoding=encoding)
    items, unreadable = review_inputs.items(records, classifier, earlier, skip=answers.done)
    chosen = choose(items, strategy, classifier.thresholds, label=label, limit=limit, seed=seed)
    return Session(answers, chosen, unreadable)
