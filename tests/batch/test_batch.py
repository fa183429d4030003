import json
import os
import signal
import subprocess
import sys
import time

import pytest

import cybertype
from cybertype.batch.run import sort_into
from cybertype.batch.walk import walk
from cybertype.cli import app

from conftest import jsonl

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"
PIG = "我在婚恋网站认识一个男的，聊了两个月确定关系，他带我在一个平台买虚拟币，后来提现说要交解冻金。"
PLAIN = "周六上午九点在东门集合打扫小区卫生，请自带手套。"


@pytest.fixture
def tree(tmp_path):
    """Nested folders, mixed encodings, an empty file, a binary file, a symlink loop, a bad JSONL line."""
    root = tmp_path / "dump"
    (root / "a" / "deep").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "ignored.txt").write_text(CARDS, encoding="utf-8")
    (root / "a" / "utf8.txt").write_text(CARDS, encoding="utf-8")
    (root / "a" / "gbk.txt").write_bytes(PIG.encode("gb18030"))
    (root / "a" / "deep" / "utf16.md").write_bytes(PLAIN.encode("utf-16"))
    (root / "a" / "deep" / "big5.txt").write_bytes("出租銀行卡給別人跑分，每天收四百元租金".encode("big5"))
    (root / "empty.txt").write_bytes(b"")
    (root / "blob.txt").write_bytes(bytes(range(256)) * 16)
    (root / "skip.log").write_text(CARDS, encoding="utf-8")
    (root / "rows.jsonl").write_text(
        json.dumps({"id": "r1", "text": PIG}, ensure_ascii=False) + "\n{not json\n"
        + json.dumps({"id": "r3", "text": PLAIN}, ensure_ascii=False) + "\n", encoding="utf-8")
    os.symlink(root, root / "a" / "loop")
    return root


def expected_sources():
    return ["a/deep/big5.txt", "a/deep/utf16.md", "a/gbk.txt", "a/utf8.txt", "blob.txt", "empty.txt",
            "rows.jsonl:1", "rows.jsonl:2", "rows.jsonl:3"]


def test_walk_is_sorted_skips_hidden_and_symlinked_folders(tree):
    items = list(walk([tree]))
    assert [i.source for i in items] == ["a/deep/big5.txt", "a/deep/utf16.md", "a/gbk.txt", "a/utf8.txt",
                                         "blob.txt", "empty.txt", "rows.jsonl"]


def test_glob_and_exclude(tree):
    assert [i.source for i in walk([tree], globs=["*.md"])] == ["a/deep/utf16.md"]
    assert "a/gbk.txt" not in [i.source for i in walk([tree], excludes=["gbk.*"])]
    assert not any(i.source.startswith("a/deep") for i in walk([tree], excludes=["a/deep"]))


def test_every_file_accounted_for_once(runner, tree, tmp_path):
    out = tmp_path / "out.jsonl"
    summary = tmp_path / "summary.json"
    result = runner.invoke(app, ["batch", str(tree), "-o", str(out), "--workers", "2", "--summary", str(summary)])
    assert result.exit_code == 1  # the empty file, the binary file and the broken line are errors
    records = jsonl(out.read_text(encoding="utf-8"))
    assert [r["source"] for r in records] == expected_sources()
    by_source = {r["source"]: r for r in records}
    assert by_source["a/utf8.txt"]["primary"] == "two_cards"
    assert by_source["a/gbk.txt"]["primary"] == "pig_butchering"
    assert by_source["a/deep/big5.txt"]["primary"] == "two_cards"
    assert by_source["a/deep/utf16.md"]["labels"] == []
    assert by_source["blob.txt"]["error"]["type"] == "DecodeError"
    assert by_source["empty.txt"]["error"]["type"] == "EmptyInput"
    assert by_source["rows.jsonl:2"]["error"] == {"type": "InvalidJSON", "message": by_source["rows.jsonl:2"]["error"]["message"], "line": 2}
    s = json.loads(summary.read_text())
    assert s["texts"] == 9 and s["errors"] == 3
    assert s["primary"]["two_cards"] == 2
    assert s["cybertype_version"] and len(s["rules_sha256"]) == 64 and len(s["model_sha256"]) == 64


def test_one_and_two_workers_give_identical_output(tree, tmp_path):
    one = list(cybertype.label_folder([tree], workers=1))
    two = list(cybertype.label_folder([tree], workers=2))
    assert [r.model_dump() for r in one] == [r.model_dump() for r in two]


def test_csv_output_and_skip_none(runner, tree, tmp_path):
    out = tmp_path / "out.csv"
    summary = tmp_path / "s.json"
    runner.invoke(app, ["batch", str(tree), "-o", str(out), "--format", "csv", "--skip-none", "--summary", str(summary)])
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,source,labels,primary")
    assert not any(",a/deep/utf16.md," in row for row in rows)
    assert json.loads(summary.read_text())["none_left_out"] == 2


