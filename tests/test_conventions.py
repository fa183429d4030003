"""The command line behaves as users of ripgrep, jq and sqlite-utils expect: help, completion, filters, summary,
color, narrow tables, config defaults and a strict output schema."""
import json
import re

import pytest
import typer
from typer.testing import CliRunner

from conftest import CHECKED, ROOT, jsonl, schema_validator
from cybertype.cli import app

runner = CliRunner()
REPORTS = str(ROOT / "samples" / "demo" / "reports.jsonl")
LABEL_NAMES = ("pig_butchering", "fake_anchor_tipping", "two_cards", "online_gambling", "defamation")


def _commands():
    root = typer.main.get_command(app)
    out = [((), root)]
    for name, cmd in root.commands.items():
        out.append(((name,), cmd))
        for sub, subcmd in getattr(cmd, "commands", {}).items():
            out.append(((name, sub), subcmd))
    return out


COMMANDS = _commands()


@pytest.mark.parametrize("path,command", COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_option_and_argument_has_help(path, command):
    for param in command.params:
        assert getattr(param, "help", None), f"cybertype {' '.join(path)}: {param.name} has no help"


@pytest.mark.parametrize("path,command", COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_help_shows_no_python_type_names_and_ends_with_examples(path, command):
    result = runner.invoke(app, [*path, "-h"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(str|int|float|bool|path|list\[[^>]*\]|[a-z ]+ range)>", result.output), result.output
    assert "Path]" not in result.output and "<bool>" not in result.output
    tail = result.output[result.output.rindex("Examples:"):]
    examples = [line for line in tail.splitlines() if line.strip().startswith("$ ")]
    assert 2 <= len(examples) <= 3, tail
    assert all("cybertype" in line for line in examples)


def test_h_is_help_and_V_is_version_with_the_hashes():
    assert runner.invoke(app, ["-h"]).output == runner.invoke(app, ["--help"]).output
    out = runner.invoke(app, ["-V"]).output
    assert out == runner.invoke(app, ["--version"]).output
    assert out.startswith("cybertype ")
    assert re.search(r"rules sha256 [0-9a-f]{64}", out) and re.search(r"model sha256 [0-9a-f]{64}", out)


def test_shell_completion_is_on(tmp_path):
    help_text = runner.invoke(app, ["-h"], env={"COLUMNS": "200"}).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    result = runner.invoke(app, ["--show-completion", "bash"], prog_name="cybertype")
    assert result.exit_code == 0, result.output
    assert "_CYBERTYPE_COMPLETE=complete_bash" in result.output
    assert "complete -o default -F _cybertype_completion cybertype" in result.output
    result = runner.invoke(app, ["--install-completion", "bash"], prog_name="cybertype", env={"HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "_CYBERTYPE_COMPLETE" in (tmp_path / ".bash_completions" / "cybertype.sh").read_text()
    assert ".bash_completions/cybertype.sh" in (tmp_path / ".bashrc").read_text()


def test_output_file_quiet_and_summary_to_a_file(tmp_path):
    out, summary = tmp_path / "labels.jsonl", tmp_path / "summary.json"
    result = runner.invoke(app, ["classify", REPORTS, "-o", str(out), "--quiet", "--summary", str(summary)])
    assert result.exit_code == 0 and result.output == ""
    assert len(jsonl(out.read_text(encoding="utf-8"))) == 4
    counts = json.loads(summary.read_text(encoding="utf-8"))
    assert counts["texts"] == 4 and sum(counts["primary"].values()) == 4


def test_summary_dash_is_stdout_and_bare_summary_is_stderr(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["classify", REPORTS, "-f", "csv", "--summary", "-"])
    assert json.loads(result.stdout.splitlines()[-1])["texts"] == 4
    assert not (tmp_path / "-").exists()
    result = runner.invoke(app, ["classify", REPORTS, "--summary", "-f", "csv"])
    assert result.exit_code == 0
    assert "cybertype: 4 text(s):" in result.stderr and "texts" not in result.stdout


def test_skip_none_label_and_min_score_filter_the_records():
    every = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl"]).stdout)
    kept = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl", "--skip-none"]).stdout)
    assert [r["id"] for r in kept] == [r["id"] for r in every if r["primary"] != "none"]
    gambling = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl", "--label", "online_gambling",
                                         "--label", "defamation"]).stdout)
    assert {r["primary"] for r in gambling} == {"online_gambling", "defamation"}
    assert jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl", "--label", "online_gambling",
                                     "--min-score", "0.9999"]).stdout) == []
    bad = runner.invoke(app, ["classify", REPORTS, "--label", "scam"])
    assert bad.exit_code == 2 and "not a label" in bad.output


