"""Hardening: bad input, hostile rule files, unsafe model files, pipes, signals, no tracebacks.

Each test is an example of something a user can meet, and what they see: an error record with its
line number (exit 1), or one line on stderr (exit 2), and never a traceback.
"""
import io
import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cybertype.io import inputs, outputs
from cybertype.model import linear as M
from cybertype.cli import app

from conftest import jsonl, write_rules

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"
PIG = "我在婚恋网站认识一个男的，聊了两个月确定关系，他带我在一个平台买虚拟币，后来提现说要交解冻金。"
CLI = [sys.executable, "-m", "cybertype"]


def line(**obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def classify(runner, *args, input=None):
    """Run `cybertype classify ARGS -f jsonl`; return (exit code, records, stderr)."""
    result = runner.invoke(app, ["classify", *map(str, args), "-f", "jsonl"], input=input)
    return result.exit_code, jsonl(result.stdout), result.stderr


def run(*args, input: bytes = b"", env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], input=input, capture_output=True, timeout=timeout, env=env)


def errors(records) -> list[tuple]:
    return [(r["error"]["type"], r["error"]["line"]) for r in records if r["error"]]


def assert_evidence_in_place(record, text):
    for e in record["evidence"]:
        assert text[e["start"]:e["end"]] == e["match"]


# ---------------------------------------------------------------- inputs


