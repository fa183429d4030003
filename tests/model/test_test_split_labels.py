"""Speed work must not move a label: the test split is labeled as it was before it.

`tests/data/test-split-labels.jsonl` holds (id, labels, primary) for every record of
`samples/test.jsonl`, written by the code of main before the "Speed v2" changes (issue 13).
A deliberate retrain regenerates it and says so in its commit.
"""
import json
from pathlib import Path

from conftest import ROOT  # the repository root, found once in tests/conftest.py


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_test_split_record_keeps_its_labels_and_primary(full):
    samples = _records(ROOT / "samples" / "test.jsonl")
    stored = {r["id"]: r for r in _records(ROOT / "tests" / "data" / "test-split-labels.jsonl")}
    assert len(stored) == len(samples)
    results = full.classify_many([s["text"] for s in samples], ids=[s["id"] for s in samples])
    changed = [
        (r.id, stored[r.id]["labels"], r.labels)
        for r in results
        if (r.labels, r.primary) != (stored[r.id]["labels"], stored[r.id]["primary"])
    ]
    assert changed == []
