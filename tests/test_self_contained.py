"""Tests must pass on a fresh clone: no test reads anything outside the repository (data lives in tests/data/)."""
import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _strings(path: Path) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


OTHERS = sorted(p for p in TESTS.rglob("*.py") if p != Path(__file__).resolve())  # this file names what it forbids


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: str(p.relative_to(TESTS)))
def test_no_test_points_outside_the_repository(path):
    for s in _strings(path):
        for bad in ("../", "..\\", "/work/", "shared/", "labeling-guide.md", "design.md"):
            assert bad not in s, f"{path.name} refers to {s[:80]!r}, outside the repository"
    source = path.read_text(encoding="utf-8")
    assert "ROOT.parent" not in source and ".parents[" not in source  # the repository's root is as far up as it goes


def test_data_the_tests_read_is_in_the_repository():
    assert (TESTS / "data").is_dir() and any((TESTS / "data").iterdir())
    for name in ("train.jsonl", "test.jsonl"):
        assert (ROOT / "samples" / name).is_file()
