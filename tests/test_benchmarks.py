"""The benchmark script runs end to end on a tiny workload (no timing is asserted here)."""
import json
import subprocess
import sys

from conftest import ROOT

FIGURES = {"vs_jieba", "vs_notebook", "cold_start", "memory_10mb", "stdin_flat", "scaling", "vs_aho_corasick"}


def test_benchmark_runs_on_a_tiny_workload(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--tiny", "--output", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["figures"]) == FIGURES
    for name, fig in data["figures"].items():
        assert isinstance(fig["value"], float) and fig["value"] > 0, name
        assert fig["target"] and isinstance(fig["pass"], bool), name
    assert {"cpu", "cores", "ram_gb", "python", "date"} <= set(data["machine"])
    assert data["workload"]["texts"] > 0 and data["tiny"] is True
    assert "cold start" in proc.stdout and "10 MB" in proc.stdout  # the table was printed
    assert all(fig["min"] <= fig["value"] <= fig["max"] and len(fig["runs"]) == data["repetitions"] for fig in data["figures"].values())
    assert (tmp_path / "cybertype-bench-work" / "workload.jsonl").is_file()
