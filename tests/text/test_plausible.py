from cybertype.text.plausible import char_score, score


def test_common_characters_outscore_rare_ones_and_mojibake():
    assert char_score("的") > char_score("鼗") > char_score("\U00020000")
    assert char_score("銀") > 0  # traditional form of a common character
    assert char_score("\ufffd") < 0 and char_score("\x01") < 0 and char_score("\ue000") < 0
    assert score("出租銀行卡給詐騙集團") > score("ꕘ꾲믈ꛦꕤ떹뙂쑆뚰많")  # the Big5 text and its UTF-16 misreading


def test_score_adds_up_characters():
    assert abs(score("银行卡") - sum(map(char_score, "银行卡"))) < 1e-9
    assert score("") == 0