def test_binary_file_is_an_error_record_and_the_good_file_is_still_labeled(runner, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(CARDS, encoding="utf-8")
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    code, records, stderr = classify(runner, good, png)
    assert code == 1
    assert records[0]["primary"] == "two_cards"
    assert records[1]["error"]["type"] == "DecodeError" and records[1]["labels"] == []
    assert "1 input(s) could not be classified" in stderr and "Traceback" not in stderr


def test_invalid_bytes_in_utf8_file_are_replaced_labeled_and_noted(runner, tmp_path):
    p = tmp_path / "report.txt"
    p.write_bytes(CARDS.encode() + b" \xff\xfe " + PIG.encode())
    code, [record], _ = classify(runner, p)
    assert code == 0
    assert {"two_cards", "pig_butchering"} <= set(record["labels"])
    assert any("invalid UTF-8" in w and "replaced" in w for w in record["warnings"])
    text = p.read_bytes().decode("utf-8", errors="replace")
    assert_evidence_in_place(record, text)


def test_invalid_bytes_in_one_jsonl_line_are_noted_on_that_record_only(runner, tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(b'{"id": "clean", "text": "' + CARDS.encode() + b'"}\n'
                  b'{"id": "dirty", "text": "' + CARDS.encode() + b'\xff"}\n')
    code, [clean, dirty], _ = classify(runner, p)
    assert code == 0
    assert clean["warnings"] == []
    assert dirty["warnings"] == ["1 invalid UTF-8 byte sequence(s) replaced with U+FFFD"]
    assert dirty["primary"] == "two_cards"


def test_nul_bytes_inside_text_are_kept_and_offsets_still_fit(runner, tmp_path):
    text = "他说\x00" + CARDS
    p = tmp_path / "nul.txt"
    p.write_bytes(text.encode())
    code, [record], _ = classify(runner, p)
    assert code == 0 and record["primary"] == "two_cards"
    assert_evidence_in_place(record, text)
    escaped = tmp_path / "nul.jsonl"  # a NUL escaped inside JSON
    escaped.write_text(line(id="n", text=text) + "\n", encoding="utf-8")
    code, [record], _ = classify(runner, escaped)
    assert code == 0 and record["primary"] == "two_cards"


def test_mixed_newlines_in_jsonl_give_one_record_per_line_with_its_number(runner, tmp_path):
    p = tmp_path / "mixed.jsonl"
    p.write_bytes("\r\n".join([line(id="a", text=CARDS), line(id="b", text=PIG)]).encode() + b"\r"
                  + line(id="c", text="今天天气很好").encode() + b"\n" + b"{broken\n")
    code, records, _ = classify(runner, p)
    assert code == 1
    assert [r["id"] for r in records[:3]] == ["a", "b", "c"]
    assert [r["source"] for r in records] == [f"{p}:{n}" for n in (1, 2, 3, 4)]
    assert errors(records) == [("InvalidJSON", 4)]


def test_unicode_line_separators_inside_json_strings_do_not_split_records(runner, tmp_path):
    text = CARDS + "\u2028第二段\u2029第三段\x85完"  # JSON allows these unescaped
    p = tmp_path / "seps.jsonl"
    p.write_text(line(id="a", text=text) + "\n", encoding="utf-8")
    code, [record], _ = classify(runner, p)
    assert code == 0 and record["id"] == "a" and record["primary"] == "two_cards"


def test_mixed_newlines_in_text_keep_offsets(runner, tmp_path):
    text = "第一行\r\n第二行\r" + CARDS + "\n完"
    p = tmp_path / "lines.txt"
    p.write_bytes(text.encode())
    code, [record], _ = classify(runner, p)
    assert code == 0 and record["primary"] == "two_cards"
    assert_evidence_in_place(record, text)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_byte_order_marks_are_honored_and_not_counted_in_offsets(runner, tmp_path, encoding):
    p = tmp_path / "bom.txt"
    data = CARDS.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    p.write_bytes(data)
    code, [record], _ = classify(runner, p)
    assert code == 0 and record["primary"] == "two_cards"
    assert_evidence_in_place(record, CARDS)


def test_bom_in_jsonl_and_csv_files(runner, tmp_path):
    j = tmp_path / "bom.jsonl"
    j.write_bytes(b"\xef\xbb\xbf" + (line(id="j", text=CARDS) + "\n").encode())
    c = tmp_path / "bom.csv"
    c.write_bytes(b"\xef\xbb\xbfid,text\nc," + CARDS.encode() + b"\n")
    code, records, _ = classify(runner, j, c)
    assert code == 0
    assert [(r["id"], r["primary"]) for r in records] == [("j", "two_cards"), ("c", "two_cards")]


def test_jsonl_with_every_kind_of_bad_line(runner, tmp_path):
    p = tmp_path / "cases.jsonl"
    p.write_text("\n".join([
        line(id="ok-1", text=CARDS),
        '{"id": "x", "text": ',                   # 2: broken JSON
        "[1, 2]",                                 # 3: not an object
        '"x"',                                    # 4: not an object
        line(id="no-text", body=CARDS),           # 5: missing text field
        line(id="num", text=42),                  # 6: text is not a string
        "[" * 100_000,                            # 7: nested far too deep
        '{"text": ' + "[" * 100_000,              # 8: nested inside an object
        "",                                       # blank lines are skipped
        line(id="ok-2", text=PIG),
    ]) + "\n", encoding="utf-8")
    code, records, stderr = classify(runner, p)
    assert code == 1
    assert [(r["id"], r["primary"]) for r in records if not r["error"]] == [
        ("ok-1", "two_cards"), ("ok-2", "pig_butchering")]
    assert errors(records) == [("InvalidJSON", 2), ("InvalidRecord", 3), ("InvalidRecord", 4),
                               ("MissingField", 5), ("InvalidRecord", 6), ("InvalidJSON", 7), ("InvalidJSON", 8)]
    deep = [r for r in records if r["error"] and r["error"]["line"] == 7][0]
    assert "nested too deeply" in deep["error"]["message"]
    assert records[2]["source"] == f"{p}:3"
    assert "7 input(s) could not be classified" in stderr


def test_overlong_jsonl_line_is_refused_and_reading_goes_on(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_LINE_CHARS", 50_000)
    p = tmp_path / "long.jsonl"
    p.write_text(line(id="big", text="长" * 60_000) + "\n" + line(id="next", text=CARDS) + "\n", encoding="utf-8")
    code, [big, nxt], _ = classify(runner, p)
    assert code == 1
    assert big["error"]["type"] == "InvalidJSON" and big["error"]["line"] == 1
    assert "longer than" in big["error"]["message"]
    assert nxt["primary"] == "two_cards"


def test_long_jsonl_line_within_the_limit_is_labeled(runner, tmp_path):
    text = "无关的内容。" * 50_000 + CARDS  # 300k characters
    p = tmp_path / "long.jsonl"
    p.write_text(line(id="long", text=text) + "\n", encoding="utf-8")
    code, [record], _ = classify(runner, p, "--no-model")
    assert code == 0 and "two_cards" in record["labels"]
    assert_evidence_in_place(record, text)


def test_csv_with_odd_quoting_and_a_missing_column(runner, tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text(
        "id,text,channel\n"
        f'a,"{CARDS}",web\n'                      # 2: fine
        'b,"he said ""hi"" twice",web\n'          # 3: doubled quotes are fine
        'c,"closed"then more,web\n'               # 4: text after a closing quote
        "d\n"                                     # 5: no text column
        f'e,"{PIG}\n第二行",app\n'                # 6-7: a quoted newline is fine
        f'f,"never closed,web\n',                 # 8: quote never closed
        encoding="utf-8")
    code, records, _ = classify(runner, p)
    assert code == 1
    assert [(r["id"], r["primary"]) for r in records if not r["error"]] == [
        ("a", "two_cards"), ("b", "none"), ("e", "pig_butchering")]
    assert errors(records) == [("InvalidCSV", 4), ("MissingField", 5), ("InvalidCSV", 8)]


def test_broken_csv_row_does_not_swallow_the_rows_after_it(runner, tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text(f'id,text\na,"unterminated\nb,{CARDS}\nc,{PIG}\n', encoding="utf-8")
    code, records, _ = classify(runner, p)
    assert code == 1
    assert errors(records) == [("InvalidCSV", 2)]
    assert [(r["id"], r["primary"]) for r in records[1:]] == [("b", "two_cards"), ("c", "pig_butchering")]


@pytest.mark.parametrize("name, content", [
    ("empty.txt", b""),
    ("blank.txt", b"  \n\r\n\t "),
    ("empty.jsonl", b""),
    ("blank.jsonl", b"\n\n  \n"),
    ("header-only.csv", b"id,text\n"),
    ("empty.csv", b""),
    ("empty-list.json", b"[]"),
])
def test_empty_input_file_is_an_error_record(runner, tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    code, [record], stderr = classify(runner, p)
    assert code == 1
    assert record["error"]["type"] == "EmptyInput" and record["labels"] == []
    assert "Traceback" not in stderr


@pytest.mark.parametrize("input_format", [[], ["--input-format", "jsonl"]])
def test_empty_stdin_is_an_error_record_exit_1(input_format):
    proc = run("classify", "-", "-f", "jsonl", *input_format, input=b"")
    assert proc.returncode == 1, proc.stderr
    [record] = jsonl(proc.stdout.decode())
    assert record["error"]["type"] == "EmptyInput" and record["source"] == "-"
    assert proc.stderr.decode().count("\n") == 1 and b"Traceback" not in proc.stderr


def test_stdin_jsonl_with_bad_lines_through_a_real_pipe():
    data = "\n".join([
        line(id="a", text=CARDS), "{oops", "[1,2]", line(id="d", body="x"), "[" * 100_000, line(id="f", text=PIG),
    ]).encode() + b"\r\n" + line(id="g", text=CARDS).encode()[:-2] + b'\xff"}\n'
    proc = run("classify", "-", "--input-format", "jsonl", input=data)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr
    records = jsonl(proc.stdout.decode())
    assert [(r["id"], r["primary"]) for r in records if not r["error"]] == [
        ("a", "two_cards"), ("f", "pig_butchering"), ("g", "two_cards")]
    assert errors(records) == [("InvalidJSON", 2), ("InvalidRecord", 3), ("MissingField", 4), ("InvalidJSON", 5)]
    assert records[-1]["warnings"] == ["1 invalid UTF-8 byte sequence(s) replaced with U+FFFD"]
    assert records[-1]["source"] == "-:7"


def test_stdin_auto_decides_from_the_first_line(runner):
    objects = line(id="a", text=CARDS) + "\n\n" + line(id="b", text=PIG) + "\n"
    code, records, _ = classify(runner, "-", input=objects)
    assert code == 0
    assert [(r["id"], r["primary"]) for r in records] == [("a", "two_cards"), ("b", "pig_butchering")]
    code, records, _ = classify(runner, "-", input=objects + "[1, 2]\n")  # first line an object: JSON Lines
    assert code == 1
    assert [(r["id"], r["primary"]) for r in records[:2]] == [("a", "two_cards"), ("b", "pig_butchering")]
    assert records[2]["error"]["type"] == "InvalidRecord" and records[2]["source"] == "-:4"
    code, [record], _ = classify(runner, "-", input="a plain first line\n" + objects)  # else one text
    assert code == 0
    assert record["id"] == "stdin" and record["source"] == "-" and "two_cards" in record["labels"]


def test_binary_stdin_is_an_error_record():
    proc = run("classify", "-", input=bytes(range(256)) * 16)
    assert proc.returncode == 1
    [record] = jsonl(proc.stdout.decode())
    assert record["error"]["type"] == "DecodeError"
    assert b"Traceback" not in proc.stderr


def test_lone_surrogates_from_json_escapes_are_written_as_valid_json(runner, tmp_path):
    p = tmp_path / "sur.jsonl"
    p.write_text('{"id": "s\\ud800", "text": "银\\udc00行卡出租给别人"}\n', encoding="utf-8")
    for fmt in ("csv", "table"):
        result = runner.invoke(app, ["classify", str(p), "-f", fmt])
        assert result.exit_code == 0, result.output
    proc = run("classify", p, "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr
    [record] = [json.loads(x) for x in proc.stdout.decode("utf-8").splitlines()]
    text = "银\udc00行卡出租给别人"
    assert record["id"] == "s\ud800" and record["primary"] == "two_cards"
    assert_evidence_in_place(record, text)


def test_table_never_sends_escape_sequences_or_markup_from_the_input_to_the_terminal(runner, tmp_path):
    p = tmp_path / "esc.jsonl"
    p.write_text(line(id="\x1b]52;c;cGF5bG9hZA==\x07[link=http://evil.example]x[/link]",
                      text="\x1b[2J\u202e" + CARDS) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "-f", "table", "--explain"])
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b]52" in result.stdout and "\\x1b[2J" in result.stdout  # shown, harmlessly
    assert "[link=http://evil.example]" in result.stdout.replace("\n", "").replace("│", "").replace(" ", "")


# ---------------------------------------------------------------- exit codes through the real entry point


def test_real_exit_codes_0_1_2(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(CARDS, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert run("classify", good).returncode == 0
    assert run("classify", good, empty).returncode == 1
    assert run("classify", good, "--format", "yaml").returncode == 2
    bad_rules = write_rules(tmp_path / "rules", '[[rule]]\nid = "x.y"\n')
    proc = run("rules", "check", bad_rules)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr


# ---------------------------------------------------------------- pipes and signals


def many_records(path: Path, n: int) -> Path:
    path.write_text("".join(line(id=str(i), text=CARDS) + "\n" for i in range(n)), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "table"])  # streamed, and written at the end
def test_closed_pipe_ends_quietly(tmp_path, fmt):
    src = many_records(tmp_path / "many.jsonl", 400)  # far more output than a pipe buffer holds
    cmd = f"{sys.executable} -m cybertype classify {src} -f {fmt} | head -1; echo \"status=${{PIPESTATUS[0]}}\" >&2"
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=120)
    assert proc.stdout.count(b"\n") == 1
    assert proc.stderr.decode().strip() == "status=0"  # no traceback, no 'Exception ignored', exit 0


def test_sigint_keeps_every_record_written_so_far_complete(tmp_path):
    proc = subprocess.Popen([*CLI, "classify", "-", "--input-format", "jsonl", "-f", "jsonl"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    record = (line(id="r", text=CARDS * 3) + "\n").encode()

    def feed():  # an endless stream: the run can only end by the signal
        try:
            while True:
                proc.stdin.write(record * 50)
        except (BrokenPipeError, ValueError, OSError):
            pass

    chunks: list[bytes] = []
    started = threading.Event()

    def drain():  # read stdout as it comes, so the run is never held up by a full pipe
        while data := os.read(proc.stdout.fileno(), 1 << 16):
            chunks.append(data)
            started.set()

    threading.Thread(target=feed, daemon=True).start()
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    assert started.wait(60)  # labeling has started
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    reader.join(10)
    err = proc.stderr.read()
    out = b"".join(chunks).decode()
    assert proc.returncode == 130
    assert err.decode() == "cybertype: interrupted\n"
    assert out.endswith("\n")
    lines = out.splitlines()
    assert len(lines) >= 1
    assert all(json.loads(x)["primary"] == "two_cards" for x in lines)


# ---------------------------------------------------------------- rule files

RULE = '[[rule]]\nid = "my.rule"\nlabel = "two_cards"\nweight = 2.0\n'


@pytest.mark.parametrize("name, body, expected", [
    ("malformed", '[[rule]\nid = "my.rule"\n', ["bad.toml", "cannot read rule file"]),
    ("unknown field", RULE + 'any = ["收卡"]\ncolour = "red"\n', ["bad.toml", "my.rule", "field colour"]),
    ("wrong label", RULE.replace("two_cards", "phishing") + 'any = ["收卡"]\n',
     ["bad.toml", "my.rule", "field label", "unknown label 'phishing'"]),
    ("weight not a number", RULE.replace("2.0", '"heavy"') + 'any = ["收卡"]\n', ["bad.toml", "my.rule", "field weight"]),
    ("weight nan", RULE.replace("2.0", "nan") + 'any = ["收卡"]\n', ["my.rule", "field weight", "finite"]),
    ("empty any", RULE + "any = []\n", ["bad.toml", "my.rule", "field any", "empty list"]),
    ("empty all group", RULE + 'all = [["银行卡"], []]\n', ["bad.toml", "my.rule", "field all.1"]),
    ("empty none", RULE + 'any = ["收卡"]\nnone = []\n', ["bad.toml", "my.rule", "field none"]),
    ("empty keyword", RULE + 'any = [""]\n', ["bad.toml", "my.rule", "field any"]),
    ("no condition", RULE, ["bad.toml", "my.rule", "any", "regex"]),
    ("bad regex", RULE + "regex = ['(unclosed']\n", ["bad.toml", "my.rule", "field regex", "not valid RE2"]),
    ("backreference", RULE + "regex = ['(a)\\1']\n", ["bad.toml", "my.rule", "field regex"]),
    ("lookbehind", RULE + "regex = ['(?<=a)b']\n", ["bad.toml", "my.rule", "field regex"]),
    ("not a table", "rule = [1, 2]\n", ["bad.toml", "rule #1"]),
    ("not utf-8", None, ["bad.toml", "cannot read rule file"]),
])
def test_bad_rule_file_exits_2_naming_file_rule_and_field(runner, tmp_path, name, body, expected):
    folder = tmp_path / "rules"
    folder.mkdir()
    if body is None:
        (folder / "bad.toml").write_bytes(RULE.encode() + b'description = "\xff"\nany = ["x"]\n')
    else:
        (folder / "bad.toml").write_text(body, encoding="utf-8")
    p = tmp_path / "a.txt"
    p.write_text(CARDS, encoding="utf-8")
    for args in (["rules", "check", str(folder)], ["classify", str(p), "--rules", str(folder)],
                 ["rules", "list", "--rules", str(folder)], ["rules", "test", "--rules", str(folder)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        first = result.stderr.splitlines()[0]
        for part in expected:
            assert part in result.stderr, (part, result.stderr)
        assert first.startswith("cybertype: rule error: ")


def test_duplicate_rule_ids_across_files_and_folders(runner, tmp_path):
    one = write_rules(tmp_path / "one", RULE + 'any = ["收卡"]\n', name="a.toml")
    write_rules(one, RULE + 'any = ["卖卡"]\n', name="b.toml")
    result = runner.invoke(app, ["rules", "check", str(one)])
    assert result.exit_code == 2
    assert "b.toml: rule my.rule: field id: duplicate id (also in" in result.stderr and "a.toml" in result.stderr
    other = write_rules(tmp_path / "other", RULE.replace("my.rule", "pb.scheme-name") + 'any = ["收卡"]\n')
    result = runner.invoke(app, ["classify", "-", "--rules", str(other)], input="x")
    assert result.exit_code == 2
    assert "rule pb.scheme-name: field id: duplicate id" in result.stderr  # clashes with a built-in rule


def test_every_problem_in_every_file_is_reported_at_once(runner, tmp_path):
    folder = write_rules(tmp_path / "rules", RULE + 'any = ["收卡"]\nweight = 1\n', name="a.toml")  # key twice
    write_rules(folder, RULE.replace("two_cards", "nope") + 'any = ["x"]\n', name="b.toml")
    result = runner.invoke(app, ["rules", "check", str(folder)])
    assert result.exit_code == 2
    assert "a.toml" in result.stderr and "b.toml" in result.stderr


def test_missing_rules_folder_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["rules", "check", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such rule file or folder" in result.stderr


def test_catastrophic_backtracking_regex_returns_quickly(tmp_path):
    # `(a+)+$` on "aaaa…ab" takes exponential time in Python's `re`: with RE2 it is linear.
    folder = write_rules(tmp_path / "rules", RULE + "regex = ['(a+)+$']\n")
    data = tmp_path / "in.jsonl"
    data.write_text(line(id="no", text="a" * 100_000 + "b") + "\n" + line(id="yes", text="a" * 100_000) + "\n")
    proc = run("classify", data, "--rules", folder, "--no-builtin-rules", "--no-model", "-f", "jsonl", timeout=60)
    assert proc.returncode == 0, proc.stderr
    no, yes = jsonl(proc.stdout.decode())
    assert no["evidence"] == []
    assert [(e["rule"], e["start"], e["end"]) for e in yes["evidence"]] == [("my.rule", 0, 100_000)]


# ---------------------------------------------------------------- model files


@pytest.fixture()
def text_file(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(CARDS, encoding="utf-8")
    return p


def refused(runner, text_file, model_path, *phrases):
    result = runner.invoke(app, ["classify", str(text_file), "--model", str(model_path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"cybertype: {model_path}: ")
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    return result.stderr


def rewrite_member(src: Path, dst: Path, member: str, change) -> None:
    """Copy a model archive, passing the bytes of one member through `change` (CRC recomputed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(data) if info.filename == member else data)


def test_truncated_model_is_refused(runner, tmp_path, text_file):
    for size in (10, 20_000, M.default_model_path().stat().st_size - 100):
        p = tmp_path / f"cut-{size}.npz"
        p.write_bytes(M.default_model_path().read_bytes()[:size])
        refused(runner, text_file, p, "not a readable cybertype model")


def test_tampered_array_fails_the_checksum(runner, tmp_path, text_file):
    p = tmp_path / "tampered.npz"

    def flip(data: bytes) -> bytes:
        b = bytearray(data)
        for k in range(-400, -100, 30):
            b[k] ^= 0x55
        return bytes(b)

    rewrite_member(M.default_model_path(), p, "coef.npy", flip)
    refused(runner, text_file, p, "checksum mismatch")


def test_flipped_bytes_in_the_file_are_caught(runner, tmp_path, text_file):
    data = bytearray(M.default_model_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    p = tmp_path / "flipped.npz"
    p.write_bytes(bytes(data))
    refused(runner, text_file, p, "not a readable cybertype model")


class _Plant:
    """Unpickling this would create the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickle_model_is_refused_and_never_run(runner, tmp_path, text_file):
    marker = tmp_path / "PWNED"
    p = tmp_path / "evil.npz"
    p.write_bytes(pickle.dumps(_Plant(marker)))
    assert pickle.loads(p.read_bytes()) is None and marker.exists()  # the payload really works...
    marker.unlink()
    refused(runner, text_file, p, "pickle", "never loads")
    assert not marker.exists()  # ...but cybertype never ran it


def test_object_arrays_inside_a_model_archive_are_refused_and_never_run(runner, tmp_path, text_file):
    marker = tmp_path / "PWNED"
    p = tmp_path / "evil.npz"
    with zipfile.ZipFile(p, "w") as zf:
        for name in ("vocab", "idf", "coef", "intercept", "meta"):
            buf = io.BytesIO()
            np.save(buf, np.array([_Plant(marker)], dtype=object), allow_pickle=True)
            zf.writestr(f"{name}.npy", buf.getvalue())
    refused(runner, text_file, p, "pickled Python objects")
    assert not marker.exists()


def test_random_bytes_and_other_files_are_refused(runner, tmp_path, text_file):
    rng = np.random.default_rng(0)
    cases = {
        "random.npz": rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "empty.npz": b"",
        "text.npz": "这不是模型".encode(),
        "empty-zip.npz": b"PK\x05\x06" + b"\x00" * 18,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        refused(runner, text_file, tmp_path / name, "cybertype model")
    single = tmp_path / "single.npz"
    with open(single, "wb") as fh:
        np.save(fh, np.zeros(3))
    refused(runner, text_file, single, "single .npy array")
    result = runner.invoke(app, ["classify", str(text_file), "--model", str(tmp_path / "missing.npz")])
    assert result.exit_code == 2 and "model file not found" in result.stderr


def test_model_of_another_format_version_is_refused(runner, tmp_path, text_file, monkeypatch):
    m = M.load(M.default_model_path())
    monkeypatch.setattr(M, "FORMAT_VERSION", 2)  # as a future cybertype would write it
    M.save(m, tmp_path / "v2.npz")
    monkeypatch.undo()
    refused(runner, text_file, tmp_path / "v2.npz", "format version 2", "reads version 1")


def test_model_with_bad_metadata_but_a_valid_checksum_is_refused(runner, tmp_path, text_file):
    """The checksum covers the arrays; the metadata (fusion weights, labels) is checked field by field."""
    m = M.load(M.default_model_path())
    m.meta["fusion"] = dict(m.meta["fusion"], two_cards={"a": "x", "b": 1, "c": 0, "threshold": 0.5})
    M.save(m, tmp_path / "fusion.npz")
    refused(runner, text_file, tmp_path / "fusion.npz", "bad fusion parameters for 'two_cards'")
    m = M.load(M.default_model_path())
    m.coef = m.coef.copy()
    m.coef[0, 0] = np.nan
    M.save(m, tmp_path / "nan.npz")
    refused(runner, text_file, tmp_path / "nan.npz", "NaN or infinite")
    m = M.load(M.default_model_path())
    m.labels = ["phishing"] + m.labels[1:]
    M.save(m, tmp_path / "labels.npz")
    refused(runner, text_file, tmp_path / "labels.npz", "unknown labels")


def test_the_shipped_model_still_loads_and_round_trips(tmp_path):
    m = M.load(M.default_model_path())
    M.save(m, tmp_path / "copy.npz")
    again = M.load(tmp_path / "copy.npz")
    assert again.vocab == m.vocab and np.array_equal(again.coef, m.coef)


# ---------------------------------------------------------------- outputs


def test_batch_output_never_overwrites_an_input(runner, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.txt").write_text(CARDS, encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(folder / "a.txt")
    for target in (folder / "a.txt", tmp_path / "link.jsonl"):
        result = runner.invoke(app, ["batch", str(folder), "-o", str(target), "-q"])
        assert result.exit_code == 2
        assert "refusing to overwrite input file" in result.stderr
        assert (folder / "a.txt").read_text(encoding="utf-8") == CARDS


def test_batch_output_that_is_a_hard_link_to_an_input_is_refused(runner, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.txt").write_text(CARDS, encoding="utf-8")
    os.link(folder / "a.txt", tmp_path / "hard.jsonl")
    result = runner.invoke(app, ["batch", str(folder), "-o", str(tmp_path / "hard.jsonl"), "-q"])
    assert (folder / "a.txt").read_text(encoding="utf-8") == CARDS
    assert result.exit_code == 2


def test_batch_summary_cannot_overwrite_an_input(runner, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.txt").write_text(CARDS, encoding="utf-8")
    result = runner.invoke(app, ["batch", str(folder), "-o", str(tmp_path / "out.jsonl"), "-q",
                                 "--summary", str(folder / "a.txt")])
    assert result.exit_code == 2
    assert (folder / "a.txt").read_text(encoding="utf-8") == CARDS


def test_atomic_output_failure_midway_keeps_the_old_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old content", encoding="utf-8")
    for exc in (RuntimeError("disk on fire"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with outputs.atomic_output(target) as fh:
                fh.write("new content, half writ")
                fh.flush()
                raise exc
        assert target.read_text(encoding="utf-8") == "old content"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_atomic_output_replaces_on_success_and_keeps_the_mode(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    with outputs.atomic_output(target) as fh:
        fh.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.json"
    with outputs.atomic_output(fresh) as fh:
        fh.write("{}")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask  # like a plain open(), not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.json", "summary.json"]


def test_atomic_output_refuses_an_input_even_through_a_hard_link(tmp_path):
    source = tmp_path / "input.txt"
    source.write_text(CARDS, encoding="utf-8")
    os.link(source, tmp_path / "alias.txt")
    for target in (source, tmp_path / "alias.txt"):
        with pytest.raises(ValueError, match="refusing to overwrite input file"):
            with outputs.atomic_output(target, protected=[source]) as fh:
                fh.write("x")
    assert source.read_text(encoding="utf-8") == CARDS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alias.txt", "input.txt"]


# ---------------------------------------------------------------- no tracebacks, --debug, no local variables

SECRET = "受害人张三的身份证号"


def crash_script(debug: bool) -> str:
    """Run the CLI with a classifier that fails unexpectedly while the incident text is in a local variable."""
    return (
        "import sys\n"
        "from cybertype import classifier\n"
        "def broken(self, texts, **kw):\n"
        "    incident_text = list(texts)[0]\n"
        "    raise RuntimeError('model exploded')\n"
        "    yield\n"
        "classifier.Classifier.classify_many = broken\n"
        "from cybertype.cli import main\n"
        f"sys.argv = ['cybertype', {'--debug' if debug else ''!r}, 'classify', sys.argv[1], '-f', 'jsonl']\n"
        "sys.argv = [a for a in sys.argv if a]\n"
        "main()\n"
    )


def test_unexpected_error_is_one_line_without_traceback_or_locals(tmp_path):
    p = tmp_path / "case.txt"
    p.write_text(SECRET, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", crash_script(False), str(p)], capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 3
    assert err == "cybertype: unexpected error: RuntimeError: model exploded (run with --debug for details)\n"
    assert SECRET not in err


def test_debug_shows_the_traceback_but_never_local_variables(tmp_path):
    p = tmp_path / "case.txt"
    p.write_text(SECRET, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", crash_script(True), str(p)], capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in err and "RuntimeError: model exploded" in err
    assert SECRET not in err
    assert app.pretty_exceptions_enable is False


def test_configuration_errors_show_a_traceback_only_with_debug(tmp_path):
    bad = tmp_path / "m.npz"
    bad.write_bytes(b"garbage")
    p = tmp_path / "a.txt"
    p.write_text(CARDS, encoding="utf-8")
    plain = run("classify", p, "--model", bad)
    assert plain.returncode == 2 and b"Traceback" not in plain.stderr
    assert plain.stderr.decode().count("\n") == 1
    debug = run("--debug", "classify", p, "--model", bad)
    assert debug.returncode != 0 and b"Traceback" in debug.stderr and b"ModelError" in debug.stderr


# ---------------------------------------------------------------- no cache files


def test_classify_writes_no_cache_files(tmp_path):
    """Segmentation keeps its dictionary in memory: a run leaves nothing in the cache folders or the temp folder."""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path / "tmp"))
    for name in ("xdg", "home", "tmp"):
        (tmp_path / name).mkdir()
    proc = subprocess.run([sys.executable, "-m", "cybertype", "classify", "-", "--format", "json"],
                          input="他把名下银行卡卖给收卡的人".encode(), capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b"two_cards" in proc.stdout
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["home", "tmp", "xdg"]
    assert b"jieba" not in proc.stderr

