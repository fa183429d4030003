"""The model card: what a model was trained on and how well it did, stored inside the model file.

The card is a JSON document kept as its own member (`card.npy`, bytes of UTF-8 JSON) of the `.npz`
model file, so it travels with the weights and can be read without loading them
(`read_card`). It records every training file (SHA-256, texts per label and per language, the
sample weight its records got), the training date, seed and rules hash, the cross-writer and
cross-validated figures, the thresholds, and the labels that rest on the rules alone.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

from cybertype.labels import LABEL_IDS, NONE

MEMBER = "card.npy"
CARD_VERSION = 1


def file_entry(path: Path | str, records, weight: float = 1.0, role: str = "corpus") -> dict:
    """One training file of the card: name, SHA-256 of its bytes, texts per label and language, weight."""
    path = Path(path)
    labels: Counter = Counter()
    langs: Counter = Counter()
    for r in records:
        labels.update(r.labels or [NONE])
        langs[r.lang or "unknown"] += 1
    return {
        "name": path.name, "role": role, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "texts": len(records), "weight": weight,
        "labels": {label: labels[label] for label in (*LABEL_IDS, NONE) if labels[label]},
        "langs": dict(sorted(langs.items())),
    }


def make_card(meta: dict, files: list[dict], *, date: str, version: str) -> dict:
    """The card of a freshly trained model, from its metadata (see `train.train`) and its training files."""
    training = meta.get("training", {})
    return {
        "card_version": CARD_VERSION,
        "cybertype_version": version,
        "date": date,
        "seed": training.get("seed"),
        "rules_sha256": training.get("rules_sha256"),
        "training_sha256": training.get("sha256"),
        "training_files": files,
        "texts": training.get("texts"),
        "folds": training.get("folds"),
        "grouped_by_writer": training.get("grouped_by_writer"),
        "cross_writer": meta.get("cross_writer"),
        "cross_validated_f1": meta.get("cv_f1"),
        "thresholds": {label: {"default": f["threshold"], "high": f.get("threshold_high", f["threshold"])}
                       for label, f in meta.get("fusion", {}).items()},
        "rules_only_labels": meta.get("rules_only_labels", []),
    }


def encode(card: dict) -> np.ndarray:
    """The card as the uint8 array stored in the model file (sorted keys: same card, same bytes)."""
    return np.frombuffer(json.dumps(card, sort_keys=True, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def digest(card: dict) -> str:
    """SHA-256 of the stored card: the model's metadata records it, so an edited card is caught on load."""
    return hashlib.sha256(encode(card).tobytes()).hexdigest()


def decode(array: np.ndarray) -> dict | None:
    """The card from its stored array; None when it is not a JSON object."""
    try:
        card = json.loads(array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return card if isinstance(card, dict) else None


def read_card(path: Path | str) -> dict | None:
    """The card of a model file without loading its weights; None for a model trained before cards."""
    try:
        with zipfile.ZipFile(path) as zf:
            if MEMBER not in zf.namelist():
                return None
            with zf.open(MEMBER) as fh:
                data = np.lib.format.read_array(io.BytesIO(fh.read()), allow_pickle=False)
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    return decode(data)


def summary(card: dict | None) -> dict | None:
    """What a batch summary says of the card its model came from (None for a model without a card)."""
    if card is None:
        return None
    return {"card_sha256": digest(card), "date": card.get("date"), "training_sha256": card.get("training_sha256"),
            "training_files": [{"name": f["name"], "sha256": f["sha256"]} for f in card.get("training_files", [])]}


def lines(card: dict) -> list[str]:
    """The card as plain text lines (`cybertype model info`)."""
    out = [f"trained {card.get('date')} with cybertype {card.get('cybertype_version')}, seed {card.get('seed')}, "
           f"{card.get('texts')} texts, {card.get('folds')} folds"
           + (" grouped by writer" if card.get("grouped_by_writer") else ""),
           f"rules sha256 {card.get('rules_sha256')}", "training files:"]
    for f in card.get("training_files", []):
        counts = ", ".join(f"{k} {v}" for k, v in f["labels"].items())
        langs = ", ".join(f"{k} {v}" for k, v in f["langs"].items())
        out.append(f"  {f['name']} ({f['role']}, weight {f['weight']:g}): {f['texts']} texts; {counts}; {langs}")
        out.append(f"    sha256 {f['sha256']}")
    cw = card.get("cross_writer")
    if cw:
        out.append(f"cross-writer: macro F1 {cw['macro_f1']:.3f}, primary accuracy {cw['primary_accuracy']:.3f}, "
                   f"none false positives {cw['none_fp_rate']}, hard negatives {cw['hard_negative_fp_rate']}")
    else:
        out.append("cross-writer: not measured (quick training)")
    out.append("label                 rules  model  fused  threshold  high")
    cv, th = card.get("cross_validated_f1") or {}, card.get("thresholds") or {}
    for label, f in cv.items():
        t = th.get(label, {})
        out.append(f"{label:<21} {f['rules']:.3f}  {f['model']:.3f}  {f['fused']:.3f}  {t.get('default', 0):9.2f}  "
                   f"{t.get('high', 0):.2f}")
    rules_only = card.get("rules_only_labels") or []
    out.append(f"rules alone decide: {', '.join(rules_only) if rules_only else 'no label'}")
    return out
