"""What a batch run writes can never be what it reads, nor a device, a FIFO or a planted symlink (issue 12,
items 1-3, 21 and 23): each of these stops the run with exit 2 before any work, and nothing is changed."""
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from cybertype.cli import app
from cybertype.model.linear import default_model_path

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"


@pytest.fixture
def cases(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.txt").write_text(CARDS, encoding="utf-8")
    return folder


def batch(runner, *args):
    return runner.invoke(app, ["batch", *map(str, args), "-q", "--workers", "1"])


def test_summary_onto_the_output_is_refused(runner, cases, tmp_path):
    out = tmp_path / "o.jsonl"
    result = batch(runner, cases, "-o", out, "--summary", out)
    assert result.exit_code == 2
    assert "are the same file" in result.output
    assert not out.exists()


def test_summary_onto_the_output_through_a_symlink_is_refused(runner, cases, tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text("earlier labels\n", encoding="utf-8")
    (tmp_path / "alias.json").symlink_to(out)
    result = batch(runner, cases, "-o", out, "--summary", tmp_path / "alias.json")
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "earlier labels\n"


def test_output_onto_the_model_is_refused_and_the_model_is_kept(runner, cases, tmp_path):
    model = tmp_path / "m.npz"
    shutil.copy(default_model_path(), model)
    before = model.read_bytes()
    result = batch(runner, cases, "-o", model, "--model", model)
    assert result.exit_code == 2
    assert "--model" in result.output
    assert model.read_bytes() == before


def test_output_into_a_rules_folder_is_refused_and_the_rule_file_kept(runner, cases, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    body = '[[rule]]\nid = "my.cards"\nlabel = "two_cards"\nany = ["收卡"]\nweight = 2.0\n'
    (rules / "x.toml").write_text(body, encoding="utf-8")
    result = batch(runner, cases, "-o", rules / "x.toml", "--rules", rules)
    assert result.exit_code == 2
    assert "--rules" in result.output
    assert (rules / "x.toml").read_text(encoding="utf-8") == body
    assert batch(runner, cases, "-o", tmp_path / "o.jsonl", "--summary", rules / "s.json", "--rules", rules).exit_code == 2


def test_summary_onto_a_fifo_is_refused_and_the_fifo_kept(runner, cases, tmp_path):
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    result = batch(runner, cases, "-o", tmp_path / "o.jsonl", "--summary", fifo)
    assert result.exit_code == 2
    assert "not a regular file (a FIFO)" in result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert not (tmp_path / "o.jsonl").exists()  # refused before any work


def test_output_onto_a_fifo_or_a_device_is_refused_without_blocking(cases, tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    for target in (fifo, "/dev/full", "/dev/null"):
        # The timeout only keeps a regression (open() of a FIFO blocks for a reader) from hanging the suite.
        done = subprocess.run([sys.executable, "-m", "cybertype", "batch", str(cases), "-o", str(target), "-q"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert "not a regular file" in done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a symlink owned by another user needs root")
def test_a_symlink_planted_by_another_user_in_a_sticky_folder_is_not_followed(runner, cases, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root only\n", encoding="utf-8")
    secret.chmod(0o600)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    for name, flag in (("o.jsonl", "-o"), ("s.json", "--summary")):
        link = shared / name
        link.symlink_to(secret)
        os.lchown(link, 12345, 12345)  # planted by someone else
        args = ["-o", link] if flag == "-o" else ["-o", tmp_path / "o.jsonl", "--summary", link]
        result = batch(runner, cases, *args)
        assert result.exit_code == 2
        assert "belongs to another user" in result.output
    assert secret.read_text(encoding="utf-8") == "root only\n"
    own = shared / "mine.jsonl"
    own.symlink_to(tmp_path / "real.jsonl")  # a link of one's own is followed as usual
    assert batch(runner, cases, "-o", own).exit_code == 0
    assert (tmp_path / "real.jsonl").read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.parametrize("argument", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_as_the_folder_is_not_a_folder(runner, tmp_path, argument):
    if argument == "fifo":
        argument = tmp_path / "fifo"
        os.mkfifo(argument)
    result = batch(runner, argument, "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2
    assert "not a folder" in result.output


def test_an_unwritable_summary_or_sort_folder_is_found_before_labeling(runner, cases, tmp_path):
    out = tmp_path / "o.jsonl"
    result = batch(runner, cases, "-o", out, "--summary", tmp_path / "no" / "such" / "s.json")
    assert result.exit_code == 2
    assert "no such folder" in result.output
    assert not out.exists()
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    result = batch(runner, cases, "-o", out, "--sort-into", tmp_path / "taken")
    assert result.exit_code == 2
    assert "not a folder" in result.output
    assert not out.exists()


def test_sort_folder_inside_an_input_folder_is_refused(runner, cases, tmp_path):
    result = batch(runner, cases, "-o", tmp_path / "o.jsonl", "--sort-into", cases / "triage")
    assert result.exit_code == 2
    assert "overlap" in result.output


def test_a_summary_kept_in_the_input_folder_is_replaced_on_resume_never_labeled(runner, cases, tmp_path):
    out, summary = tmp_path / "o.jsonl", cases / "summary.json"
    assert batch(runner, cases, "-o", out, "--summary", summary).exit_code == 0
    first = out.read_text(encoding="utf-8")
    for again in (["--resume"], []):  # a resume, and a fresh run over the same folder
        result = batch(runner, cases, "-o", out, "--summary", summary, *again)
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8") == first  # one record, a.txt: the summary is not an input
        assert json.loads(summary.read_text(encoding="utf-8"))["texts"] == 1


def test_a_json_input_that_is_not_a_summary_is_still_refused_as_summary_target(runner, cases, tmp_path):
    data = cases / "case.json"
    data.write_text(json.dumps({"id": "x", "text": CARDS, "texts": 3}, ensure_ascii=False), encoding="utf-8")
    before = data.read_bytes()
    result = batch(runner, cases, "-o", tmp_path / "o.jsonl", "--summary", data)
    assert result.exit_code == 2 and "refusing to overwrite input file" in result.output
    assert data.read_bytes() == before
