"""Rich tables on the terminal for what is not a record: the taxonomy, the rules, rule statistics, training."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def training(report, folds: int, fusion: dict) -> None:
    """The cross-validated F1 of a training run, on stderr (stdout stays free for the model path)."""
    kind = "folds grouped by writer" if report.grouped else "shuffled folds (too few writers to group)"
    table = Table(title=f"{report.n_texts} texts, {report.n_features} features: out-of-fold F1, {folds} {kind}")
    for col in ("label", "rules", "model", "fused", "threshold", "high precision"):
        table.add_column(col)
    for label, f in report.cv_f1.items():
        table.add_row(label, f"{f['rules']:.3f}", f"{f['model']:.3f}", f"{f['fused']:.3f}",
                      f"{fusion[label]['threshold']:.2f}", f"{fusion[label].get('threshold_high', 0):.2f}")
    console = Console(stderr=True)
    console.print(table)
    cw = report.cross_writer
    if cw:
        hard = "-" if cw["hard_negative_fp_rate"] is None else f"{cw['hard_negative_fp_rate']:.3f}"
        none = "-" if cw["none_fp_rate"] is None else f"{cw['none_fp_rate']:.3f}"
        console.print(f"cross-fitted out-of-fold decisions: macro-F1 {cw['macro_f1']:.3f}, primary accuracy "
                      f"{cw['primary_accuracy']:.3f}, none false positives {none} "
                      f"(hard negatives {hard}, n={cw['hard_negatives']})")


def labels(items) -> None:
    """The labels of the taxonomy."""
    table = Table()
    for col in ("id", "中文", "English", "definition", "legal basis"):
        table.add_column(col, overflow="fold")
    for label in items:
        table.add_row(label.id, label.zh, label.en, label.definition, label.legal_basis)
    Console().print(table)


def rules(rs) -> None:
    """The rules of a loaded rule set."""
    table = Table(title=f"{len(rs)} rules")
    for col in ("id", "label", "weight", "description"):
        table.add_column(col, overflow="fold")
    for r in rs.rules:
        table.add_row(r.id, r.label, f"{r.weight:g}", r.description)
    Console().print(table)


def rule_stats(stats) -> None:
    """Per-rule statistics; rules of precision below 0.7 in red."""
    table = Table(title=f"{len(stats)} rules")
    for col in ("rule", "label", "weight", "fires", "precision", "overlaps", "conflicts"):
        table.add_column(col, overflow="fold")
    for s in stats:
        prec = "-" if s.precision is None else f"{s.precision:.2f}"
        style = "red" if s.precision is not None and s.precision < 0.7 else None
        table.add_row(s.rule, s.label, f"{s.weight:g}", str(s.fires), prec,
                      ", ".join(f"{o}×{c}" for o, c in s.overlaps), ", ".join(f"{o}×{c}" for o, c in s.conflicts),
                      style=style)
    Console().print(table)