def test_output_inside_input_folder_is_not_read_and_inputs_not_overwritten(runner, tree):
    result = runner.invoke(app, ["batch", str(tree), "-o", str(tree / "a" / "utf8.txt")])
    assert result.exit_code == 2 and "refusing to overwrite" in result.stderr
    out = tree / "labels.jsonl"
    runner.invoke(app, ["batch", str(tree), "-o", str(out)])
    first = out.read_text(encoding="utf-8")
    again = runner.invoke(app, ["batch", str(tree), "-o", str(out)])  # now an input too: refused
    assert again.exit_code == 2 and out.read_text(encoding="utf-8") == first
    resumed = runner.invoke(app, ["batch", str(tree), "-o", str(out), "--resume"])  # our own output: fine
    # Nothing left to do; exit 1 as after the first run: the file holds the error records of the empty,
    # binary and broken inputs, and a resumed run's summary and exit code describe the whole file.
    assert resumed.exit_code == 1 and out.read_text(encoding="utf-8") == first
    assert "labels.jsonl" not in first


def test_resume_skips_done_texts_and_repairs_a_torn_line(runner, tree, tmp_path):
    full = tmp_path / "full.jsonl"
    runner.invoke(app, ["batch", str(tree), "-o", str(full)])
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(lines[:4]) + lines[4][:25], encoding="utf-8")  # a run cut mid-line
    runner.invoke(app, ["batch", str(tree), "-o", str(partial), "--resume"])
    assert partial.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


def test_killed_run_then_resume_equals_uninterrupted(tree, tmp_path):
    for k in range(60):
        (tree / "many" ).mkdir(exist_ok=True)
        (tree / "many" / f"f{k:03d}.txt").write_text(f"{k} " + (CARDS if k % 2 else PIG) * 20, encoding="utf-8")
    full = tmp_path / "full.jsonl"
    cmd = [sys.executable, "-m", "cybertype", "batch", str(tree), "--workers", "2", "-q"]
    subprocess.run(cmd + ["-o", str(full)], check=False, timeout=300)
    out = tmp_path / "killed.jsonl"
    proc = subprocess.Popen(cmd + ["-o", str(out)])
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 2000):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    subprocess.run(cmd + ["-o", str(out), "--resume"], check=False, timeout=300)
    assert out.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


def test_sigterm_leaves_complete_lines(tree, tmp_path):
    for k in range(80):
        (tree / "more").mkdir(exist_ok=True)
        (tree / "more" / f"g{k:03d}.txt").write_text(PIG * 30, encoding="utf-8")
    out = tmp_path / "t.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "cybertype", "batch", str(tree), "-o", str(out), "-q",
                             "--workers", "1"], stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 1000):
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    data = out.read_text(encoding="utf-8")
    assert data.endswith("\n")
    for line in data.splitlines():
        json.loads(line)


def test_sort_into_links_files_by_primary(runner, tree, tmp_path):
    dest = tmp_path / "sorted"
    runner.invoke(app, ["batch", str(tree), "-o", str(tmp_path / "o.jsonl"), "--sort-into", str(dest)])
    assert (dest / "two_cards" / "utf8.txt").exists()
    assert (dest / "pig_butchering" / "gbk.txt").exists()
    assert (dest / "pig_butchering" / "rows.jsonl").exists()  # the file's most common primary
    assert os.path.samefile(dest / "two_cards" / "utf8.txt", tree / "a" / "utf8.txt")  # a link, not a move
    assert (tree / "a" / "utf8.txt").exists()


def test_sort_into_renames_on_collision(tmp_path):
    a, b = tmp_path / "x" / "same.txt", tmp_path / "y" / "same.txt"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_text("one", encoding="utf-8")
    b.write_text("two", encoding="utf-8")
    dest = tmp_path / "d"
    assert sort_into(a, "none", dest).name == "same.txt"
    assert sort_into(b, "none", dest).name == "same-1.txt"
    assert sort_into(a, "none", dest).name == "same.txt"  # already there: not duplicated


def test_max_bytes_truncates_and_says_so(runner, tree, tmp_path):
    out = tmp_path / "o.jsonl"
    runner.invoke(app, ["batch", str(tree), "-o", str(out), "--max-bytes", "30", "--glob", "utf8.txt"])
    [record] = jsonl(out.read_text(encoding="utf-8"))
    assert any("truncated" in w for w in record["warnings"])


def test_stdout_output(runner, tree):
    result = runner.invoke(app, ["batch", str(tree), "-o", "-", "--glob", "*.txt", "-q"])
    assert [r["source"] for r in jsonl(result.stdout)] == ["a/deep/big5.txt", "a/gbk.txt", "a/utf8.txt",
                                                           "blob.txt", "empty.txt"]
