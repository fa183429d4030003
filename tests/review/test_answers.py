"""The answers file of `cybertype review`: corpus format, durable appends, resume, undo."""
import json

import pytest

from cybertype.corpus import read_corpus
from cybertype.io.inputs import InputRecord
from cybertype.result import Result
from cybertype.review.answers import Answers, make_answer


def answer(key, labels=("two_cards",), text="他把银行卡卖给收卡的人"):
    rec = InputRecord(id=key, source=f"in.jsonl:{key}", text=text)
    res = Result(id=key, labels=["two_cards"], primary="two_cards", scores={"two_cards": 0.9})
    return make_answer(key, rec, res, list(labels), None, note="seen")


def test_answers_are_corpus_records_with_note_time_and_prediction(tmp_path):
    path = tmp_path / "labels.jsonl"
    a = Answers(path)
    a.add(answer("t1"))
    a.add(answer("t2", labels=(), text="The weather is fine today"))
    a.close()
    records = read_corpus(path)
    assert [(r.id, r.labels, r.primary, r.lang) for r in records] == [
        ("t1", ["two_cards"], "two_cards", "zh"), ("t2", [], "none", "en")]
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["note"] == "seen" and first["reviewed_at"].endswith("+00:00")
    assert first["prediction"] == {"labels": ["two_cards"], "primary": "two_cards", "scores": {"two_cards": 0.9}}


def test_each_answer_is_on_disk_before_add_returns(tmp_path):
    path = tmp_path / "labels.jsonl"
    a = Answers(path)
    a.add(answer("t1"))
    assert [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()] == ["t1"]
    a.close()


def test_reopening_resumes_and_undo_removes_the_last_answer(tmp_path):
    path = tmp_path / "labels.jsonl"
    a = Answers(path)
    for key in ("t1", "t2", "t3"):
        a.add(answer(key))
    a.close()
    again = Answers(path)
    assert again.done == {"t1", "t2", "t3"}
    assert again.undo()["id"] == "t3"
    again.add(answer("t4"))
    again.close()
    assert [r.id for r in read_corpus(path)] == ["t1", "t2", "t4"]


def test_a_line_torn_by_a_kill_is_cut_off(tmp_path):
    path = tmp_path / "labels.jsonl"
    a = Answers(path)
    a.add(answer("t1"))
    a.close()
    with open(path, "ab") as fh:
        fh.write(b'{"id": "t2", "text": "half')
    b = Answers(path)
    assert b.done == {"t1"}
    b.add(answer("t3"))
    b.close()
    assert [r.id for r in read_corpus(path)] == ["t1", "t3"]


def test_a_file_that_is_not_answers_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not an answers file"):
        Answers(path)


def test_primary_falls_back_to_the_most_probable_chosen_label():
    rec = InputRecord(id="x", source="s", text="文本")
    res = Result(id="x", scores={"two_cards": 0.2, "online_gambling": 0.7})
    got = make_answer("x", rec, res, ["two_cards", "online_gambling"], "defamation")
    assert got["labels"] == ["two_cards", "online_gambling"] and got["primary"] == "online_gambling"
