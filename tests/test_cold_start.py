"""The classify command ends without interpreter teardown (`cli/errors.py`): same bytes, same exit codes.

`tests/data/victim-report-zh.json` is the output of main's code before this change.
"""
import subprocess
import sys

from conftest import ROOT

DEMO = ROOT / "samples" / "demo"


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "cybertype", *map(str, args)], capture_output=True, timeout=120,
                          cwd=ROOT, **kw)


def test_classify_one_file_as_json_gives_the_same_bytes_as_before():
    proc = run("classify", "samples/demo/victim-report-zh.txt", "--format", "json")
    assert proc.returncode == 0 and proc.stderr == b""
    assert proc.stdout == (ROOT / "tests" / "data" / "victim-report-zh.json").read_bytes()


def test_a_failed_input_still_gives_exit_1_with_every_record_and_the_note(tmp_path):
    binary = tmp_path / "blob.dat"
    binary.write_bytes(b"\x00\x01\x02binary\x00")
    proc = run("classify", DEMO / "news-en.txt", binary, "--format", "jsonl")
    assert proc.returncode == 1
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 2 and '"primary": "online_gambling"' in lines[0] and '"DecodeError"' in lines[1]
    assert proc.stderr.decode() == "cybertype: 1 input(s) could not be classified (see their error records)\n"


def test_output_into_a_full_disk_is_still_reported(tmp_path):
    """The fast exit must not swallow a write error (which exit code it gets is issue 12, item 21)."""
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "cybertype", "classify", str(DEMO / "news-en.txt"), "--format", "json"],
                              stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode != 0 and b"No space left" in proc.stderr and proc.stderr.count(b"\n") == 1 and b"Traceback" not in proc.stderr
