import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cybertype.model import linear as M
from cybertype.classifier import Classifier
from cybertype.cli import app
from cybertype.corpus import CorpusRecord, read_corpus
from cybertype.evaluate.metrics import evaluate
from cybertype.model.train import TrainConfig, train

from conftest import ROOT, jsonl


@pytest.fixture(scope="module")
def small_corpus():
    """A slice of the training corpus with no defamation examples at all."""
    records = read_corpus(ROOT / "samples" / "train.jsonl")
    return [r for r in records if "defamation" not in r.labels][::5]


@pytest.fixture(scope="module")
def small_model(small_corpus):
    return train(small_corpus, TrainConfig(folds=3))


def test_training_is_deterministic(small_corpus, small_model, tmp_path):
    """The same-machine check: the same records give the same model file, byte for byte."""
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    M.save(small_model[0], a)
    M.save(train(small_corpus, TrainConfig(folds=3))[0], b)
    assert a.read_bytes() == b.read_bytes()


def test_save_load_round_trip_predicts_the_same(small_corpus, small_model, tmp_path):
    m, _ = small_model
    path = tmp_path / "m.npz"
    M.save(m, path)
    loaded = M.load(path)
    texts = [r.text for r in small_corpus[:20]]
    assert np.allclose(m.margins(texts), loaded.margins(texts), atol=1e-5)
    assert loaded.meta["training"]["texts"] == len(small_corpus)


def test_label_with_too_few_examples_is_left_to_rules_and_said_so(small_model, tmp_path, runner):
    m, report = small_model
    assert "defamation" not in m.labels and report.skipped == {"defamation": 0}
    assert m.meta["rules_only_labels"] == ["defamation"]
    path = tmp_path / "m.npz"
    M.save(m, path)
    clf = Classifier(model=path)
    assert clf.rules_only_labels == ["defamation"]
    r = clf.classify("有人恶意P图捏造事实，说她插足别人婚姻，在网上大量转发，构成诽谤罪")
    assert "defamation" in r.labels  # the rules still decide it
    txt = tmp_path / "a.txt"
    txt.write_text("普通文本", encoding="utf-8")
    out = runner.invoke(app, ["classify", str(txt), "--model", str(path), "-f", "jsonl"])
    assert "defamation" in out.stderr and "rules alone" in out.stderr


def test_train_command_warns_about_thin_labels(runner, small_corpus, tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(r.model_dump_json() + "\n" for r in small_corpus[:200]), encoding="utf-8")
    result = runner.invoke(app, ["train", str(corpus), "-o", str(tmp_path / "m.npz")])
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.stderr and "defamation" in result.stderr
    assert (tmp_path / "m.npz").exists()


def _decisions(clf: Classifier, texts: list[str]) -> list[tuple[dict[str, float], list[str]]]:
    """Unrounded fused probabilities and chosen labels of each text."""
    from cybertype.text.normalize import normalize

    out = []
    for text in texts:
        scores, _ = clf.rule_scores(text)
        out.append(clf.decide(scores, clf.model.margins([normalize(text)])[0]))
    return out


def test_shipped_model_is_what_train_makes(tmp_path):
    """`cybertype train samples/train.jsonl` reproduces the shipped model on any machine: the same vocabulary and
    labels, and on the test split the same labels and probabilities within 1e-4 (BLAS builds and CPUs differ in
    the last bits of floating-point sums, so the weights may differ by a rounding step)."""
    out = tmp_path / "m.npz"
    proc = subprocess.run([sys.executable, "-m", "cybertype", "train", str(ROOT / "samples" / "train.jsonl"),
                           "-o", str(out)], capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()
    made, shipped = M.load(out), M.load(M.default_model_path())
    assert made.vocab == shipped.vocab and made.labels == shipped.labels
    assert np.allclose(made.idf, shipped.idf, atol=1e-6)
    texts = [r.text for r in read_corpus(ROOT / "samples" / "test.jsonl")]
    ours, theirs = _decisions(Classifier(model=out), texts), _decisions(Classifier(), texts)
    for text, (p_made, l_made), (p_shipped, l_shipped) in zip(texts, ours, theirs):
        assert l_made == l_shipped, text[:80]
        assert all(abs(p_made[k] - p_shipped[k]) <= 1e-4 for k in p_shipped), text[:80]


def test_classify_imports_no_scikit_learn():
    code = ("import sys, cybertype; cybertype.classify('他把银行卡出租给别人跑分'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'pandas')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_fused_beats_rules_and_model_on_the_test_split():
    gold = read_corpus(ROOT / "samples" / "test.jsonl")
    fused, rules, model, baseline = evaluate(Classifier(), gold, modes=("fused", "rules", "model"))
    assert fused.macro_f1 >= 0.90
    assert fused.macro_f1 > rules.macro_f1 and fused.macro_f1 > model.macro_f1
    assert baseline.macro_f1 == 0.0 and baseline.system.startswith("baseline")


def test_evaluate_command_ablate_table_and_json(runner):
    path = ROOT / "samples" / "test.jsonl"
    table = runner.invoke(app, ["evaluate", str(path), "--ablate"])
    assert table.exit_code == 0
    rows = [line for line in table.output.splitlines() if "fused" in line or "only" in line or "baseline" in line]
    assert rows[0].strip("│┃ ").startswith("fused") and any("rules only" in r for r in rows)
    data = json.loads(runner.invoke(app, ["evaluate", str(path), "--format", "json"]).output)
    assert data[0]["system"].startswith("fused") and set(data[0]["confusion"]) >= {"none", "two_cards"}


def test_rules_stats_reports_precision(runner, tmp_path):
    gold = tmp_path / "g.jsonl"
    rows = [CorpusRecord(id="1", text="他把银行卡出租给别人跑分", labels=["two_cards"], primary="two_cards"),
            CorpusRecord(id="2", text="今天天气很好", labels=[], primary="none")]
    gold.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["rules", "stats", str(gold), "--format", "json"])
    stats = {s["rule"]: s for s in json.loads(result.output)}
    fired = [s for s in stats.values() if s["fires"]]
    assert fired and all(s["label"] == "two_cards" and s["precision"] == 1.0 for s in fired)
