import codecs
import os

import pytest

from cybertype.text.decode import DecodeError, decode_bytes

ZH = "我在交友软件上认识了一个男人，他带我在一个平台投资，后来无法提现，还要交解冻金。"
HANT = "我在交友軟體上認識了一個男人，他帶我在平台投資，後來無法提現，還要交解凍金。"


@pytest.mark.parametrize("encoding, text", [
    ("utf-8", ZH), ("gb18030", ZH), ("gbk", ZH), ("big5", HANT), ("utf-16", ZH), ("utf-8-sig", HANT),
    ("utf-16-be", None), ("utf-32", ZH),
])
def test_real_encodings_decode(encoding, text):
    if text is None:  # UTF-16 BE with an explicit BOM
        data = codecs.BOM_UTF16_BE + ZH.encode("utf-16-be")
        text = ZH
    else:
        data = text.encode(encoding)
    decoded, warnings = decode_bytes(data)
    assert decoded.lstrip("\ufeff") == text
    assert warnings == []


def test_invalid_bytes_inside_utf8_are_replaced_and_reported():
    data = ZH.encode() + b"\xff\xfe\xfa" + ZH.encode()
    text, warnings = decode_bytes(data)
    assert text.startswith(ZH) and text.endswith(ZH) and "\ufffd" in text
    assert warnings and "replaced" in warnings[0]


@pytest.mark.parametrize("data", [os.urandom(4096), bytes(range(256)) * 8, b"\x00\x01\x02\x03" * 200,
                                  b"\x89PNG\r\n\x1a\n" + os.urandom(1000)])
def test_binary_is_refused(data):
    with pytest.raises(DecodeError):
        decode_bytes(data)


def test_empty_bytes_are_empty_text():
    assert decode_bytes(b"") == ("", [])


# --- issue 12, items 15-19: short legacy texts, HKSCS, UTF-16 without a BOM, overlong UTF-8, truncation -----

import json
import random
from pathlib import Path

from cybertype.text.decode import check_encoding, decode

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples"


def _cuts(lang: str, encoding: str, lo: int, hi: int, n: int, seed: int) -> list[tuple[str, bytes]]:
    """`n` seeded cuts of lo..hi characters from the corpus texts in `lang`, with their bytes in `encoding`."""
    texts = [json.loads(line)["text"] for line in (SAMPLES / "test.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(line)["lang"] == lang]
    rng, out = random.Random(seed), []
    while len(out) < n:
        t = rng.choice(texts)
        k = rng.randint(lo, hi)
        start = rng.randint(0, max(0, len(t) - k))
        cut = t[start:start + k]
        try:
            data = cut.encode(encoding)
            data.decode("utf-8")
            continue  # pure ASCII: nothing to detect
        except UnicodeEncodeError:
            continue
        except UnicodeDecodeError:
            out.append((cut, data))
    return out


@pytest.mark.parametrize("lang, encoding", [("zh-Hant", "big5"), ("zh", "gb18030"), ("zh", "gbk"),
                                            ("zh-Hant", "big5hkscs")])
def test_short_legacy_texts_decode_right_and_never_as_utf16(lang, encoding):
    cases = _cuts(lang, encoding, 8, 12, 400, seed=12)
    decoded = [decode(data) for _, data in cases]
    wrong = [(cut, d.text) for (cut, _), d in zip(cases, decoded) if d.text != cut]
    assert len(wrong) <= len(cases) // 100, wrong[:5]  # was 14-22% before the plausibility scoring
    assert not [d.encoding for d in decoded if d.encoding.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))]


def test_the_reported_big5_text_is_not_read_as_utf16():
    d = decode("出租銀行卡給詐騙集團".encode("big5"))
    assert d.text == "出租銀行卡給詐騙集團" and d.encoding in ("big5", "cp950", "big5hkscs")


@pytest.mark.parametrize("encoding", ["big5", "gb18030"])
def test_a_wrong_guess_on_a_very_short_text_is_flagged(encoding):
    lang = "zh-Hant" if encoding == "big5" else "zh"
    for cut, data in _cuts(lang, encoding, 2, 6, 600, seed=3):
        d = decode(data)
        if d.text != cut:
            assert any("close call" in w and "--encoding" in w for w in d.warnings), (cut, d)


def test_big5_hkscs_characters_are_read():
    text = "佢哋喺度搵錢，啲人好衰，叫我將張銀行卡借俾佢"
    data = text.encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")  # these are HKSCS characters, not in plain Big5
    d = decode(data)
    assert d.text == text and d.encoding == "big5hkscs"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_english_in_utf16_or_32_without_bom_is_detected(encoding):
    text = "Someone in a chat group offered 800 dollars for my bank card and online banking token."
    d = decode(text.encode(encoding))
    assert d.text == text and d.encoding == encoding


def test_utf16_is_never_guessed_when_no_byte_parity_is_mostly_zero():
    rng = random.Random(5)
    for _ in range(300):
        data = bytes(rng.randrange(0x81, 0xFF) for _ in range(rng.randrange(2, 30) * 2))
        try:
            d = decode(data)
        except DecodeError:
            continue
        assert not d.encoding.startswith(("utf-16", "utf-32", "utf_16", "utf_32")), d


@pytest.mark.parametrize("bad", [b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\xbd\xed\xb8\x80"])  # overlong '/', CESU-8
def test_overlong_and_cesu8_sequences_are_replaced_with_a_warning(bad):
    head, tail = "他把银行卡卖了", "给别人"
    text, warnings = decode_bytes(head.encode() + bad + tail.encode())
    assert text.startswith(head) and text.endswith(tail) and set(text[len(head):-len(tail)]) == {"\ufffd"}
    assert warnings and "replaced" in warnings[0]


def test_a_few_legacy_characters_that_happen_to_be_valid_utf8_are_read_in_their_encoding():
    for text in ("4小时", "平台追", "欠透支"):
        data = text.encode("gbk")
        data.decode("utf-8")  # valid UTF-8 by chance ('4Сʱ' ...)
        assert decode(data).text == text


@pytest.mark.parametrize("text", ["café", "naïve résumé", "“quoted”", "¡Hola!", "x²", "Привет", "€5", "他说：“好”"])
def test_valid_utf8_stays_utf8(text):
    d = decode(text.encode())
    assert (d.text, d.encoding) == (text, "utf-8")


@pytest.mark.parametrize("encoding, text", [("gbk", ZH), ("gb18030", ZH + "😀"), ("big5", HANT), ("utf-8", ZH),
                                            ("utf-16", ZH)])
def test_a_prefix_cut_anywhere_drops_only_the_cut_character(encoding, text):
    data = text.encode(encoding)
    for cut in range(len(data) // 2, len(data)):
        d = decode(data[:cut], truncated=True)
        assert "\ufffd" not in d.text and text.startswith(d.text) and len(d.text) >= len(text) // 2 - 1, cut


def test_a_forced_encoding_is_used_and_checked():
    data = HANT.encode("big5")
    assert decode(data, "big5").text == HANT
    assert decode(data, "gb18030").encoding == "gb18030"
    text, warnings = decode_bytes(b"abc\xff", "utf-8")
    assert text == "abc\ufffd" and "replaced" in warnings[0]
    assert check_encoding("BIG5") == "big5"
    for name in ("no-such-codec", "zlib", "base64"):
        with pytest.raises(ValueError):
            check_encoding(name)
