"""Issue 12, items 20 and 24: hostile configuration gives exit 2 and one line naming the file, never exit 3;
echoed values are cut and escaped."""
import subprocess
import sys

import pytest

from cybertype.cli import app

CLI = [sys.executable, "-m", "cybertype"]


def _one_clear_line(proc, *words):
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "unexpected error" not in err and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[:500]
    for w in words:
        assert w in lines[0], lines[0][:500]
    return lines[0]


@pytest.mark.parametrize("body", ["x = " + "[" * 50_000 + "]" * 50_000,
                                  "x = " + "{a = " * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_toml_is_a_rule_error(tmp_path, body):
    (tmp_path / "deep.toml").write_text(body, encoding="utf-8")
    proc = subprocess.run([*CLI, "rules", "check", str(tmp_path)], capture_output=True, timeout=120)
    _one_clear_line(proc, "deep.toml", "nested too deeply")


def test_deeply_nested_json_in_evaluate_names_the_file_and_line(tmp_path):
    labeled = tmp_path / "gold.jsonl"
    labeled.write_text("[" * 200_000 + "]" * 200_000 + "\n", encoding="utf-8")
    proc = subprocess.run([*CLI, "evaluate", str(labeled), "--no-model"], capture_output=True, timeout=120)
    _one_clear_line(proc, "gold.jsonl:1", "nested too deeply")


def test_model_dev_zero_is_not_called_missing(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("普通文本", encoding="utf-8")
    proc = subprocess.run([*CLI, "classify", str(text), "--model", "/dev/zero"], capture_output=True, timeout=120)
    line = _one_clear_line(proc, "/dev/zero", "not a regular file")
    assert "not found" not in line


def test_a_huge_regex_is_echoed_cut(runner, tmp_path):
    pattern = "(" * 10 + "a" * 1_000_000  # 1 MB, and not valid RE2 (unclosed groups)
    (tmp_path / "r.toml").write_text(f"[[rule]]\nid = \"big.re\"\nlabel = \"two_cards\"\nweight = 1.0\n"
                                     f"regex = ['{pattern}']\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "not valid RE2" in line and "more characters" in line and len(line) < 1000


def test_control_characters_of_a_rule_id_are_escaped(runner, tmp_path):
    (tmp_path / "r.toml").write_text('[[rule]]\nid = "bad\\u0000id\\u001b[31m"\nlabel = "two_cards"\nweight = 1.0\n'
                                     'any = ["x"]\n', encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 2
    assert "\x00" not in result.stderr and "\x1b" not in result.stderr
    assert "bad\\x00id\\x1b[31m" in result.stderr


def test_a_huge_or_control_laden_keyword_and_label_are_cut_and_escaped(runner, tmp_path):
    long_label = "x" * 100_000
    (tmp_path / "r.toml").write_text(f'[[rule]]\nid = "a.b"\nlabel = "{long_label}\\u0007"\nweight = 1.0\n'
                                     f'any = ["\\u200b"]\n', encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(len(line) < 1000 for line in lines)
    assert "\x07" not in result.stderr and "empty after normalization" in result.stderr
