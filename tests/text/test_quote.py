from cybertype.text.quote import LIMIT, cut, printable, quote


def test_printable_escapes_controls_and_bidi_overrides_only():
    assert printable("a\x00b\x1b[31mc\u202ed\u2066") == "a\\x00b\\x1b[31mc\\u202ed\\u2066"
    assert printable("银行卡 café") == "银行卡 café"


def test_cut_says_how_much_was_left_out():
    assert cut("abc") == "abc"
    long = "x" * (LIMIT + 50)
    shown = cut(long)
    assert shown.startswith("x" * LIMIT) and "50 more characters" in shown and len(shown) < LIMIT + 40


def test_quote_is_a_cut_escaped_repr():
    assert quote("a\x00") == "'a\\x00'"
    assert len(quote("y" * 10 ** 6)) < LIMIT + 40
