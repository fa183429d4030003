"""Long texts normalized in bounded windows (issue 12, items 11 and 12)."""
import json

import pytest

from cybertype.text import normalize as N
from cybertype.text.normalize import normalize
from cybertype.text.windows import cut_point, normalize_windows

from conftest import ROOT

TEXTS = [json.loads(line)["text"] for line in (ROOT / "samples" / "test.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_ordinary_text_is_one_window_identical_to_normalize():
    for text in TEXTS:
        [window] = normalize_windows(text)
        assert window == normalize(text)


def test_windows_join_into_the_whole_text_with_exact_offsets():
    text = "Sell my bank card. 他把银行卡出租给别人跑分！ Pig-butchering  scam? 杀🐷盘…\n" * 400
    whole = normalize(text)
    windows = list(normalize_windows(text, size=500, slice_chars=120))
    assert len(windows) > 10
    assert "".join(w.text for w in windows) == whole.text
    assert [s for w in windows for s in w.starts] == whole.starts
    assert [e for w in windows for e in w.ends] == whole.ends


def test_windows_are_bounded_and_end_at_sentence_ends():
    sentence = "网上认识的男友带我在平台投资，后来提现要交解冻金。"
    text = sentence * 2000
    windows = list(normalize_windows(text, size=1000, slice_chars=200))
    assert all(len(w.text) <= 1000 + 200 * N.MAX_EXPANSION for w in windows)
    for w in windows[:-1]:
        assert text[w.ends[-1]] == "。"  # the original text after the window's last character is a sentence end


def test_cut_point_prefers_a_sentence_end_then_whitespace_then_the_limit():
    assert cut_point("aaaa。bbbbbbbbbb", 0, 8) == 5
    assert cut_point("aaaaa bbbbbbbbbb", 0, 8) == 6
    assert cut_point("a" * 20, 0, 8) == 8
    assert cut_point("short", 0, 8) == 5


def test_nothing_after_the_last_window_gives_no_empty_window():
    text = "出租银行卡" * 300 + "。" * 50
    windows = list(normalize_windows(text, size=100, slice_chars=50))
    assert all(w.text for w in windows)
    assert list(normalize_windows("")) == [normalize("")]


def test_nfkc_expansion_is_capped_per_character():
    # U+FDFA is 18 characters under NFKC: a million of them (3 MB) used to become 18 million characters
    text = "\ufdfa" * 1000
    norm = normalize(text)
    assert len(norm.text) <= N.MAX_EXPANSION * len(text)
    assert len(norm.starts) == len(norm.text)
    assert len(normalize("\u3316").text) == 6  # キロメートル: within the cap, still folded
    assert normalize("①⑥").text == "16"


@pytest.mark.parametrize("ch", ["\ufdfa", "\ufdfb"])
def test_long_nfkc_forms_are_kept_as_they_are(ch):
    assert normalize(ch).text == ch
