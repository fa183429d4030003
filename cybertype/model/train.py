"""Training: the linear model per label (scikit-learn), then the rule/model fusion.

1. Features of every text (`features.extract`); the vocabulary keeps features
   seen in at least `min_df` texts, so rare phrasings are not memorised.
2. One L2-regularised logistic regression per label (one-vs-rest, balanced
   class weights) over sublinear tf-idf vectors, each divided by
   max(‖v‖, `norm_floor`) so that little text carries little weight.
3. Out-of-fold margins come from folds **grouped by writer**: every text's
   margin is predicted by a model that never saw its writer's hand, the way the
   shipped model meets text nobody here wrote. They are paired with the rule
   scores; a second-stage logistic model per label maps (margin, rule score) to a
   probability, and the threshold that maximises out-of-fold F1 becomes the
   label's decision point ("threshold"); "threshold_high" is the point that keeps
   the out-of-fold `none` false-positive rate at 2% or less.
4. The cross-writer figures recorded in the model come from cross-fitted
   fusion: each fold's probabilities are made by fusion weights and thresholds
   learnt on the other folds only.
5. Records may carry sample weights (`weights`): a user's own labels added with
   `cybertype train --add` can count more (or less) than a corpus text. A quick
   configuration (`cross_fit=False`, fewer folds) skips the cross-fitted figures,
   for simulations that retrain many times (`benchmarks/adaptation.py`).

scikit-learn is imported here only; classifying never needs it.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from cybertype.model import features
from cybertype.corpus import CorpusRecord, corpus_hash
from cybertype.labels import LABEL_IDS, NONE
from cybertype.model.fusion import clip_rule_score
from cybertype.model.linear import Model
from cybertype.text.normalize import normalize

MIN_POSITIVES = 30


@dataclass
class TrainConfig:
    """Knobs of training; recorded in the model's metadata."""

    seed: int = 0
    folds: int = 5
    C: float = 8.0
    min_df: int = 4
    norm_floor: float = 40.0  # about the 5th percentile of the corpus' vector lengths
    high_precision_fpr: float = 0.02
    max_features: int = 400_000
    balanced: bool = True
    cross_fit: bool = True  # False: no cross-fitted cross-writer figures (quick retraining)


@dataclass
class TrainReport:
    """Cross-validated figures and warnings from one training run."""

    cv_f1: dict[str, dict[str, float]]  # label -> {"rules": f1, "model": f1, "fused": f1}
    skipped: dict[str, int]  # labels left to the rules: number of positives seen
    n_texts: int
    n_features: int
    cross_writer: dict | None = None  # figures of the cross-fitted out-of-fold decisions
    folds: int = 0
    grouped: bool = True


def _vocabulary(docs: list[Counter], cfg: TrainConfig) -> tuple[list[str], np.ndarray]:
    df: Counter = Counter()
    for d in docs:
        df.update(d.keys())
    kept = [f for f, c in df.items() if c >= cfg.min_df]
    if len(kept) > cfg.max_features:
        kept = sorted(kept, key=lambda f: (-df[f], f))[: cfg.max_features]
    vocab = sorted(kept)
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab], dtype=np.float32)
    return vocab, idf


