"""`--resume` and the output lock (issue 12, items 4 and 6): a resumed output ends up exactly as one whole
run would have written it, or the resume is refused with exit 2 and the file is left as it was."""
import fcntl
import json
import os

import pytest

from cybertype.cli import app

from conftest import jsonl

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"
PIG = "我在婚恋网站认识一个男的，聊了两个月确定关系，他带我在一个平台买虚拟币，后来提现说要交解冻金。"
PLAIN = "周六上午九点在东门集合打扫小区卫生，请自带手套。"


@pytest.fixture
def cases(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    for i, text in enumerate([CARDS, PIG, PLAIN, CARDS]):
        (folder / f"t{i}.txt").write_text(text, encoding="utf-8")
    return folder


def batch(runner, *args):
    return runner.invoke(app, ["batch", *map(str, args), "-q", "--workers", "1"])


def test_a_second_run_on_a_locked_output_is_refused(runner, cases, tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text("", encoding="utf-8")
    with open(out, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running batch holds it
        result = batch(runner, cases, "-o", out)
    assert result.exit_code == 2
    assert "in use by another cybertype batch run" in result.output
    assert out.read_text(encoding="utf-8") == ""


def test_a_locked_sort_folder_is_refused(runner, cases, tmp_path):
    dest = tmp_path / "triage"
    dest.mkdir()
    fd = os.open(dest, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = batch(runner, cases, "-o", tmp_path / "o.jsonl", "--sort-into", dest)
    finally:
        os.close(fd)
    assert result.exit_code == 2
    assert "in use by another cybertype batch run" in result.output


def test_resume_refuses_an_output_of_another_format(runner, cases, tmp_path):
    out = tmp_path / "o.jsonl"
    assert batch(runner, cases, "-o", out).exit_code == 0
    before = out.read_bytes()
    result = batch(runner, cases, "-o", out, "--resume", "-f", "csv")
    assert result.exit_code == 2
    assert "give -f jsonl" in result.output
    assert out.read_bytes() == before


def test_resume_refuses_a_file_that_is_not_a_cybertype_output(runner, cases, tmp_path):
    out = tmp_path / "notes.jsonl"
    out.write_text('{"my": "notes"}\n{"half a line', encoding="utf-8")
    result = batch(runner, cases, "-o", out, "--resume")
    assert result.exit_code == 2
    assert "not a cybertype output" in result.output
    assert out.read_text(encoding="utf-8") == '{"my": "notes"}\n{"half a line'


@pytest.mark.parametrize("option", [["--max-bytes", "100"], ["--text-field", "body"], ["--id-field", "key"],
                                    ["--no-builtin-rules", "--rules", "RULES"]])
def test_resume_refuses_other_settings_than_the_first_run(runner, cases, tmp_path, option):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.toml").write_text('[[rule]]\nid = "my.cards"\nlabel = "two_cards"\nany = ["收卡"]\nweight = 2.0\n', encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert batch(runner, cases, "-o", out).exit_code == 0
    before = out.read_bytes()
    result = batch(runner, cases, "-o", out, "--resume", *[str(rules) if a == "RULES" else a for a in option])
    assert result.exit_code == 2
    assert "other settings" in result.output
    assert out.read_bytes() == before


def test_resume_refuses_a_damaged_middle_line(runner, cases, tmp_path):
    out = tmp_path / "o.jsonl"
    assert batch(runner, cases, "-o", out).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1][:40] + "\n"
    out.write_text("".join(lines), encoding="utf-8")
    result = batch(runner, cases, "-o", out, "--resume")
    assert result.exit_code == 2
    assert "o.jsonl:2: damaged record" in result.output
    assert out.read_text(encoding="utf-8") == "".join(lines)


def test_resume_after_a_torn_last_line_gives_one_record_per_text_and_a_whole_summary(runner, cases, tmp_path):
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.json"
    assert batch(runner, cases, "-o", out).exit_code == 0
    whole = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(whole[0] + whole[1][:30], encoding="utf-8")  # killed while writing the second record
    assert batch(runner, cases, "-o", out, "--resume", "--summary", summary).exit_code == 0
    assert out.read_text(encoding="utf-8") == "".join(whole)
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert s["texts"] == 4 and s["resumed_texts"] == 1
    assert s["primary"] == {"none": 1, "pig_butchering": 1, "two_cards": 2}


def test_resume_of_a_csv_torn_inside_a_quoted_newline_is_cut_cleanly(runner, tmp_path):
    folder = tmp_path / "rows"
    folder.mkdir()
    rows = [{"id": f"multi\nline {i}", "text": t} for i, t in enumerate([CARDS, PIG, PLAIN])]
    (folder / "r.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "o.csv"
    assert batch(runner, folder, "-o", out, "-f", "csv").exit_code == 0
    whole = out.read_bytes()
    second = whole.index(b'"multi\nline 1')
    out.write_bytes(whole[:second + 8])  # inside the quoted id, just after its newline
    assert batch(runner, folder, "-o", out, "-f", "csv", "--resume").exit_code == 0
    assert out.read_bytes() == whole


def test_csv_with_lone_surrogates_in_ids_and_names_keeps_every_record_and_resumes(runner, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "r.jsonl").write_text('{"id": "bad\\ud800id", "text": "%s"}\n{"id": "ok", "text": "%s"}\n'
                                    % (CARDS, PLAIN), encoding="utf-8")
    (folder / os.fsdecode(b"name\xff.txt")).write_text(PIG, encoding="utf-8")
    (folder / "z.txt").write_text(CARDS, encoding="utf-8")
    out = tmp_path / "o.csv"
    result = batch(runner, folder, "-o", out, "-f", "csv")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "bad\\ud800id" in text and "name\\udcff.txt" in text and "z.txt" in text
    assert text.count("lone surrogate(s) in the id or source written as") == 2
    assert batch(runner, folder, "-o", out, "-f", "csv", "--resume").exit_code == 0
    assert out.read_text(encoding="utf-8") == text  # nothing done twice


def test_jsonl_resume_with_lone_surrogates_does_nothing_twice(runner, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / os.fsdecode(b"name\xff.txt")).write_text(PIG, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert batch(runner, folder, "-o", out).exit_code == 0
    first = out.read_text(encoding="utf-8")
    assert batch(runner, folder, "-o", out, "--resume").exit_code == 0
    assert out.read_text(encoding="utf-8") == first
    assert [r["source"] for r in jsonl(first)] == [os.fsdecode(b"name\xff.txt")]


def test_resume_with_skip_none_does_not_redo_the_texts_left_out(runner, cases, tmp_path):
    (cases / "rows.jsonl").write_text(json.dumps({"id": "q1", "text": PLAIN}, ensure_ascii=False) + "\n"
                                      + json.dumps({"id": "q2", "text": PIG}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.json"
    assert batch(runner, cases, "-o", out, "--skip-none").exit_code == 0
    first = out.read_text(encoding="utf-8")
    assert [r["source"] for r in jsonl(first)] == ["rows.jsonl:2", "t0.txt", "t1.txt", "t3.txt"]
    # Were the texts left out done again, they would now be labeled two_cards and written.
    (cases / "t2.txt").write_text(CARDS, encoding="utf-8")
    (cases / "rows.jsonl").write_text(json.dumps({"id": "q1", "text": CARDS}, ensure_ascii=False) + "\n"
                                      + json.dumps({"id": "q2", "text": PIG}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    assert batch(runner, cases, "-o", out, "--skip-none", "--resume", "--summary", summary).exit_code == 0
    assert out.read_text(encoding="utf-8") == first
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert (s["texts"], s["resumed_texts"], s["none_left_out"]) == (6, 6, 2)
    assert s["primary"] == {"none": 2, "pig_butchering": 2, "two_cards": 2}


def test_a_fresh_run_forgets_the_texts_an_earlier_run_left_out(runner, cases, tmp_path):
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.json"
    assert batch(runner, cases, "-o", out, "--skip-none").exit_code == 0
    assert batch(runner, cases, "-o", out, "--skip-none").exit_code == 0  # not --resume: starts afresh
    assert batch(runner, cases, "-o", out, "--skip-none", "--resume", "--summary", summary).exit_code == 0
    s = json.loads(summary.read_text(encoding="utf-8"))
    assert (s["texts"], s["none_left_out"]) == (4, 1)
    assert len(jsonl(out.read_text(encoding="utf-8"))) == 3
