"""The model card inside the model file, `train --add/--only/--weight-added`, `evaluate --compare`,
`CYBERTYPE_MODEL` and `cybertype model info`."""
import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cybertype.cli import app
from cybertype.model import linear as M
from cybertype.model.card import read_card

DATA = Path(__file__).resolve().parent.parent / "data" / "review"
SMALL = DATA / "corpus-small.jsonl"
GOLD = DATA / "user-gold.jsonl"
QUICK = ["--folds", "3", "--quick", "--date", "2026-12-01"]


@pytest.fixture(scope="module")
def small_model(tmp_path_factory, runner):
    out = tmp_path_factory.mktemp("card") / "small.npz"
    res = runner.invoke(app, ["train", str(SMALL), "-o", str(out), *QUICK])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def added_model(tmp_path_factory, runner):
    """The small corpus plus the user's gold labels, weighted 3."""
    out = tmp_path_factory.mktemp("card") / "added.npz"
    res = runner.invoke(app, ["train", str(SMALL), "--add", str(GOLD), "--weight-added", "3", "-o", str(out), *QUICK])
    assert res.exit_code == 0, res.output
    return out


def test_card_records_every_training_file(small_model, added_model):
    card = M.load(added_model).card
    corpus, added = card["training_files"]
    assert (corpus["name"], corpus["role"], corpus["weight"]) == ("corpus-small.jsonl", "corpus", 1.0)
    assert (added["name"], added["role"], added["weight"]) == ("user-gold.jsonl", "added", 3.0)
    assert added["sha256"] == hashlib.sha256(GOLD.read_bytes()).hexdigest()
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    assert added["texts"] == len(gold) == sum(added["langs"].values())
    assert added["labels"].get("none", 0) == sum(1 for r in gold if not r["labels"])
    assert card["texts"] == corpus["texts"] + added["texts"]
    assert card["date"] == "2026-12-01" and card["seed"] == 0 and len(card["rules_sha256"]) == 64
    assert set(card["thresholds"]) == set(card["cross_validated_f1"]) and card["rules_only_labels"] == []
    assert card["cross_writer"] is None  # --quick skips the cross-fitted figures
    assert M.load(small_model).card["training_files"][0]["texts"] == corpus["texts"]


def test_the_added_labels_change_the_model(small_model, added_model):
    assert not np.array_equal(M.load(small_model).coef, M.load(added_model).coef)


def test_same_date_same_bytes(small_model, tmp_path, runner):
    again = tmp_path / "again.npz"
    assert runner.invoke(app, ["train", str(SMALL), "-o", str(again), *QUICK]).exit_code == 0
    assert again.read_bytes() == small_model.read_bytes()


def test_an_edited_card_is_refused(small_model, tmp_path):
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(small_model) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "card.npy":
                data = data.replace(b"2026-12-01", b"2020-01-01")
            dst.writestr(info, data)
    assert read_card(forged)["date"] == "2020-01-01"
    with pytest.raises(M.ModelError, match="card does not match"):
        M.load(forged)


def test_model_info_prints_the_card(small_model, runner):
    res = runner.invoke(app, ["model", "info", str(small_model)])
    assert res.exit_code == 0, res.output
    assert "trained 2026-12-01" in res.output and "corpus-small.jsonl (corpus, weight 1)" in res.output
    assert hashlib.sha256(SMALL.read_bytes()).hexdigest() in res.output
    data = json.loads(runner.invoke(app, ["model", "info", str(small_model), "--format", "json"]).output)
    assert data["model_sha256"] == hashlib.sha256(small_model.read_bytes()).hexdigest()
    assert data["training_files"][0]["sha256"] == hashlib.sha256(SMALL.read_bytes()).hexdigest()


