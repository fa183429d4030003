import pytest

from cybertype.text.normalize import normalize, normalize_keyword


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("杀 猪 盘", "杀猪盘"),
        ("杀-猪-盘", "杀猪盘"),
        ("杀*猪*盘", "杀猪盘"),
        ("杀\n猪\n盘", "杀猪盘"),
        ("殺豬盤", "杀猪盘"),
        ("跑\u200b分", "跑分"),
        ("赌🎲博", "赌博"),
        ("杀🐷盘", "杀猪盘"),
        ("ＶＸ１０ｗ", "vx10w"),
        ("Pig-Butchering  scam!", "pig butchering scam"),
        ("網路帳戶", "网络账户"),
        ("①⑥", "16"),
    ],
)
def test_normalized_forms(raw, expected):
    assert normalize(raw).text == expected


def test_offsets_point_back_to_original_characters():
    raw = "他說：殺 - 豬 - 盤！"
    norm = normalize(raw)
    i = norm.text.index("杀猪盘")
    start, end = norm.original_span(i, i + 3)
    assert raw[start:end] == "殺 - 豬 - 盤"


def test_emoji_word_maps_to_its_emoji():
    raw = "刷个🚀吧"
    norm = normalize(raw)
    i = norm.text.index("火箭")
    assert norm.original_span(i, i + 2) == (2, 3)


def test_latin_words_keep_one_space():
    assert normalize("sell   my\tbank---account").text == "sell my bank account"


def test_keyword_normalized_like_text():
    assert normalize_keyword("殺豬盤") == normalize("殺 豬 盤").text


def test_empty_and_whitespace():
    assert normalize("").text == ""
    assert normalize(" \n\t ").text == ""


def test_map_has_one_entry_per_character():
    norm = normalize("兩卡 two cards")
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
