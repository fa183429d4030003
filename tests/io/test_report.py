"""`cybertype report`: one self-contained HTML page, checked as text and opened in headless Chromium."""
import importlib.util
import json
import os
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from cybertype.cli import app

_spec = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(_spec)  # the batch benchmark's workload builder
_spec.loader.exec_module(bench)

runner = CliRunner()
CARD = "6222021234567890128"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """The batch benchmark's (tiny) workload labeled by `cybertype batch`, plus a case with personal data and
    a file that cannot be read, with its summary."""
    work = tmp_path_factory.mktemp("report") / "bench"
    bench.build_workload(work, tiny=True)
    files = work / "files"
    (files / "pii").mkdir()
    (files / "pii" / "card.txt").write_text(f"他把名下工商银行卡{CARD}出租给上线，每张八百元，联系电话13812345678。",
                                            encoding="utf-8")
    (files / "pii" / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe" * 40)
    out, summary = work / "out.jsonl", work / "summary.json"
    result = runner.invoke(app, ["batch", str(files), "-o", str(out), "--summary", str(summary), "-q",
                                 "--workers", "1"])
    assert result.exit_code == 1, result.output  # the binary file gives an error record
    return files, out, summary


def _report(batch_run, tmp_path, *extra):
    files, out, summary = batch_run
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(out), "--inputs", str(files), "--summary", str(summary),
                                 "-o", str(page), *extra])
    assert result.exit_code == 0, result.output
    return page.read_text(encoding="utf-8")


def test_the_page_is_self_contained_and_carries_the_provenance(batch_run, tmp_path):
    html = _report(batch_run, tmp_path)
    summary = json.loads(batch_run[2].read_text(encoding="utf-8"))
    assert summary["rules_sha256"] in html and summary["model_sha256"] in html
    assert "model card" in html and "cross-writer macro_f1" in html  # the shipped model's card
    # Nothing is fetched at view time: no external script, style, image or frame.
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", html)
    assert html.count("<svg") >= 8  # two label charts, five score histograms, errors
    assert "DecodeError" in html  # the binary file, in the errors chart and the table


def test_personal_data_is_masked_unless_no_redact(batch_run, tmp_path):
    html = _report(batch_run, tmp_path)
    assert CARD not in html and "13812345678" not in html and "[CARD]" in html
    assert CARD in _report(batch_run, tmp_path, "--no-redact")
    assert "[CARD:6222…0128]" in _report(batch_run, tmp_path, "--redact", "partial")


def test_a_file_that_is_not_an_output_is_a_usage_error(tmp_path):
    bad = tmp_path / "notes.jsonl"
    bad.write_text("this is not json\n", encoding="utf-8")
    result = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "no output records" in result.output


def _chromium(page, *args, cwd):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={cwd / 'profile'}",
           *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium "
                                             "fonts-wqy-zenhei); .ci/run installs it")
def test_the_report_renders_in_headless_chromium(batch_run, tmp_path):
    files, out, _ = batch_run
    n = sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())
    page = tmp_path / "report.html"
    page.write_text(_report(batch_run, tmp_path), encoding="utf-8")
    dom = _chromium(page, "--dump-dom", cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    after = dom.stdout
    assert after.count("<svg") >= 8  # the charts are in the page Chromium built
    # The script ran: it built one row per record and wrote the count.
    assert f"Showing {n} of {n} records" in after
    records = after.split('id="records"')[1].split("</section>")[0]
    assert records.count("<tr>") == n + 1  # the header row and one per record
    assert "<mark>" in records  # top evidence highlighted in its context
    shot = tmp_path / "report.png"
    result = _chromium(page, "--window-size=1280,1600", f"--screenshot={shot}", cwd=tmp_path)
    assert result.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("CYBERTYPE_SAVE_SCREENSHOT"):  # refresh the README's picture: docs/report.png
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / "report.png")


def test_rows_of_a_jsonl_input_get_their_context(tmp_path, monkeypatch):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "c1", "body": f"他把名下工商银行卡{CARD}出租给上线，每张八百元。"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    monkeypatch.chdir(tmp_path)  # sources relative to the folder given to --inputs
    result = runner.invoke(app, ["classify", "cases.jsonl", "--text-field", "body", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(out), "--inputs", str(tmp_path), "--text-field", "body",
                                 "-o", str(page), "--redact", "partial"])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "cases.jsonl:1" in html and "[CARD:6222…0128]" in html and CARD not in html
    assert "no batch summary given" in html  # provenance unknown without --summary, and it says so