def _matrix(docs: list[Counter], vocab: list[str], idf: np.ndarray, floor: float = 0.0):
    from scipy.sparse import csr_matrix

    index = {f: i for i, f in enumerate(vocab)}
    indptr, indices, data = [0], [], []
    for d in docs:
        pairs = sorted((index[f], c) for f, c in d.items() if f in index)
        if pairs:
            idx = np.array([j for j, _ in pairs], dtype=np.int64)
            val = (1.0 + np.log(np.array([c for _, c in pairs], dtype=np.float32))) * idf[idx]
            val /= max(float(np.linalg.norm(val)), floor) or 1.0
            indices.extend(idx.tolist())
            data.extend(val.tolist())
        indptr.append(len(indices))
    return csr_matrix((np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
                      shape=(len(docs), len(vocab)))


def _fit(X, y: np.ndarray, cfg: TrainConfig, sw: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression

    if y.all() or not y.any():  # a fold whose training part holds one class only
        return np.zeros(X.shape[1]), (6.0 if y.all() else -6.0)

    clf = LogisticRegression(C=cfg.C, class_weight="balanced" if cfg.balanced else None, solver="liblinear", max_iter=1000,
                             random_state=cfg.seed)
    clf.fit(X, y, sample_weight=sw)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(y & pred))
    denom = float(np.sum(y) + np.sum(pred))
    return 2 * tp / denom if denom else 1.0


def _folds(records: list[CorpusRecord], cfg: TrainConfig) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """Folds grouped by writer when there are enough writers, else plain shuffled k-fold."""
    from sklearn.model_selection import GroupKFold, KFold

    groups = np.array([r.group for r in records])
    if len(set(groups)) >= cfg.folds:
        return list(GroupKFold(n_splits=cfg.folds).split(groups, groups=groups)), True
    return list(KFold(n_splits=cfg.folds, shuffle=True, random_state=cfg.seed).split(groups)), False


def _stage2(Z: np.ndarray, y: np.ndarray, sw: np.ndarray | None = None) -> tuple[float, float, float]:
    from sklearn.linear_model import LogisticRegression

    if y.all() or not y.any():
        return 0.0, 0.0, (6.0 if y.all() else -6.0)
    m = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(Z, y, sample_weight=sw)
    a, b = (round(float(v), 6) for v in m.coef_[0])
    return a, b, round(float(m.intercept_[0]), 6)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


_GRID = np.round(np.arange(0.15, 0.86, 0.01), 2)


def _best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The highest threshold whose F1 is within 0.005 of the best, and the best F1.

    Large scans are mostly `none`, so among near-equal choices prefer fewer false positives.
    """
    f1s = [_f1(y, p >= t) for t in _GRID]
    return float(max(t for t, f in zip(_GRID, f1s) if f >= max(f1s) - 0.005)), max(f1s)


def _high_precision(P: dict[str, np.ndarray], base: dict[str, float], none_mask: np.ndarray,
                    fpr: float) -> dict[str, float]:
    """Thresholds, none lower than `base`, under which at most `fpr` of the `none` texts get any label.

    Every label's threshold rises to the same quantile q of its own probabilities on `none` texts;
    q is the smallest (on a 0.001 grid) that meets the target.
    """
    if not none_mask.any():
        return dict(base)
    for q in np.arange(0.90, 1.0, 0.001):
        th = {label: max(base[label], float(np.quantile(P[label][none_mask], q)) + 1e-6) for label in P}
        hit = np.zeros(int(none_mask.sum()), dtype=bool)
        for label, p in P.items():
            hit |= p[none_mask] >= th[label]
        if hit.mean() <= fpr:
            return {label: round(min(t, 0.99), 4) for label, t in th.items()}
    return {label: 0.99 for label in P}


def _figures(records: list[CorpusRecord], P: dict[str, np.ndarray], chosen: dict[str, np.ndarray]) -> dict:
    """Macro-F1, primary accuracy and `none` false-positive rates of out-of-fold decisions."""
    labels = list(P)
    Y = {label: np.array([label in r.labels for r in records]) for label in labels}
    f1 = {label: round(_f1(Y[label], chosen[label]), 4) for label in labels}
    prim = 0
    for i, r in enumerate(records):
        picked = [label for label in labels if chosen[label][i]]
        prim += (max(picked, key=lambda label: P[label][i]) if picked else NONE) == r.primary
    any_label = np.zeros(len(records), dtype=bool)
    for label in labels:
        any_label |= chosen[label]
    none = np.array([not r.labels for r in records])
    hard = np.array([r.hard_negative for r in records])
    return {
        "texts": len(records), "macro_f1": round(float(np.mean(list(f1.values()))), 4), "f1": f1,
        "primary_accuracy": round(prim / len(records), 4),
        "none_fp_rate": round(float(any_label[none].mean()), 4) if none.any() else None,
        "hard_negative_fp_rate": round(float(any_label[hard].mean()), 4) if hard.any() else None,
        "hard_negatives": int(hard.sum()),
    }


def train(records: list[CorpusRecord], cfg: TrainConfig | None = None, rule_scores: list[dict[str, float]] | None = None,
          rules_sha256: str = "", weights: list[float] | None = None, docs: list[Counter] | None = None,
          ) -> tuple[Model, TrainReport]:
    """Train a model (with fusion) from labeled records; `rule_scores` are the built-in rules' sums per text.

    `weights`: a sample weight per record (None: all 1). `docs`: each record's `features.extract` of its
    normalized text, when already known (a simulation that retrains many times computes them once).

    BLAS runs on one thread during training, so the thread settings of the environment cannot change the
    order of floating-point sums: on one machine, the same records give the same bytes.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train(records, cfg, rule_scores, rules_sha256, weights, docs)


def extract_all(records: list[CorpusRecord]) -> list[Counter]:
    """The features of every record's normalized text (what `train` computes when not given `docs`)."""
    return [features.extract(normalize(r.text).text) for r in records]


def _train(records: list[CorpusRecord], cfg: TrainConfig | None, rule_scores: list[dict[str, float]] | None,
           rules_sha256: str, weights: list[float] | None, docs: list[Counter] | None) -> tuple[Model, TrainReport]:
    cfg = cfg or TrainConfig()
    docs = docs if docs is not None else extract_all(records)
    # All-equal weights are left out, so that a plain corpus trains exactly as before weights existed.
    sw = np.asarray(weights, dtype=np.float64) if weights is not None and len(set(weights)) > 1 else None
    Y = {label: np.array([label in r.labels for r in records], dtype=bool) for label in LABEL_IDS}
    trainable = [label for label in LABEL_IDS if Y[label].sum() >= MIN_POSITIVES and (~Y[label]).sum() >= MIN_POSITIVES]
    skipped = {label: int(Y[label].sum()) for label in LABEL_IDS if label not in trainable}
    if rule_scores is None:
        rule_scores = [dict.fromkeys(LABEL_IDS, 0.0) for _ in records]
    R = {label: np.array([clip_rule_score(s[label]) for s in rule_scores]) for label in LABEL_IDS}

    # Out-of-fold margins, with the vocabulary and idf learnt inside each fold.
    folds, grouped = _folds(records, cfg)
    fold_of = np.zeros(len(records), dtype=np.int64)
    oof = {label: np.zeros(len(records)) for label in trainable}
    for k, (tr, te) in enumerate(folds):
        fold_of[te] = k
        tr_docs = [docs[i] for i in tr]
        vocab, idf = _vocabulary(tr_docs, cfg)
        Xtr = _matrix(tr_docs, vocab, idf, cfg.norm_floor)
        Xte = _matrix([docs[i] for i in te], vocab, idf, cfg.norm_floor)
        for label in trainable:
            w, b = _fit(Xtr, Y[label][tr], cfg, None if sw is None else sw[tr])
            oof[label][te] = Xte @ w + b
    Z = {label: np.column_stack([oof[label], R[label]]) for label in trainable}

    # Cross-fitted fusion: the honest figures for text from writers the model has not seen.
    P_cf = {label: np.zeros(len(records)) for label in trainable}
    chosen_cf = {label: np.zeros(len(records), dtype=bool) for label in trainable}
    for k in range(len(folds) if cfg.cross_fit else 0):
        tr, te = fold_of != k, fold_of == k
        for label in trainable:
            a, b, c = _stage2(Z[label][tr], Y[label][tr], None if sw is None else sw[tr])
            t, _ = _best_threshold(Y[label][tr], _sigmoid(Z[label][tr] @ [a, b] + c))
            P_cf[label][te] = _sigmoid(Z[label][te] @ [a, b] + c)
            chosen_cf[label][te] = P_cf[label][te] >= t

    vocab, idf = _vocabulary(docs, cfg)
    X = _matrix(docs, vocab, idf, cfg.norm_floor)
    coef = np.zeros((len(vocab), len(trainable)), dtype=np.float32)
    intercept = np.zeros(len(trainable), dtype=np.float32)
    fusion: dict[str, dict[str, float]] = {}
    cv: dict[str, dict[str, float]] = {}
    P: dict[str, np.ndarray] = {}
    for j, label in enumerate(trainable):
        w, b = _fit(X, Y[label], cfg, sw)
        coef[:, j] = np.round(w, 5)
        intercept[j] = round(b, 5)
        a, bb, c = _stage2(Z[label], Y[label], sw)
        P[label] = _sigmoid(Z[label] @ [a, bb] + c)
        best, best_f1 = _best_threshold(Y[label], P[label])
        fusion[label] = {"a": a, "b": bb, "c": c, "threshold": best}
        cv[label] = {
            "rules": round(_f1(Y[label], R[label] >= 2.0), 4),
            "model": round(_f1(Y[label], oof[label] > 0), 4),
            "fused": round(best_f1, 4),
        }
    none = np.array([not r.labels for r in records])
    high = _high_precision(P, {label: f["threshold"] for label, f in fusion.items()}, none, cfg.high_precision_fpr)
    for label, t in high.items():
        fusion[label]["threshold_high"] = t
    cross = _figures(records, P_cf, chosen_cf) if trainable and cfg.cross_fit else None
    meta = {
        "labels": trainable,
        "rules_only_labels": sorted(skipped),
        "fusion": fusion,
        "cv_f1": cv,
        "cross_writer": cross,
        "features": {"words": "jieba (HMM off) unigrams and bigrams", "char_ngrams": list(features.CHAR_NGRAMS),
                     "weighting": "sublinear tf-idf, divided by max(L2 norm, norm_floor)", "min_df": cfg.min_df,
                     "norm_floor": cfg.norm_floor},
        "training": {"texts": len(records), "sha256": corpus_hash(records), "seed": cfg.seed, "folds": len(folds),
                     "grouped_by_writer": grouped, "writers": len({r.group for r in records}), "C": cfg.C,
                     "rules_sha256": rules_sha256},
    }
    model = Model(vocab=vocab, idf=idf, coef=coef, intercept=intercept, labels=trainable, meta=meta)
    return model, TrainReport(cv_f1=cv, skipped=skipped, n_texts=len(records), n_features=len(vocab),
                              cross_writer=cross, folds=len(folds), grouped=grouped)
