"""classify on pipes and long inputs: streamed stdin, --max-bytes, bounded memory (issue 12, items 11-14)."""
import json
import os
import select
import subprocess
import sys

import pytest

from cybertype.cli import app

from conftest import jsonl

CLI = [sys.executable, "-m", "cybertype"]
CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"


def read_line(proc, timeout: float = 120.0) -> bytes:
    """One line of the child's stdout, waiting at most `timeout` seconds for it (a bound, not a speed test)."""
    buf = b""
    fd = proc.stdout.fileno()
    while not buf.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no output line within {timeout} s; got so far {buf!r}"
        chunk = os.read(fd, 1)
        assert chunk, f"output ended early: {buf!r}"
        buf += chunk
    return buf


@pytest.mark.parametrize("input_format", [["--input-format", "jsonl"], []])
def test_each_stdin_record_comes_out_before_the_next_line_is_written(input_format):
    proc = subprocess.Popen([*CLI, "classify", "-", *input_format], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        for i in range(3):
            proc.stdin.write((json.dumps({"id": f"r{i}", "text": CARDS}, ensure_ascii=False) + "\n").encode())
            proc.stdin.flush()
            record = json.loads(read_line(proc))  # the input is still open: the record came out on its own
            assert record["id"] == f"r{i}" and record["primary"] == "two_cards"
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == b""
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("how", ["path", "stdin"])
def test_an_endless_input_is_read_only_up_to_max_bytes(how):
    # /dev/zero used to be read until memory ran out; now the first --max-bytes are read, and found binary
    args = ["/dev/zero"] if how == "path" else ["-"]
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run([*CLI, "classify", *args, "--max-bytes", "100000"], stdin=zero, capture_output=True,
                              timeout=120)
    assert proc.returncode == 1, proc.stderr
    [record] = jsonl(proc.stdout.decode())
    assert record["error"]["type"] == "DecodeError" and b"Traceback" not in proc.stderr


def test_max_bytes_truncates_classify_inputs_with_the_batch_warning(runner, tmp_path):
    p = tmp_path / "long.txt"
    p.write_text(CARDS + "今天天气很好。" * 2000, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "-f", "jsonl", "--max-bytes", "200"])
    assert result.exit_code == 0, result.output
    [record] = jsonl(result.output)
    assert record["warnings"] == ["truncated: only the first 200 bytes were classified"]
    assert record["primary"] == "two_cards"
    result = runner.invoke(app, ["classify", str(p), "-f", "jsonl"])  # the default, 4 MiB, leaves it whole
    assert jsonl(result.output)[0]["warnings"] == []
    assert runner.invoke(app, ["classify", str(p), "--max-bytes", "0"]).exit_code == 2


def test_falling_back_to_one_text_warns_on_stderr():
    data = b'{"id": "a", "text": "cut off\n' + (json.dumps({"id": "b", "text": CARDS}, ensure_ascii=False) + "\n").encode()
    proc = subprocess.run([*CLI, "classify", "-"], input=data, capture_output=True, timeout=120)
    assert proc.returncode == 0
    [record] = jsonl(proc.stdout.decode())
    assert record["id"] == "stdin"
    assert b"cybertype: warning: standard input looked like JSON Lines" in proc.stderr
    assert b"--input-format jsonl" in proc.stderr


def _peak_rss_kb(args: list[str]) -> int:
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, proc.stderr.read()
    return usage.ru_maxrss


def test_nfkc_expansion_does_not_multiply_memory(tmp_path):
    # 200,000 x U+FDFA (600 KB) used to become 3.6 M normalized characters: about 250 MB more than a
    # short text; now the expansion is capped and the text goes through bounded windows.
    small, big = tmp_path / "small.txt", tmp_path / "fdfa.txt"
    small.write_text("\ufdfa" * 10, encoding="utf-8")
    big.write_text("\ufdfa" * 200_000, encoding="utf-8")
    base = _peak_rss_kb(["classify", str(small), "--no-model"])
    peak = _peak_rss_kb(["classify", str(big), "--no-model"])
    assert peak - base < 100_000, (base, peak)


MIXED = [("u1", "他把名下银行卡卖给收卡的人", "utf-8"),
         ("g1", "我在婚恋网站认识一个男的，带我在平台买虚拟币", "gb18030"),
         # Valid UTF-8 whose accented letters also happen to read as GB18030 ('café' as 'caf茅').
         ("u2", "The café owner sold his bank card to a gang for £400.", "utf-8"),
         ("u3", "A naïve student rented out his bank account, résumé attached.", "utf-8"),
         ("u4", "朋友介绍的兼职，出租银行卡每天四百元", "utf-8")]


def test_stdin_lines_in_mixed_encodings_each_read_on_their_own_and_utf8_always_as_utf8():
    data = b"".join(json.dumps({"id": i, "text": t}, ensure_ascii=False).encode(enc) + b"\n" for i, t, enc in MIXED)
    proc = subprocess.run([*CLI, "classify", "-", "-f", "jsonl", "--explain"], input=data, capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    records = jsonl(proc.stdout.decode("utf-8"))
    assert [r["id"] for r in records] == [i for i, _, _ in MIXED]
    for r, (_, text, _) in zip(records, MIXED):
        assert r["evidence"] and r["warnings"] == []
        for e in r["evidence"]:  # the context shows the text as it was read
            assert text[e["start"]:e["end"]] == e["match"]
            assert e["context"].strip("…") in text, (r["id"], e["context"])
