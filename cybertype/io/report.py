"""`cybertype report`: what an output file says, gathered for one self-contained HTML page (`report_html`).

It reads the records of a `classify` or `batch` output (JSON Lines), the batch summary if given (its
provenance: version, rules and model hashes, model card), and, with `inputs`, the input texts, so the
top evidence of each record is shown in its context. Personal data in that context is masked
(`redact`, 'full' by default).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cybertype.labels import LABEL_IDS
from cybertype.version import __version__


class ReportError(ValueError):
    """An output file or summary that cannot be reported on (a usage error: exit 2)."""


@dataclass
class Report:
    """Everything the page shows."""

    title: str
    provenance: dict
    model_card: dict | None
    records: int = 0
    unreadable_lines: int = 0
    primary: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    scores: dict[str, list[float]] = field(default_factory=lambda: {label: [] for label in LABEL_IDS})
    rules: dict[str, dict] = field(default_factory=dict)  # rule id -> label, weight, fires, texts
    errors: Counter = field(default_factory=Counter)
    rows: list[dict] = field(default_factory=list)  # the table: one row per record
    redact: str = "full"
    contexts: bool = False


def read_records(path: Path) -> tuple[list[dict], int]:
    """The records of a JSON Lines output, and how many of its lines were not records (a torn last line)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    records, bad = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(obj, dict) and "primary" in obj:
            records.append(obj)
        else:
            bad += 1
    if not records and bad:
        raise ReportError(f"{path}: no output records in it (is it a JSON Lines output of cybertype?)")
    return records, bad


