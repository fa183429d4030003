"""Rich tables for evaluation reports."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from cybertype.evaluate.metrics import Report
from cybertype.labels import LABEL_IDS, NONE


def print_reports(reports: list[Report], console: Console | None = None) -> None:
    """Summary rows (one per system), per-label F1, and the first system's confusion matrix."""
    console = console or Console()
    summary = Table(title=f"{reports[0].n} texts")
    for col in ("system", "macro F1", "micro F1", "primary acc.", "none FP rate", "hard negatives FP"):
        summary.add_column(col)
    for r in reports:
        summary.add_row(r.system, f"{r.macro_f1:.3f}", f"{r.micro_f1:.3f}", f"{r.primary_accuracy:.3f}",
                        f"{r.none_fp_rate:.3f}", _hard(r))
    console.print(summary)
    per = Table(title="per label: precision / recall / F1")
    per.add_column("label")
    per.add_column("support")
    for r in reports:
        per.add_column(r.system)
    for label in LABEL_IDS:
        cells = [f"{m.precision:.2f} / {m.recall:.2f} / {m.f1:.3f}" for m in (r.per_label[label] for r in reports)]
        per.add_row(label, str(reports[0].per_label[label].support), *cells)
    console.print(per)
    first = reports[0]
    cm = Table(title=f"confusion of primary labels ({first.system}): rows gold, columns predicted")
    cm.add_column("gold \\ predicted")
    order = [*LABEL_IDS, NONE]
    for label in order:
        cm.add_column(label[:10])
    for g in order:
        cm.add_row(g, *(str(first.confusion[g][p]) for p in order))
    console.print(cm)


def _hard(r: Report) -> str:
    return "-" if r.hard_negative_fp_rate is None else f"{r.hard_negative_fp_rate:.3f} (n={r.hard_negatives})"


def print_breakdown(by: str, slices: dict[str, Report], console: Console | None = None) -> None:
    """One row per slice: size, macro-F1, primary accuracy, none and hard-negative false positives."""
    console = console or Console()
    table = Table(title=f"fused system by {by}")
    for col in (by, "texts", "macro F1", "primary acc.", "none FP rate", "hard negatives FP"):
        table.add_column(col)
    for key, r in slices.items():
        table.add_row(key, str(r.n), f"{r.macro_f1:.3f}", f"{r.primary_accuracy:.3f}", f"{r.none_fp_rate:.3f}", _hard(r))
    console.print(table)


def print_comparison(result: dict, console: Console | None = None) -> None:
    """The shipped model and the new one side by side (`evaluate.compare`), with the difference per row."""
    console = console or Console()
    shipped, other, diff = result["shipped"], result["model"], result["difference"]
    table = Table(title=f"{shipped.n} held-out texts: shipped model vs new model")
    for col in ("", "support", "shipped F1", "new F1", "difference"):
        table.add_column(col)
    for label in LABEL_IDS:
        table.add_row(label, str(shipped.per_label[label].support), f"{shipped.per_label[label].f1:.3f}",
                      f"{other.per_label[label].f1:.3f}", f"{diff[label]:+.3f}")
    for key, name in (("macro_f1", "macro F1"), ("primary_accuracy", "primary accuracy"),
                      ("none_fp_rate", "none FP rate")):
        table.add_row(name, "", f"{getattr(shipped, key):.3f}", f"{getattr(other, key):.3f}", f"{diff[key]:+.3f}")
    console.print(table)
