"""Model feature counts of a long text gathered window by window (issue 12, item 11)."""
import numpy as np
import pytest

from cybertype.model.accumulate import FeatureCounts
from cybertype.model.linear import load_default
from cybertype.text.normalize import normalize
from cybertype.text.windows import normalize_windows


@pytest.fixture(scope="module")
def model():
    return load_default()


def counts_of(model, windows) -> FeatureCounts:
    acc = FeatureCounts(model)
    for w in windows:
        acc.add(w.text)
    return acc


def test_counts_over_windows_equal_the_counts_of_the_whole_text(model):
    # English is segmented at spaces, so windows cut at spaces give the same words as the whole text:
    # every feature count, bigrams and character n-grams across window ends included, must agree.
    text = "Someone asked me to sell my bank card and phone card for cash, then rent my account to run scores. " * 60
    whole = normalize(text)
    idx, tf = model.counts(whole.text)
    expected = {}
    for col, count in zip(idx.tolist(), tf.tolist()):
        expected[col] = expected.get(col, 0.0) + count
    windows = list(normalize_windows(text, size=300, slice_chars=64))
    assert len(windows) > 5
    acc = counts_of(model, windows)
    assert {c: t for c, t in acc.tf.items() if t} == expected
    np.testing.assert_allclose(acc.margin_row(), model.margins([whole])[0], rtol=0, atol=1e-5)


def test_character_ngrams_add_up_over_windows_of_any_length(model):
    # one-character windows: every 2- and 3-gram spans a window end, and each must be counted once
    text = "出租银行卡给别人跑分，出租银行卡"
    for size in (1, 2, 3, 5):
        acc = FeatureCounts(model)
        for k in range(0, len(text), size):
            acc.add(text[k:k + size])
        idx, tf = model.counts(text, [])  # character n-grams only
        chars = {c: t for c, t in acc.tf.items() if t and model.vocab[c].startswith("c:")}
        assert chars == dict(zip(idx.tolist(), tf.tolist())), size
