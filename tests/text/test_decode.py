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
