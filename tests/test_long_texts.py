"""Long texts are classified in bounded windows, with the result of one pass (issue 12, item 11)."""
import json

import pytest

import cybertype.classifier as C
from cybertype.text import windows as W

from conftest import ROOT

TEXTS = [json.loads(line)["text"] for line in (ROOT / "samples" / "test.jsonl").read_text(encoding="utf-8").splitlines()]
LONG = "\n".join(TEXTS[:30])  # about 10,000 characters


def result_with_window(clf, monkeypatch, size: int):
    monkeypatch.setattr(W, "WINDOW", size)
    monkeypatch.setattr(W, "SLICE", max(64, size // 8))
    return clf.classify(LONG)


@pytest.mark.parametrize("fixture", ["full", "rules_only"])
def test_windows_give_the_result_of_one_window(request, monkeypatch, fixture):
    clf = request.getfixturevalue(fixture)
    one = result_with_window(clf, monkeypatch, 10 ** 9)
    for size in (1200, 3000):
        win = result_with_window(clf, monkeypatch, size)
        assert win.labels == one.labels and win.primary == one.primary
        # rule evidence is the same; the model's evidence is given for a text of one window only
        assert [(e.rule, e.start, e.end, e.match) for e in win.evidence if e.source == "rule"] == \
            [(e.rule, e.start, e.end, e.match) for e in one.evidence if e.source == "rule"]
        for label, p in one.scores.items():
            assert win.scores[label] == pytest.approx(p, abs=2e-3), (size, label)
    for e in win.evidence:
        assert LONG[e.start:e.end] == e.match


def test_a_long_text_is_never_normalized_whole(full, monkeypatch):
    sizes = []
    real = W.normalize_windows

    def recording(text, *args, **kw):
        for window in real(text, *args, **kw):
            sizes.append(len(window.text))
            yield window

    monkeypatch.setattr(C, "normalize_windows", recording)
    monkeypatch.setattr(C, "normalize", lambda text: pytest.fail("the whole text was normalized at once"))
    monkeypatch.setattr(W, "WINDOW", 1000)
    monkeypatch.setattr(W, "SLICE", 125)
    result = full.classify(LONG)
    assert len(sizes) > 5 and max(sizes) <= 1000 + 125 * 6
    assert result.labels and result.evidence