def test_cybertype_model_is_used_by_every_command(small_model, runner, monkeypatch):
    text = "他把名下银行卡和U盾卖给收卡的人，一套八百"
    shipped = json.loads(runner.invoke(app, ["classify", "-", "-f", "json"], input=text).output)[0]
    given = json.loads(runner.invoke(app, ["classify", "-", "-f", "json", "--model", str(small_model)],
                                     input=text).output)[0]
    monkeypatch.setenv("CYBERTYPE_MODEL", str(small_model))
    from_env = json.loads(runner.invoke(app, ["classify", "-", "-f", "json"], input=text).output)[0]
    assert from_env["scores"] == given["scores"] != shipped["scores"]
    info = json.loads(runner.invoke(app, ["model", "info", "--format", "json"]).output)
    assert info["model"] == str(small_model)


def test_batch_summary_names_the_card(small_model, runner, tmp_path):
    summary = tmp_path / "summary.json"
    res = runner.invoke(app, ["batch", str(DATA.parent.parent.parent / "samples" / "demo"), "-o",
                              str(tmp_path / "out.jsonl"), "-q", "--workers", "1", "--summary", str(summary),
                              "--model", str(small_model)])
    assert res.exit_code == 0, res.output
    got = json.loads(summary.read_text())
    assert got["model_sha256"] == hashlib.sha256(small_model.read_bytes()).hexdigest()
    assert got["model_card"]["date"] == "2026-12-01"
    assert got["model_card"]["training_files"] == [
        {"name": "corpus-small.jsonl", "sha256": hashlib.sha256(SMALL.read_bytes()).hexdigest()}]


def test_evaluate_compare_sets_the_new_model_beside_the_shipped_one(added_model, runner):
    res = runner.invoke(app, ["evaluate", str(GOLD), "--model", str(added_model), "--compare", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    shipped, new, diff = data["shipped"], data["model"], data["difference"]
    for label, d in diff.items():
        if label in shipped["per_label"]:
            assert d == pytest.approx(new["per_label"][label]["f1"] - shipped["per_label"][label]["f1"], abs=1e-4)
    assert diff["macro_f1"] == pytest.approx(new["macro_f1"] - shipped["macro_f1"], abs=1e-4)
    table = runner.invoke(app, ["evaluate", str(GOLD), "--model", str(added_model), "--compare"])
    assert "shipped F1" in table.output and "difference" in table.output


@pytest.mark.parametrize("args, message", [
    (["--only"], "give at least one --add"),
    (["--date", "1 Dec 2026"], "YYYY-MM-DD"),
    (["--add", str(GOLD), "--weight-added", "0"], "must be above 0"),
])
def test_bad_training_options_are_usage_errors(args, message, runner, tmp_path):
    corpus = [] if "--only" in args else [str(SMALL)]
    res = runner.invoke(app, ["train", *corpus, "-o", str(tmp_path / "m.npz"), *args])
    assert res.exit_code == 2 and message in res.output


def test_compare_needs_a_model(runner):
    res = runner.invoke(app, ["evaluate", str(GOLD), "--compare"])
    assert res.exit_code == 2 and "--compare needs" in res.output


def test_only_trains_on_the_added_files_alone(runner, tmp_path):
    out = tmp_path / "only.npz"
    res = runner.invoke(app, ["train", "--only", "--add", str(SMALL), "-o", str(out), *QUICK])
    assert res.exit_code == 0, res.output
    files = M.load(out).card["training_files"]
    assert [(f["name"], f["role"]) for f in files] == [("corpus-small.jsonl", "added")]


def test_the_shipped_model_carries_its_card(runner):
    corpus = DATA.parent.parent.parent / "samples" / "train.jsonl"
    res = runner.invoke(app, ["model", "info", "--format", "json"], env={"CYBERTYPE_MODEL": None})
    assert res.exit_code == 0, res.output
    card = json.loads(res.output)
    (entry,) = card["training_files"]
    assert (entry["name"], entry["sha256"]) == ("train.jsonl", hashlib.sha256(corpus.read_bytes()).hexdigest())
    assert card["cross_writer"]["macro_f1"] > 0.8 and card["rules_only_labels"] == []
