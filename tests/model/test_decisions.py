"""Decisions that show their reasons: evidence on every label, counter-evidence, little text, operating points."""
import json
import subprocess
import sys

import numpy as np
import pytest

from cybertype.classifier import UNCERTAIN_BAND, Classifier
from cybertype.cli import app
from cybertype.corpus import read_corpus
from cybertype.model.explain import locate, spans

from conftest import ROOT, jsonl

FRAGMENTS = ["银行卡", "主播", "平台", "直播间", "打赏", "投资", "彩票", "网恋", "手机卡", "我的银行卡丢了", "去银行办了张卡"]


@pytest.fixture(scope="module")
def test_split():
    return read_corpus(ROOT / "samples" / "test.jsonl")[::3]


@pytest.fixture(scope="module")
def results(full, test_split):
    return list(full.classify_many([r.text for r in test_split]))


@pytest.mark.parametrize("text", FRAGMENTS)
def test_a_keyword_alone_is_not_a_case(full, text):
    r = full.classify(text)
    assert r.labels == [] and r.primary == "none", (text, r.scores)


def test_keyword_fragment_through_a_real_pipe_is_none():
    proc = subprocess.run([sys.executable, "-m", "cybertype", "classify", "-", "--format", "jsonl"], input="银行卡",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [r["primary"] for r in jsonl(proc.stdout)] == ["none"]


def test_a_clear_case_still_decides(full):
    r = full.classify("他把名下银行卡和U盾以每套八百元卖给收卡的上线，卡被用来转移诈骗资金")
    assert "two_cards" in r.labels


def test_every_positive_label_has_supporting_evidence(results):
    assert sum(bool(r.labels) for r in results) > 200
    for r in results:
        for label in r.labels:
            assert any(e.label == label and e.weight > 0 and not e.counter for e in r.evidence), (r.id, label)


def test_model_evidence_points_at_the_text(full, test_split, results):
    model_items = 0
    for rec, r in zip(test_split, results):
        for e in r.evidence:
            assert rec.text[e.start:e.end] == e.match
            if e.source == "model":
                model_items += 1
                assert e.rule == "model" and e.feature and e.weight > 0 and e.label in r.labels
    assert model_items > 100


def test_counter_evidence_is_marked_and_lowers_its_label(full):
    lost = full.classify("我的银行卡丢了，昨天去银行挂失补办了新卡")
    counter = [e for e in lost.evidence if e.counter]
    assert counter and all(e.weight < 0 and e.source == "rule" for e in counter)
    assert "two_cards" not in lost.labels
    # The same text with the counter-evidence rules left out scores higher for their label.
    rs, _ = full.rule_scores("我的银行卡丢了，昨天去银行挂失补办了新卡")
    assert rs["two_cards"] < sum(e.weight for e in lost.evidence if e.label == "two_cards" and e.source == "rule"
                                 and not e.counter) + 1e-9


def test_little_text_pulls_the_model_little(full):
    m = full.model
    assert m.norm_floor > 0
    _, short = m.vector("银行卡")
    _, long = m.vector("他把名下的银行卡和手机卡都卖给了收卡的人，一套八百块钱，后来警察找上门说卡被用来转移诈骗的钱")
    assert np.linalg.norm(short) < 0.5 < np.linalg.norm(long) <= 1.0 + 1e-6


def test_uncertain_labels_sit_near_their_threshold(full, results):
    flagged = [(r, label) for r in results for label in r.uncertain]
    assert flagged
    for r, label in flagged:
        assert abs(r.scores[label] - full.thresholds[label]) < UNCERTAIN_BAND + 1e-4


def test_high_precision_point_only_removes_labels(full, test_split, results):
    high = Classifier(precision="high")
    assert all(high.thresholds[label] >= full.thresholds[label] for label in full.thresholds)
    fewer = 0
    for a, b in zip(results, high.classify_many([r.text for r in test_split])):
        assert set(b.labels) <= set(a.labels)
        fewer += len(a.labels) - len(b.labels)
    assert fewer > 0


def test_threshold_flags(runner, tmp_path):
    text = "有人在群里问谁有闲置的银行卡，一个月给两千"
    f = tmp_path / "a.txt"
    f.write_text(text, encoding="utf-8")
    base = jsonl(runner.invoke(app, ["classify", str(f), "--format", "jsonl"]).output)[0]
    assert "two_cards" in base["labels"] and base["scores"]["two_cards"] < 0.99
    strict = jsonl(runner.invoke(app, ["classify", str(f), "--format", "jsonl", "--threshold", "0.995"]).output)[0]
    assert strict["labels"] == []
    one = jsonl(runner.invoke(app, ["classify", str(f), "--format", "jsonl", "--threshold",
                                    "two_cards=0.995"]).output)[0]
    assert "two_cards" not in one["labels"]
    loose = jsonl(runner.invoke(app, ["classify", str(f), "--format", "jsonl", "--threshold",
                                      "two_cards=0.5"]).output)[0]
    assert "two_cards" in loose["labels"]
    for bad in ("1.5", "cards=0.5", "x"):
        result = runner.invoke(app, ["classify", str(f), "--threshold", bad])
        assert result.exit_code == 2, (bad, result.output)
    assert runner.invoke(app, ["classify", str(f), "--precision", "high"]).exit_code == 0


def test_evaluate_breaks_down_by_writer_and_length(runner, tmp_path):
    rows = read_corpus(ROOT / "samples" / "test.jsonl")[::12]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    data = json.loads(runner.invoke(app, ["evaluate", str(path), "--by", "writer", "--format", "json"]).output)
    assert set(data) == {r.group for r in rows}
    assert sum(s["n"] for s in data.values()) == len(rows)
    table = runner.invoke(app, ["evaluate", str(path), "--by", "length"])
    assert table.exit_code == 0 and "0-80" in table.output
    summary = json.loads(runner.invoke(app, ["evaluate", str(path), "--format", "json"]).output)[0]
    assert summary["hard_negatives"] == sum(r.hard_negative for r in rows)


def test_feature_spans_are_found_and_do_not_overlap():
    text = "他出租 银行卡给上线，银行卡被冻结"
    assert locate(text, "w:银行卡") == (4, 7)
    assert locate(text, "b:出租_银行卡") == (1, 7)
    assert locate(text, "c:卡") is None  # a single character says too little to show
    picked = spans(text, [("c:行卡", 2.0), ("w:银行卡", 1.0), ("w:上线", 0.5), ("w:冻结", 0.1)], most=2)
    assert [(f, s, e) for f, s, e, _ in picked] == [("w:银行卡", 4, 7), ("w:上线", 8, 10)]
