"""Record counts of a batch run or of one dataset part, and the run's summary with its provenance."""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cybertype.version import __version__


@dataclass
class Counts:
    """Record counts: per primary label, per label, per error type."""

    texts: int = 0
    errors: int = 0
    skipped_none: int = 0
    primary: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    error_types: Counter = field(default_factory=Counter)

    def add(self, r) -> None:
        """Count one record: a `Result`, or an engine's `Line` (whose `error` is the type's name)."""
        self.texts += 1
        if r.error is not None:
            self.errors += 1
            self.error_types[r.error if isinstance(r.error, str) else r.error.type] += 1
            return
        self.primary[r.primary] += 1
        self.labels.update(r.labels)

    def merge_into(self, other: "Counts") -> None:
        """Add these counts to `other` (counts of a part into those of the run)."""
        other.texts += self.texts
        other.errors += self.errors
        other.skipped_none += self.skipped_none
        other.primary.update(self.primary)
        other.labels.update(self.labels)
        other.error_types.update(self.error_types)


@dataclass
class Summary(Counts):
    """Counts of one batch run plus timing and provenance; `as_dict` is what `--summary FILE` writes."""

    started: float = field(default_factory=time.perf_counter)
    provenance: dict = field(default_factory=dict)
    resumed: int = 0  # records found in the output from earlier runs (--resume): counted, not timed

    def as_dict(self) -> dict:
        elapsed = time.perf_counter() - self.started
        return {
            "texts": self.texts, "errors": self.errors, "error_types": dict(self.error_types),
            "primary": dict(sorted(self.primary.items())), "labels": dict(sorted(self.labels.items())),
            "none_left_out": self.skipped_none, "elapsed_seconds": round(elapsed, 3),
            "texts_per_second": round((self.texts - self.resumed) / elapsed, 2) if elapsed > 0 else None,
            "resumed_texts": self.resumed, **self.provenance,
        }


def provenance(rules_sha256: str, model_path: Path | None) -> dict:
    """Version and hashes that trace an output file to what produced it, and the card the model came from."""
    from cybertype.model.card import read_card, summary

    model_hash = hashlib.sha256(model_path.read_bytes()).hexdigest() if model_path else None
    card = summary(read_card(model_path)) if model_path else None
    return {"cybertype_version": __version__, "rules_sha256": rules_sha256, "model_sha256": model_hash,
            "model_card": card}


_SUMMARY_KEYS = {"texts", "errors", "primary", "labels", "cybertype_version", "rules_sha256"}


def is_summary(path: Path) -> bool:
    """True when `path` holds a batch summary (what `--summary FILE` writes): small, JSON, with its keys."""
    try:
        if path.stat().st_size > 1 << 20:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and _SUMMARY_KEYS <= data.keys()
