"""benchmarks/adaptation.py runs end to end on the small corpus (`--tiny`); no figure is asserted."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_adaptation_simulation_runs_on_the_small_corpus(tmp_path):
    out = tmp_path / "adaptation.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "adaptation.py"), "--tiny", "--output", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["curves"]) == {"uncertain", "random"}
    for curve in data["curves"].values():
        assert [p["answers"] for p in curve] == data["steps"] == [5, 10, 20]
        assert all(0.0 <= p["macro_f1"] <= 1.0 for p in curve)
    assert len(data["uncertain_beats_random"]) == 3
    assert "| answers | uncertain | random |" in proc.stdout
