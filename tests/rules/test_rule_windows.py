"""Rule hits of long texts scanned in windows: nothing lost at a window end (issue 12, item 11)."""
from pathlib import Path

import pytest

from cybertype.rules import Matcher, load_rules
from cybertype.rules.windows import WindowScanner, hits_needed
from cybertype.text.normalize import normalize
from cybertype.text.windows import normalize_windows

from conftest import write_rules

RULES = """
[[rule]]
id = "w.kw"
label = "two_cards"
weight = 3.0
description = "a keyword"
any = ["出租银行卡", "bank card"]

[[rule]]
id = "w.all"
label = "two_cards"
weight = 2.0
description = "two groups close together"
all = [["收卡"], ["八百"]]
window = 30

[[rule]]
id = "w.none"
label = "pig_butchering"
weight = 2.0
description = "suppressed by a nearby word"
any = ["杀猪盘"]
none = ["反诈宣传"]
window = 20

[[rule]]
id = "w.regex"
label = "online_gambling"
weight = 2.0
description = "a regex"
regex = ["充值[0-9]+元"]
"""

FILLER = "今天天气很好我们去公园散步。"


def matcher(tmp_path: Path) -> Matcher:
    return Matcher(load_rules([write_rules(tmp_path / "r", RULES)], builtin=False).rules)


def windowed(m: Matcher, text: str, size: int):
    scanner = WindowScanner(m)
    for window in normalize_windows(text, size=size, slice_chars=size // 4):
        scanner.add(window)
    return scanner.done()


def spans(m: Matcher, scanned_or_norm) -> list[tuple[str, tuple[int, int]]]:
    return [(r.rule.id, scanned_or_norm.original_span(s.start, s.end)) for r in m.match(scanned_or_norm) for s in r.spans]


def test_a_keyword_across_a_window_end_is_found_once_with_exact_offsets(tmp_path):
    m = matcher(tmp_path)
    for shift in range(8):  # the keyword lands on every position around the first window end
        text = "天" * (95 + shift) + "出租银行卡" + FILLER * 20
        got = spans(m, windowed(m, text, size=100))
        assert got == spans(m, normalize(text))
        [(rule, (start, end))] = got
        assert rule == "w.kw" and text[start:end] == "出租银行卡"


def test_groups_and_suppressors_in_different_windows_decide_as_on_the_whole_text(tmp_path):
    m = matcher(tmp_path)
    texts = [
        FILLER * 7 + "收卡" + "的" * 10 + "八百" + FILLER * 10,  # `all` groups on both sides of a window end
        FILLER * 7 + "杀猪盘" + "的" * 5 + "反诈宣传" + FILLER * 10,  # suppressed from the next window
        FILLER * 7 + "杀猪盘" + FILLER * 10 + "反诈宣传",  # too far away to suppress
        FILLER * 7 + "充值5000元" + FILLER * 10,
    ]
    for text in texts:
        for size in (60, 100, 103, 107):
            assert spans(m, windowed(m, text, size)) == spans(m, normalize(text)), (text, size)
    assert [r.rule.id for r in m.match(windowed(m, texts[0], 100))] == ["w.all"]
    assert m.match(windowed(m, texts[1], 100)) == []
    assert [r.rule.id for r in m.match(windowed(m, texts[2], 100))] == ["w.none"]


def test_word_boundaries_hold_at_a_window_end(tmp_path):
    m = matcher(tmp_path)
    text = "x" * 99 + " bank card " + "y" * 200 + " mybank card"
    assert spans(m, windowed(m, text, size=100)) == spans(m, normalize(text))
    assert len(spans(m, normalize(text))) == 1


def test_a_long_repetitive_text_keeps_a_bounded_number_of_hits(tmp_path):
    m = matcher(tmp_path)
    text = ("出租银行卡" + FILLER) * 3000
    scanned = windowed(m, text, size=2000)
    [(idx, roles)] = scanned.found.items()
    assert all(len(hits) <= hits_needed(m.rules[idx]) for hits in roles.values())
    assert spans(m, scanned) == spans(m, normalize(text))  # the first 20 spans, as for the whole text


def test_a_regex_anchored_at_the_end_does_not_match_at_a_window_end(tmp_path):
    body = RULES + '\n[[rule]]\nid = "w.end"\nlabel = "defamation"\nweight = 2.0\ndescription = "end"\nregex = ["a+$"]\n'
    m = Matcher(load_rules([write_rules(tmp_path / "e", body)], builtin=False).rules)
    text = "a" * 9000 + "b"  # whole: no match; a window ending inside the run of a used to match
    assert spans(m, windowed(m, text, size=1000)) == spans(m, normalize(text)) == []
