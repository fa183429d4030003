"""The pipeline a user would write in a notebook instead of cybertype (the reference of figure 4).

    python benchmarks/notebook.py train CORPUS.jsonl MODEL.joblib    # setup, not timed
    python benchmarks/notebook.py predict MODEL.joblib FOLDER OUT.jsonl  # timed end to end
    python benchmarks/notebook.py predict MODEL.joblib WORKLOAD.jsonl OUT.jsonl  # the same over JSON Lines

`train`: scikit-learn TfidfVectorizer(tokenizer=jieba.lcut) + one-vs-rest
LogisticRegression over the five labels, saved with joblib.
`predict`: load it with joblib and apply it text by text, to every file of a folder or
every record of a JSON Lines file, in one process, writing one JSON line per text.
"""
from __future__ import annotations

import json
import logging
import os
import sys

LABELS = ["pig_butchering", "fake_anchor_tipping", "two_cards", "online_gambling", "defamation"]


def train(corpus: str, out: str) -> None:
    import jieba
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MultiLabelBinarizer

    from nb_tokenizer import jieba_lcut

    jieba.setLogLevel(logging.WARNING)
    rows = [json.loads(line) for line in open(corpus, encoding="utf-8") if line.strip()]
    y = MultiLabelBinarizer(classes=LABELS).fit_transform([r["labels"] for r in rows])
    pipe = make_pipeline(
        TfidfVectorizer(tokenizer=jieba_lcut, token_pattern=None, sublinear_tf=True),
        OneVsRestClassifier(LogisticRegression(max_iter=2000)),
    )
    pipe.fit([r["text"] for r in rows], y)
    joblib.dump(pipe, out)


def predict(model: str, folder: str, out: str) -> None:
    import jieba
    import joblib

    jieba.setLogLevel(logging.WARNING)
    pipe = joblib.load(model)
    with open(out, "w", encoding="utf-8") as fh:
        for source, text in _texts(folder):
            probs = pipe.predict_proba([text])[0]
            scores = {label: round(float(p), 4) for label, p in zip(LABELS, probs)}
            labels = [label for label in LABELS if scores[label] >= 0.5]
            primary = max(labels, key=scores.get) if labels else "none"
            fh.write(json.dumps({"source": source, "labels": labels, "primary": primary,
                                 "scores": scores}, ensure_ascii=False) + "\n")


def _texts(where: str):
    """(source, text) of every .txt file under a folder, or of every record of a .jsonl file."""
    if where.endswith(".jsonl"):
        with open(where, encoding="utf-8") as fh:
            for k, line in enumerate(fh, 1):
                if line.strip():
                    yield f"{where}:{k}", json.loads(line)["text"]
        return
    paths = []
    for root, dirs, files in os.walk(where):
        dirs.sort()
        paths.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".txt"))
    for path in paths:
        with open(path, encoding="utf-8") as f:
            yield os.path.relpath(path, where), f.read()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    cmd, *args = sys.argv[1:]
    {"train": train, "predict": predict}[cmd](*args)