def test_color_never_always_and_no_color():
    args = ["classify", REPORTS, "-f", "table"]
    assert "\x1b[" in runner.invoke(app, [*args, "--color", "always"]).stdout
    assert "\x1b[" not in runner.invoke(app, [*args, "--color", "never"]).stdout
    assert "\x1b[" not in runner.invoke(app, args, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in runner.invoke(app, args, env={"CYBERTYPE_COLOR": "never", "TERM": "xterm"}).stdout


@pytest.mark.parametrize("columns", [80, 60])
def test_narrow_tables_never_split_a_label_name(columns):
    out = runner.invoke(app, ["classify", REPORTS, "-f", "table", "--color", "never"],
                        env={"COLUMNS": str(columns)}).stdout
    lines = out.splitlines()
    assert lines and all(len(line) <= columns for line in lines)
    records = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl"]).stdout)
    for r in records:
        for label in r["labels"] + [r["primary"]]:
            assert label in out  # whole, on one line
    for name in LABEL_NAMES:  # no label name broken at a line end
        for cut in range(3, len(name) - 1):
            assert not any(line.rstrip(" │").endswith(name[:cut]) and name not in line for line in lines), name


def test_a_wrong_text_field_names_the_fields_once(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps({"case_no": k, "facts": "收卡，一套八百"}) + "\n" for k in range(50)),
                    encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path), "-f", "jsonl"])
    assert result.exit_code == 1
    notes = [line for line in result.stderr.splitlines() if "have no 'text' field" in line]
    assert notes == ["cybertype: 50 record(s) have no 'text' field; the records have: case_no, facts "
                     "(choose one with --text-field)"]


def test_explain_with_json_adds_the_context():
    records = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl", "--explain"]).stdout)
    ev = [e for r in records for e in r["evidence"]]
    assert ev and all(e["match"] in e["context"] for e in ev)
    plain = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl"]).stdout)
    assert all("context" not in e for r in plain for e in r["evidence"])
    result = runner.invoke(app, ["classify", REPORTS, "-f", "csv", "--explain"])
    assert "--explain adds nothing to CSV" in result.stderr


def test_defaults_from_the_config_file_and_the_environment_and_flags_win(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "cybertype.toml").write_text('format = "json"\nredact = "partial"\n', encoding="utf-8")
    path = tmp_path / "a.txt"
    path.write_text("他把名下工商银行卡6222021234567890128出租给上线。", encoding="utf-8")
    out = runner.invoke(app, ["classify", str(path), "--explain"]).stdout
    assert json.loads(out)[0]["evidence"] and "[CARD:6222…0128]" in out  # json, partial: from the file
    monkeypatch.setenv("CYBERTYPE_REDACT", "full")
    assert "[CARD]" in runner.invoke(app, ["classify", str(path), "--explain"]).stdout  # the variable wins
    out = runner.invoke(app, ["classify", str(path), "--explain", "--redact", "none", "-f", "jsonl"]).stdout
    assert "6222021234567890128" in out and not out.startswith("[")  # flags win
    shown = json.loads(runner.invoke(app, ["config", "-f", "json"]).stdout)
    assert shown["settings"]["redact"] == {"value": "full", "from": "env CYBERTYPE_REDACT"}
    assert shown["settings"]["format"]["from"].endswith("cybertype.toml")
    assert shown["settings"]["rules"] == {"value": [], "from": "default"}


def test_the_user_config_file_is_read_and_a_bad_one_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xdg" / "cybertype").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "cybertype" / "config.toml").write_text('color = "never"\n', encoding="utf-8")
    assert "color   never" in runner.invoke(app, ["config"]).stdout
    (tmp_path / "cybertype.toml").write_text('redact = "sometimes"\n', encoding="utf-8")
    (tmp_path / "x.txt").write_text("收卡，一套八百", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and "choose one of none, partial, full" in result.output


def test_the_schema_is_strict_and_the_suite_checks_its_records():
    validator = schema_validator()
    assert list(validator.iter_errors({}))  # {} must fail
    record = jsonl(runner.invoke(app, ["classify", REPORTS, "-f", "jsonl"]).stdout)[0]
    assert not list(validator.iter_errors(record))
    assert list(validator.iter_errors(dict(record, extra=1)))
    assert list(validator.iter_errors(dict(record, primary="scam")))
    assert list(validator.iter_errors(dict(record, labels=["scam"])))
    assert CHECKED["records"] > 0  # the conftest hook saw the records written above
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert schema["additionalProperties"] is False and "primary" in schema["required"]


def test_batch_summary_dash_is_stdout(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("收卡，一套八百", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["batch", "in", "-o", "out.jsonl", "--summary", "-", "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["texts"] == 1 and not (tmp_path / "-").exists()
