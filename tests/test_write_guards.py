"""What `train`, `report` and `classify` write can never be what they read (issue 12, item 2, beyond
`batch`): `-o` (or `--summary`) onto the corpus, an --add file, the results or an input stops the command
with exit 2 before any work, and the file is kept as it was."""
import json
import shutil

import pytest

from cybertype.cli import app
from cybertype.model.linear import default_model_path

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    rows = [{"id": f"c{i}", "text": CARDS, "labels": ["two_cards"], "primary": "two_cards", "lang": "zh",
             "style": "victim"} for i in range(3)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def refused(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.stderr


def test_train_onto_its_corpus_is_refused_and_the_corpus_kept(runner, corpus):
    before = corpus.read_bytes()
    refused(runner.invoke(app, ["train", str(corpus), "-o", str(corpus), "--only", "--quick"]),
            "refusing to write -o", "the corpus")
    assert corpus.read_bytes() == before


def test_train_onto_an_added_file_through_a_symlink_is_refused(runner, corpus, tmp_path):
    added = tmp_path / "answers.jsonl"
    shutil.copy(corpus, added)
    (tmp_path / "model.npz").symlink_to(added)
    refused(runner.invoke(app, ["train", "--only", "--add", str(added), "-o", str(tmp_path / "model.npz"), "--quick"]),
            "--add")
    assert added.read_bytes() == corpus.read_bytes()


def test_report_onto_its_results_or_summary_is_refused(runner, tmp_path):
    results, summary = tmp_path / "out.jsonl", tmp_path / "summary.json"
    assert runner.invoke(app, ["classify", "-", "-f", "jsonl", "-o", str(results), "--summary", str(summary)],
                         input=json.dumps({"id": "a", "text": CARDS}, ensure_ascii=False) + "\n").exit_code == 0
    kept = results.read_bytes(), summary.read_bytes()
    refused(runner.invoke(app, ["report", str(results), "-o", str(results)]), "OUT.jsonl")
    refused(runner.invoke(app, ["report", str(results), "--summary", str(summary), "-o", str(summary)]), "--summary")
    assert (results.read_bytes(), summary.read_bytes()) == kept


def test_classify_summary_onto_an_input_or_the_output_is_refused(runner, tmp_path):
    case = tmp_path / "case.txt"
    case.write_text(CARDS, encoding="utf-8")
    refused(runner.invoke(app, ["classify", str(case), "--summary", str(case)]), "the input file")
    out = tmp_path / "o.jsonl"
    refused(runner.invoke(app, ["classify", str(case), "-o", str(out), "--summary", str(out)]), "the same file")
    assert case.read_text(encoding="utf-8") == CARDS and not out.exists()


def test_classify_output_onto_the_model_is_refused(runner, tmp_path):
    model = tmp_path / "m.npz"
    shutil.copy(default_model_path(), model)
    case = tmp_path / "case.txt"
    case.write_text(CARDS, encoding="utf-8")
    refused(runner.invoke(app, ["classify", str(case), "--model", str(model), "-o", str(model)]), "--model")
    assert model.read_bytes() == default_model_path().read_bytes()