def read_summary(path: Path | None) -> dict:
    """A batch summary (`--summary FILE`), or {}."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"cannot read summary {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: not a batch summary")
    return data


def shipped_model_card() -> tuple[str, dict]:
    """SHA-256 of the shipped model file and a short card of it: what it was trained on, how it scored."""
    from cybertype.model.linear import default_model_path, load

    path = default_model_path()
    model = load(path)
    meta = model.meta
    card = {"labels": ", ".join(model.labels), "features": meta.get("features", {}).get("words", "")}
    cw = meta.get("cross_writer") or {}
    for key in ("macro_f1", "primary_accuracy", "none_fp_rate", "hard_negative_fp_rate"):
        if isinstance(cw.get(key), (int, float)):
            card[f"cross-writer {key}"] = round(cw[key], 3)
    training = meta.get("training") or {}
    for key, value in training.items():
        if isinstance(value, (int, float, str)) and len(str(value)) < 80:
            card[f"training {key}"] = value
    if meta.get("rules_only_labels"):
        card["rules-only labels"] = ", ".join(meta["rules_only_labels"])
    return hashlib.sha256(path.read_bytes()).hexdigest(), card


def _provenance(summary: dict) -> tuple[dict, dict | None]:
    keys = ("cybertype_version", "rules_sha256", "model_sha256")
    prov = {k: summary[k] for k in keys if k in summary}
    for k in ("texts", "errors", "elapsed_seconds", "texts_per_second"):
        if k in summary:
            prov[k] = summary[k]
    from_summary = summary.get("model_card") if isinstance(summary.get("model_card"), dict) else None
    if not prov:
        prov = {"note": f"no batch summary given (--summary FILE): provenance unknown; report made by cybertype "
                        f"{__version__}"}
    card = None
    if prov.get("model_sha256"):
        try:
            sha, shipped = shipped_model_card()
        except (OSError, ValueError):  # a missing or unreadable shipped model only loses its figures
            sha, shipped = None, None
        if sha == prov["model_sha256"]:
            card = dict(shipped, model="the model shipped with cybertype")
    if from_summary:  # what the batch summary says of the card its model came from
        card = dict(card or {})
        for key in ("card_sha256", "date", "training_sha256"):
            if from_summary.get(key):
                card[f"card {key}"] = from_summary[key]
        files = from_summary.get("training_files") or []
        if files:
            card["training files"] = ", ".join(f"{f.get('name')} ({str(f.get('sha256'))[:12]}…)" for f in files)
    return prov, card


class _Texts:
    """Input texts by output `source`, read from the inputs folder on first use, one file at a time."""

    def __init__(self, folder: Path | None, text_field: str, id_field: str):
        self.folder, self.text_field, self.id_field = folder, text_field, id_field
        self._files: dict[str, dict[str, str]] = {}

    def get(self, source: str | None) -> str | None:
        if self.folder is None or not source:
            return None
        name, _, line = source.rpartition(":") if source.rpartition(":")[2].isdigit() else (source, "", "")
        if name not in self._files:
            self._files[name] = self._read(name)
        texts = self._files[name]
        return texts.get(source) or (texts.get(name) if not line else None)

    def _read(self, name: str) -> dict[str, str]:
        from cybertype.io.inputs import read_path

        path = Path(name) if Path(name).is_absolute() else self.folder / name
        if not path.is_file():
            return {}
        out = {}
        for rec in read_path(path, text_field=self.text_field, id_field=self.id_field, source=name):
            if rec.error is None:
                out[rec.source or name] = rec.text
        return out


def _top_evidence(evidence: list[dict]) -> dict | None:
    """The evidence item shown in the table: the strongest rule hit for a chosen label, else the strongest item."""
    support = [e for e in evidence if not e.get("counter")]
    rules = [e for e in support if e.get("source", "rule") == "rule"]
    pool = rules or support
    return max(pool, key=lambda e: e.get("weight", 0.0)) if pool else None


def build(output: Path, summary: Path | None = None, inputs: Path | None = None, redact: str = "full",
          text_field: str = "text", id_field: str = "id") -> Report:
    """Gather the report of an output file."""
    from cybertype.io.outputs import context
    from cybertype.text.redact import redact as mask

    if inputs is not None and not inputs.is_dir():
        raise ReportError(f"--inputs {inputs}: not a folder")
    records, bad = read_records(output)
    prov, card = _provenance(read_summary(summary))
    rep = Report(title=output.name, provenance=prov, model_card=card, records=len(records), unreadable_lines=bad,
                 redact=redact, contexts=inputs is not None)
    texts = _Texts(inputs, text_field, id_field)
    for rec in records:
        err = rec.get("error")
        row = {"id": rec.get("id") or "", "source": rec.get("source") or "", "labels": rec.get("labels") or [],
               "primary": rec.get("primary") or "none", "uncertain": rec.get("uncertain") or [],
               "score": max((rec.get("scores") or {}).values(), default=0.0), "error": None, "ctx": None, "rule": ""}
        if err:
            rep.errors[err.get("type", "?")] += 1
            row["error"] = f"{err.get('type', '?')}: {mask(err.get('message', ''), redact)}"
            rep.rows.append(row)
            continue
        rep.primary[row["primary"]] += 1
        rep.labels.update(row["labels"])
        for label, p in (rec.get("scores") or {}).items():
            rep.scores.setdefault(label, []).append(float(p))
        seen = set()
        for e in rec.get("evidence") or ():
            if e.get("source", "rule") != "rule" or e["rule"] in seen:
                continue
            seen.add(e["rule"])
            info = rep.rules.setdefault(e["rule"], {"label": e["label"], "weight": e.get("weight", 0.0), "texts": 0})
            info["texts"] += 1
        top = _top_evidence(rec.get("evidence") or [])
        if top is not None:
            row["rule"] = top["rule"] if top["rule"] != "model" else f"model {top.get('feature') or ''}".strip()
            text = texts.get(row["source"])
            if text is not None and 0 <= top["start"] <= top["end"] <= len(text):
                row["ctx"] = list(context(text, top["start"], top["end"], redact, width=40))
            else:
                row["ctx"] = ["", mask(top.get("match", ""), redact), ""]
        rep.rows.append(row)
    return rep


def top_rules(rep: Report, n: int = 15) -> list[tuple[str, dict]]:
    """The rules that fired on the most texts, most first (ties by rule id)."""
    return sorted(rep.rules.items(), key=lambda kv: (-kv[1]["texts"], kv[0]))[:n]
