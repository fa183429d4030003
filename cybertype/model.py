"""The linear text model: safe file format, loading, and numpy-only inference.

A model file is a zip of `.npy` arrays (read with `allow_pickle=False`, so
nothing in it can execute) holding the vocabulary, idf weights, one weight
column per label, and JSON metadata: format version, label order, feature
settings, training-data hash, cross-validated scores, fusion parameters and a
SHA-256 checksum of the arrays that is verified on load.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cybertype import features
from cybertype.labels import LABEL_IDS
from cybertype.normalize import Normalized

FORMAT = "cybertype-model"
FORMAT_VERSION = 1
_ARRAYS = ("vocab", "idf", "coef", "intercept", "meta")
_MAX_BYTES = 200 << 20


class ModelError(ValueError):
    """A model file that cannot be used: missing, truncated, tampered, foreign or of another version."""


def default_model_path() -> Path:
    """Where the shipped model lives inside the package."""
    return Path(__file__).resolve().parent / "data" / "model.npz"


@dataclass
class Model:
    """Per-label linear weights over tf-idf features, plus the rule/model fusion."""

    vocab: list[str]
    idf: np.ndarray  # (F,) float32
    coef: np.ndarray  # (F, L) float32, L = len(labels)
    intercept: np.ndarray  # (L,) float32
    labels: list[str]  # labels the model predicts, in column order
    meta: dict = field(default_factory=dict)
    _index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {f: i for i, f in enumerate(self.vocab)}
        return self._index

    @property
    def fusion(self) -> dict[str, dict[str, float]]:
        """Per label: weights a (model margin), b (rule score), c (bias) and the decision threshold."""
        return self.meta.get("fusion", {})

    def vector(self, norm: Normalized | str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and L2-normalized sublinear tf-idf values for one text."""
        text = norm.text if isinstance(norm, Normalized) else norm
        index = self.index
        pairs = [(j, c) for f, c in features.extract(text).items() if (j := index.get(f)) is not None]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter((j for j, _ in pairs), dtype=np.int64, count=len(pairs))
        tf = np.fromiter((c for _, c in pairs), dtype=np.float32, count=len(pairs))
        val = (1.0 + np.log(tf)) * self.idf[idx]
        val /= np.linalg.norm(val) or 1.0
        return idx, val

    def margins(self, norms: Sequence[Normalized | str]) -> np.ndarray:
        """Decision values (n_texts, n_model_labels) of the linear model."""
        out = np.empty((len(norms), len(self.labels)), dtype=np.float64)
        for k, norm in enumerate(norms):
            idx, val = self.vector(norm)
            out[k] = val @ self.coef[idx] + self.intercept if len(idx) else self.intercept
        return out

    def fuse(self, rule_scores: dict[str, float], margin_row: np.ndarray) -> tuple[dict[str, float], list[str]]:
        """Fused probability per label and the labels that pass their thresholds."""
        probs: dict[str, float] = {}
        chosen: list[str] = []
        for j, label in enumerate(self.labels):
            f = self.fusion.get(label)
            if f is None:
                continue
            z = f["a"] * float(margin_row[j]) + f["b"] * clip_rule_score(rule_scores[label]) + f["c"]
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
            probs[label] = p
            if p >= f["threshold"]:
                chosen.append(label)
        return probs, chosen


def clip_rule_score(score: float) -> float:
    """Rule scores enter the fusion clipped, so a pile of hits cannot overwhelm it."""
    return max(-6.0, min(8.0, score))


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in _ARRAYS[:-1]:
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def save(model: Model, path: Path) -> None:
    """Write the model deterministically: same content, same bytes (fixed zip timestamps, sorted keys)."""
    vocab_bytes = "\n".join(model.vocab).encode("utf-8")
    arrays = {
        "vocab": np.frombuffer(vocab_bytes, dtype=np.uint8),
        "idf": model.idf.astype(np.float32),
        "coef": model.coef.astype(np.float32),
        "intercept": model.intercept.astype(np.float32),
    }
    meta = dict(model.meta, format=FORMAT, format_version=FORMAT_VERSION, labels=model.labels,
                checksum=_checksum(arrays))
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in _ARRAYS:
            buf = io.BytesIO()
            np.save(buf, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
    tmp.replace(path)


def load(path: Path | str) -> Model:
    """Load and verify a model file; raise `ModelError` with a clear reason otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    if path.stat().st_size > _MAX_BYTES:
        raise ModelError(f"{path}: larger than {_MAX_BYTES >> 20} MB, not a cybertype model")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [n for n in _ARRAYS if n not in npz.files]
            if missing:
                raise ModelError(f"{path}: not a cybertype model (missing {', '.join(missing)})")
            arrays = {n: npz[n] for n in _ARRAYS}
    except ModelError:
        raise
    except Exception as exc:  # zip, npy header or pickle refusal: all mean "not our file"
        raise ModelError(f"{path}: not a readable cybertype model ({type(exc).__name__}: {exc})") from None
    try:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ModelError(f"{path}: model metadata is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path}: not a cybertype model (format {meta.get('format') if isinstance(meta, dict) else '?'!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path}: model format version {meta.get('format_version')!r}; this cybertype reads "
                         f"version {FORMAT_VERSION} (retrain with `cybertype train`)")
    if meta.get("checksum") != _checksum(arrays):
        raise ModelError(f"{path}: checksum mismatch: the model file was altered or damaged")
    labels = meta.get("labels")
    if not isinstance(labels, list) or not set(labels) <= set(LABEL_IDS):
        raise ModelError(f"{path}: unknown labels in model: {labels!r}")
    vocab = arrays["vocab"].tobytes().decode("utf-8").split("\n") if arrays["vocab"].size else []
    coef, idf, intercept = arrays["coef"], arrays["idf"], arrays["intercept"]
    if coef.shape != (len(vocab), len(labels)) or idf.shape != (len(vocab),) or intercept.shape != (len(labels),):
        raise ModelError(f"{path}: array shapes do not fit together")
    return Model(vocab=vocab, idf=idf.astype(np.float32), coef=coef.astype(np.float32),
                 intercept=intercept.astype(np.float32), labels=labels, meta=meta)


def load_default() -> Model:
    """The model shipped with the package."""
    return load(default_model_path())
