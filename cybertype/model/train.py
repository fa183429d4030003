"""Training: the linear model per label (scikit-learn), then the rule/model fusion.

1. Features of every text (`features.extract`); the vocabulary keeps features
   seen in at least `min_df` texts, so rare phrasings are not memorised.
2. One L2-regularised logistic regression per label (one-vs-rest, balanced
   class weights) over sublinear tf-idf vectors.
3. Out-of-fold margins from k-fold cross-validation (vocabulary and idf rebuilt
   inside each fold) are paired with the rule scores; a second-stage logistic
   model per label maps (margin, rule score) to a calibrated probability, and
   the threshold that maximises out-of-fold F1 becomes the label's decision point.

scikit-learn is imported here only; classifying never needs it.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from cybertype.model import features
from cybertype.corpus import CorpusRecord, corpus_hash
from cybertype.labels import LABEL_IDS
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
    min_df: int = 2
    max_features: int = 400_000
    balanced: bool = True


@dataclass
class TrainReport:
    """Cross-validated figures and warnings from one training run."""

    cv_f1: dict[str, dict[str, float]]  # label -> {"rules": f1, "model": f1, "fused": f1}
    skipped: dict[str, int]  # labels left to the rules: number of positives seen
    n_texts: int
    n_features: int


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


def _matrix(docs: list[Counter], vocab: list[str], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    index = {f: i for i, f in enumerate(vocab)}
    indptr, indices, data = [0], [], []
    for d in docs:
        pairs = sorted((index[f], c) for f, c in d.items() if f in index)
        if pairs:
            idx = np.array([j for j, _ in pairs], dtype=np.int64)
            val = (1.0 + np.log(np.array([c for _, c in pairs], dtype=np.float32))) * idf[idx]
            val /= np.linalg.norm(val) or 1.0
            indices.extend(idx.tolist())
            data.extend(val.tolist())
        indptr.append(len(indices))
    return csr_matrix((np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
                      shape=(len(docs), len(vocab)))


def _fit(X, y: np.ndarray, cfg: TrainConfig):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=cfg.C, class_weight="balanced" if cfg.balanced else None, solver="liblinear", max_iter=1000,
                             random_state=cfg.seed)
    clf.fit(X, y)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(y & pred))
    denom = float(np.sum(y) + np.sum(pred))
    return 2 * tp / denom if denom else 1.0


def train(records: list[CorpusRecord], cfg: TrainConfig | None = None, rule_scores: list[dict[str, float]] | None = None,
          rules_sha256: str = "") -> tuple[Model, TrainReport]:
    """Train a model (with fusion) from labeled records; `rule_scores` are the built-in rules' sums per text.

    BLAS runs on one thread during training, so the thread settings of the environment cannot change the
    order of floating-point sums: on one machine, the same records give the same bytes.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train(records, cfg, rule_scores, rules_sha256)


def _train(records: list[CorpusRecord], cfg: TrainConfig | None, rule_scores: list[dict[str, float]] | None,
           rules_sha256: str) -> tuple[Model, TrainReport]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    cfg = cfg or TrainConfig()
    docs = [features.extract(normalize(r.text).text) for r in records]
    Y = {label: np.array([label in r.labels for r in records], dtype=bool) for label in LABEL_IDS}
    trainable = [label for label in LABEL_IDS if Y[label].sum() >= MIN_POSITIVES and (~Y[label]).sum() >= MIN_POSITIVES]
    skipped = {label: int(Y[label].sum()) for label in LABEL_IDS if label not in trainable}
    if rule_scores is None:
        rule_scores = [dict.fromkeys(LABEL_IDS, 0.0) for _ in records]
    R = {label: np.array([clip_rule_score(s[label]) for s in rule_scores]) for label in LABEL_IDS}

    # Out-of-fold margins, with the vocabulary and idf learnt inside each fold.
    oof = {label: np.zeros(len(records)) for label in trainable}
    folds = KFold(n_splits=cfg.folds, shuffle=True, random_state=cfg.seed)
    for tr, te in folds.split(np.arange(len(records))):
        tr_docs = [docs[i] for i in tr]
        vocab, idf = _vocabulary(tr_docs, cfg)
        Xtr, Xte = _matrix(tr_docs, vocab, idf), _matrix([docs[i] for i in te], vocab, idf)
        for label in trainable:
            w, b = _fit(Xtr, Y[label][tr], cfg)
            oof[label][te] = Xte @ w + b

    vocab, idf = _vocabulary(docs, cfg)
    X = _matrix(docs, vocab, idf)
    coef = np.zeros((len(vocab), len(trainable)), dtype=np.float32)
    intercept = np.zeros(len(trainable), dtype=np.float32)
    fusion: dict[str, dict[str, float]] = {}
    cv: dict[str, dict[str, float]] = {}
    for j, label in enumerate(trainable):
        w, b = _fit(X, Y[label], cfg)
        coef[:, j] = np.round(w, 5)
        intercept[j] = round(b, 5)
        Z = np.column_stack([oof[label], R[label]])
        stage2 = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(Z, Y[label])
        a, bb = (round(float(v), 6) for v in stage2.coef_[0])
        c = round(float(stage2.intercept_[0]), 6)
        p = 1.0 / (1.0 + np.exp(-(a * Z[:, 0] + bb * Z[:, 1] + c)))
        grid = np.round(np.arange(0.15, 0.86, 0.01), 2)
        f1s = [_f1(Y[label], p >= t) for t in grid]
        # The highest threshold whose F1 is within 0.005 of the best: large scans are mostly
        # `none`, so among near-equal choices prefer the one with fewer false positives.
        best = float(max(t for t, f in zip(grid, f1s) if f >= max(f1s) - 0.005))
        fusion[label] = {"a": a, "b": bb, "c": c, "threshold": best}
        cv[label] = {
            "rules": round(_f1(Y[label], R[label] >= 2.0), 4),
            "model": round(_f1(Y[label], oof[label] > 0), 4),
            "fused": round(max(f1s), 4),
        }
    meta = {
        "labels": trainable,
        "rules_only_labels": sorted(skipped),
        "fusion": fusion,
        "cv_f1": cv,
        "features": {"words": "jieba (HMM off) unigrams and bigrams", "char_ngrams": list(features.CHAR_NGRAMS),
                     "weighting": "sublinear tf-idf, L2", "min_df": cfg.min_df},
        "training": {"texts": len(records), "sha256": corpus_hash(records), "seed": cfg.seed, "folds": cfg.folds,
                     "C": cfg.C, "rules_sha256": rules_sha256},
    }
    model = Model(vocab=vocab, idf=idf, coef=coef, intercept=intercept, labels=trainable, meta=meta)
    return model, TrainReport(cv_f1=cv, skipped=skipped, n_texts=len(records), n_features=len(vocab))
