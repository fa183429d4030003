"""cybertype: label cybercrime incident descriptions with keyword rules and a small text model.

    >>> import cybertype
    >>> r = cybertype.classify("他让我把银行卡出租给别人跑分，每天给三百块")
    >>> r.primary
    'two_cards'

How the package is laid out, one sub-package per stage of a text's way, from the bottom:

    labels, result, corpus, version   the taxonomy, the output record, labeled-corpus records, the version
    text/        bytes -> decoded, normalized text with a map back to original offsets; word segmentation
    rules/       rule files (models, loading, validation), one-pass matching, self-tests, statistics
    model/       features, numpy inference of the linear model, training (scikit-learn), fusion with the rules,
                 the model card
    classifier   rules + model -> Result: the one place where the two meet
    io/          records in (files, stdin, JSONL, JSON, CSV) and records out (JSONL, CSV, JSON, table)
    evaluate/    metrics against gold labels and their tables
    batch/       folders and datasets: walking, the run (output, resume, summary, sort-into, progress),
                 and the engines that classify work units in order (local forked workers, Dask)
    review/      the user's own labels: choosing texts, the Textual review UI, the answers file, retraining
    cli          the Typer app, a thin layer over the above

Imports go down this list only: a module imports from its own layer or the layers above it in the
list, never from one below (`text/` and `rules/` know nothing of `io/`, `batch/` or the CLI), and
nothing imports `cli` but `__main__`. This package module is the public API and may import any layer
but `cli`. tests/test_layering.py checks all of it.
"""
from __future__ import annotations

from cybertype.classifier import Classifier, classify
from cybertype.result import Evidence, ErrorInfo, Result
from cybertype.version import __version__

__all__ = ["Classifier", "classify", "Result", "Evidence", "ErrorInfo", "label_folder", "__version__"]


def __getattr__(name: str):
    # Folder labeling pulls in the batch layer (file walking, input readers, worker pools): loaded on
    # first use, so that `import cybertype` stays as light as classifying one text needs.
    if name == "label_folder":
        from cybertype.batch import label_folder

        return label_folder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
