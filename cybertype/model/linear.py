"""The linear text model: safe file format, loading, and numpy-only inference.

A model file is a zip of `.npy` arrays (read with `allow_pickle=False`, so
nothing in it can execute) holding the vocabulary, idf weights, one weight
column per label, and JSON metadata: format version, label order, feature
settings, training-data hash, cross-validated scores, fusion parameters and a
SHA-256 checksum of the arrays that is verified on load. A model trained by this
version also holds its card (`card.py`), whose SHA-256 the metadata records.
"""
from __future__ import annotations

import hashlib
import io
import json
import lzma
import math
import stat
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np

from cybertype.model import card as model_card, features, fusion
from cybertype.labels import LABEL_IDS
from cybertype.text.normalize import Normalized

FORMAT = "cybertype-model"
FORMAT_VERSION = 1
_ARRAYS = ("vocab", "idf", "coef", "intercept", "meta")
_MAX_BYTES = 200 << 20


class ModelError(ValueError):
    """A model file that cannot be used: missing, truncated, tampered, foreign or of another version."""


def default_model_path() -> Path:
    """Where the shipped model lives inside the package."""
    return Path(__file__).resolve().parent.parent / "data" / "model.npz"


@dataclass
class Model:
    """Per-label linear weights over tf-idf features, plus the rule/model fusion."""

    vocab: list[str]
    idf: np.ndarray  # (F,) float32
    coef: np.ndarray  # (F, L) float32, L = len(labels)
    intercept: np.ndarray  # (L,) float32
    labels: list[str]  # labels the model predicts, in column order
    meta: dict = field(default_factory=dict)
    card: dict | None = None  # the model card (`card.py`); None for a model trained before cards
    _index: dict[str, int] | None = field(default=None, repr=False)
    _tables: dict | None = field(default=None, repr=False)

    @property
    def index(self) -> dict[str, int]:
        """Column of each word and word-bigram feature (character n-grams go through `_ngram_tables`)."""
        if self._index is None:
            self._index = {f: i for i, f in enumerate(self.vocab) if not f.startswith("c:")}
        return self._index

    @property
    def norm_floor(self) -> float:
        """The least vector length a text is scaled by (0: plain L2 normalization, as older models).

        A text is divided by max(‖v‖, floor) rather than ‖v‖, so a text with little in-vocabulary
        content (a keyword, a short fragment) keeps a short vector and pulls the margins little:
        a keyword alone is not a case.
        """
        return float(self.meta.get("features", {}).get("norm_floor", 0.0))

    def thresholds(self, point: str = "default") -> dict[str, float]:
        """Decision threshold per model label at a named operating point ("default" or "high")."""
        key = "threshold_high" if point == "high" else "threshold"
        return {label: float(f.get(key, f["threshold"])) for label, f in self.fusion.items()}

    @property
    def fusion(self) -> dict[str, dict[str, float]]:
        """Per label: weights a (model margin), b (rule score), c (bias) and the decision threshold."""
        return self.meta.get("fusion", {})

    def _ngram_tables(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per n: the vocabulary's character n-grams as sorted integer codes, and their columns."""
        if self._tables is None:
            by_k: dict[int, list[int]] = {k: [] for k in features.CHAR_NGRAMS}
            for i, f in enumerate(self.vocab):  # one pass over the vocabulary
                if f.startswith("c:") and len(f) - 2 in by_k:
                    by_k[len(f) - 2].append(i)
            tables = {}
            for k, ids in by_k.items():
                codes = features.gram_codes([self.vocab[i][2:] for i in ids], k) if ids else np.zeros(0, np.int64)
                order = np.argsort(codes, kind="stable")
                tables[k] = (codes[order], np.array(ids, dtype=np.int64)[order])
            self._tables = tables
        return self._tables

    def vector(self, norm: Normalized | str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and sublinear tf-idf values for one text, divided by max(‖v‖, `norm_floor`).

        The same vector as weighting `features.extract(text)`, computed faster: words through a
        dict, character n-grams as integer codes looked up in sorted tables. Features keep the
        order of `extract`, so the floating-point sums are identical too.
        """
        return self.weigh(*self.counts(norm.text if isinstance(norm, Normalized) else norm))

    def counts(self, text: str, words: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Columns and counts of the features of a normalized text that the model knows, in `extract`'s order.

        `words`: the text's jieba words if already known; an empty list counts character n-grams only.
        """
        wb = features.word_features(text) if words is None else features.word_features_of(words)
        n = len(wb)
        idx_parts = [np.fromiter(map(self.index.get, wb.keys(), repeat(-1, n)), dtype=np.int64, count=n)]
        tf_parts = [np.fromiter(wb.values(), dtype=np.float32, count=n)]
        tables = self._ngram_tables()
        for k, uniq, counts in features.char_ngram_codes(text):
            codes, ids = tables[k]
            if not len(uniq) or not len(codes):
                continue
            pos = np.searchsorted(codes, uniq)
            pos[pos == len(codes)] = 0
            hit = codes[pos] == uniq
            idx_parts.append(ids[pos[hit]])
            tf_parts.append(counts[hit].astype(np.float32))
        idx = np.concatenate(idx_parts)
        tf = np.concatenate(tf_parts)
        known = idx >= 0
        if not known.all():
            idx, tf = idx[known], tf[known]
        return idx, tf

    def weigh(self, idx: np.ndarray, tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The L2-normalized sublinear tf-idf vector of feature counts (columns `idx`, counts `tf`)."""
        if not len(idx):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        val = (1.0 + np.log(tf)) * self.idf[idx]
        val /= max(float(np.linalg.norm(val)), self.norm_floor) or 1.0
        return idx, val

    def margin_row(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Decision values (n_model_labels,) of one text's vector."""
        return (val @ self.coef[idx] + self.intercept if len(idx) else self.intercept).astype(np.float64)

    def margins(self, norms: Sequence[Normalized | str], vectors: list | None = None) -> np.ndarray:
        """Decision values (n_texts, n_model_labels) of the linear model.

        `vectors`, when given, receives each text's (indices, values), for `contributions`.
        """
        out = np.empty((len(norms), len(self.labels)), dtype=np.float64)
        for k, norm in enumerate(norms):
            idx, val = self.vector(norm)
            out[k] = val @ self.coef[idx] + self.intercept if len(idx) else self.intercept
            if vectors is not None:
                vectors.append((idx, val))
        return out

    def contributions(self, vector: tuple[np.ndarray, np.ndarray], label: str, k: int = 16) -> list[tuple[str, float]]:
        """The k features that pull `label`'s margin up the most in this text, with their pull."""
        idx, val = vector
        j = self.labels.index(label)
        pull = val * self.coef[idx, j]
        top = np.argsort(-pull, kind="stable")[:k]
        return [(self.vocab[int(idx[t])], float(pull[t])) for t in top if pull[t] > 0]

    def fuse(self, rule_scores: dict[str, float], margin_row: np.ndarray,
             thresholds: dict[str, float] | None = None) -> tuple[dict[str, float], list[str]]:
        """Fused probability per label and the labels that pass their thresholds (see `fusion.fuse`)."""
        return fusion.fuse(self.fusion, self.labels, rule_scores, margin_row, thresholds)


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
    names = _ARRAYS
    if model.card is not None:
        arrays["card"] = model_card.encode(model.card)
        meta["card_sha256"] = model_card.digest(model.card)
        names = (*_ARRAYS, "card")
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in names:
                buf = io.BytesIO()
                np.save(buf, arrays[name], allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, buf.getvalue())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk or Ctrl-C leaves no half-written .tmp behind
        raise


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive (a non-empty or an empty one)
_PICKLE_MAGIC = (b"\x80", b"(", b"c", b"]", b"}")  # pickle protocol 2+ and the common protocol-0 openings
_MAX_UNPACKED = 1 << 30  # inflated size of all arrays together: a zip bomb is refused before it is read


def _refuse(path: Path, why: str) -> ModelError:
    return ModelError(f"{path}: {why}")


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a model file, read as plain .npy data (never unpickled); ModelError otherwise."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head.startswith(_ZIP_MAGIC):
        if head.startswith(b"\x93NUMPY"):
            raise _refuse(path, "not a readable cybertype model (a single .npy array, not a .npz archive)")
        if head[:1] in _PICKLE_MAGIC:
            raise _refuse(path, "not a readable cybertype model: it looks like a Python pickle, which cybertype "
                                "never loads (unpickling can run code)")
        raise _refuse(path, "not a readable cybertype model (not a .npz archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            missing = [n for n in _ARRAYS if f"{n}.npy" not in infos]
            if missing:
                raise _refuse(path, f"not a cybertype model (missing {', '.join(missing)})")
            if sum(i.file_size for name, i in infos.items() if name[:-4] in (*_ARRAYS, "card")) > _MAX_UNPACKED:
                raise _refuse(path, f"arrays larger than {_MAX_UNPACKED >> 20} MB unpacked, not a cybertype model")
            arrays = {}
            for n in (*_ARRAYS, "card") if "card.npy" in infos else _ARRAYS:
                _check_header(path, zf, infos[f"{n}.npy"])
                with zf.open(infos[f"{n}.npy"]) as fh:
                    arrays[n] = np.lib.format.read_array(fh, allow_pickle=False)
    except ModelError:
        raise
    except NotImplementedError as exc:  # zipfile: a compression method it does not know (a RuntimeError too)
        raise _refuse(path, f"not a readable cybertype model (unsupported compression: "
                            f"{' '.join(str(exc).split())})") from None
    except RuntimeError:  # zipfile: an encrypted member ("password required for extraction")
        raise _refuse(path, "not a readable cybertype model (an encrypted member, which a cybertype model never "
                            "holds)") from None
    except (lzma.LZMAError, MemoryError) as exc:
        raise _refuse(path, f"not a readable cybertype model (damaged: {type(exc).__name__}: "
                            f"{' '.join(str(exc).split())})") from None
    except ValueError as exc:
        if "pickle" in str(exc) or "Object arrays" in str(exc):
            raise _refuse(path, "not a readable cybertype model: it holds pickled Python objects, which cybertype "
                                "never loads (unpickling can run code)") from None
        raise _refuse(path, f"not a readable cybertype model (damaged: {' '.join(str(exc).split())})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise _refuse(path, f"not a readable cybertype model (damaged or truncated: {type(exc).__name__}: "
                                f"{' '.join(str(exc).split())})") from None
    return arrays


def _check_header(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a .npy member whose header promises more data than the member holds (a huge shape would
    otherwise make numpy try to allocate it)."""
    with zf.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(fh, max_header_size=10_000)
    if dtype.hasobject:
        return  # refused by read_array itself (allow_pickle=False), with the pickle message
    need = math.prod(int(k) for k in shape) * dtype.itemsize
    if need > info.file_size:
        raise _refuse(path, f"not a readable cybertype model ({info.filename}: the array header claims "
                            f"{need:,} bytes, the member holds {info.file_size:,})")


def _check_meta(path: Path, meta: dict, labels: list[str]) -> None:
    fusion = meta.get("fusion", {})
    if not isinstance(fusion, dict):
        raise _refuse(path, "model metadata: `fusion` is not a table")
    for label, f in fusion.items():
        if label not in labels or not isinstance(f, dict) or any(
            not isinstance(f.get(k), (int, float)) or isinstance(f.get(k), bool) or not math.isfinite(f[k])
            for k in ("a", "b", "c", "threshold")
        ):
            raise _refuse(path, f"model metadata: bad fusion parameters for {label!r}")


def load(path: Path | str) -> Model:
    """Load and verify a model file; raise `ModelError` with a clear reason otherwise.

    Nothing in the file is executed: arrays are read with `allow_pickle=False`, and everything
    (kind of file, unpacked size, format and version, checksum, dtypes, shapes, finite values,
    fusion parameters) is checked before the model is used.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}") from None
    except OSError as exc:
        raise _refuse(path, f"cannot read model file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"
        raise _refuse(path, f"not a regular file ({kind}), so not a cybertype model")
    if path.stat().st_size > _MAX_BYTES:
        raise _refuse(path, f"larger than {_MAX_BYTES >> 20} MB, not a cybertype model")
    arrays = _read_arrays(path)
    if any(arrays[n].dtype != np.uint8 or arrays[n].ndim != 1 for n in ("vocab", "meta")):
        raise _refuse(path, "not a cybertype model (vocabulary or metadata is not text)")
    try:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(path, "model metadata is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, f"not a cybertype model (format {meta.get('format') if isinstance(meta, dict) else '?'!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise _refuse(path, f"model format version {meta.get('format_version')!r}; this cybertype reads "
                            f"version {FORMAT_VERSION} (retrain with `cybertype train`)")
    if any(arrays[n].dtype.kind != "f" for n in ("idf", "coef", "intercept")):
        raise _refuse(path, "model weights are not floating-point numbers")
    if meta.get("checksum") != _checksum(arrays):
        raise _refuse(path, "checksum mismatch: the model file was altered or damaged")
    labels = meta.get("labels")
    if not isinstance(labels, list) or not labels or not set(labels) <= set(LABEL_IDS) or len(set(labels)) != len(labels):
        raise _refuse(path, f"unknown labels in model: {labels!r}")
    try:
        vocab = arrays["vocab"].tobytes().decode("utf-8").split("\n") if arrays["vocab"].size else []
    except UnicodeDecodeError:
        raise _refuse(path, "model vocabulary is not UTF-8 text") from None
    coef, idf, intercept = arrays["coef"], arrays["idf"], arrays["intercept"]
    if coef.shape != (len(vocab), len(labels)) or idf.shape != (len(vocab),) or intercept.shape != (len(labels),):
        raise _refuse(path, "array shapes do not fit together")
    if not all(np.isfinite(a).all() for a in (coef, idf, intercept)):
        raise _refuse(path, "model weights hold NaN or infinite values")
    _check_meta(path, meta, labels)
    card = None
    if "card" not in arrays and "card_sha256" in meta:
        raise _refuse(path, "model card missing (the metadata names one)")
    if "card" in arrays:
        card = model_card.decode(arrays["card"]) if arrays["card"].dtype == np.uint8 else None
        if card is None or meta.get("card_sha256") != model_card.digest(card):
            raise _refuse(path, "model card does not match the model (altered or damaged)")
    return Model(vocab=vocab, idf=idf.astype(np.float32, copy=False), coef=coef.astype(np.float32, copy=False),
                 intercept=intercept.astype(np.float32, copy=False), labels=labels, meta=meta, card=card)


def load_default() -> Model:
    """The model shipped with the package."""
    return load(default_model_path())
