import json

from cybertype.text.lines import decode_lines, needs_line_decoding

ZH = "他把名下的银行卡卖给了收卡的人"
HANT = "他把名下的銀行卡賣給了收卡的人"


def _line(text: str, encoding: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode(encoding)


def test_each_line_is_decoded_in_its_own_encoding():
    data = b"\n".join([_line(ZH, "utf-8"), _line(ZH, "gb18030"), _line(HANT, "big5"), _line(ZH, "utf-8"), b""])
    assert needs_line_decoding(data)
    lines = decode_lines(data)
    assert [json.loads(line.text)["text"] for line in lines[:4]] == [ZH, ZH, HANT, ZH]
    assert [line.encoding for line in lines[:4]] == ["utf-8", "gb18030", "big5", "utf-8"]
    assert [bool(line.warnings) for line in lines[:4]] == [False, True, True, False]  # most lines are UTF-8
    assert "gb18030" in lines[1].warnings[0]


def test_a_line_of_binary_bytes_is_an_error_of_that_line_only():
    data = _line(ZH, "utf-8") + b"\n" + bytes(b for b in range(1, 32) if b not in (10, 13)) * 4 + b"\n" + _line(ZH, "gbk")
    lines = decode_lines(data)
    assert lines[0].error is None and lines[1].error and lines[2].error is None
    assert json.loads(lines[2].text)["text"] == ZH


def test_utf8_and_utf16_files_are_decoded_whole():
    assert not needs_line_decoding(_line(ZH, "utf-8") + b"\n")
    assert not needs_line_decoding(_line("plain English text", "utf-16-le"))
    assert not needs_line_decoding(b"\xff\xfe" + _line(ZH, "utf-16-le"))


def test_a_truncated_last_line_drops_only_its_cut_character():
    data = _line(ZH, "utf-8") + b"\n" + ZH.encode("gbk")
    lines = decode_lines(data[:-1], truncated=True)
    assert lines[1].text == ZH[:-1]


def test_a_valid_utf8_line_is_utf8_whatever_the_other_lines_are():
    cafe = "The café owner sold his bank card for £400, résumé attached"  # reads as GB18030 too ('caf茅')
    data = b"\n".join([_line(ZH, "gb18030"), _line(cafe, "utf-8"), _line(ZH, "gb18030"), _line("naïve", "utf-8")])
    lines = decode_lines(data)
    assert [json.loads(line.text)["text"] for line in lines] == [ZH, cafe, ZH, "naïve"]
    assert [line.encoding for line in lines] == ["gb18030", "utf-8", "gb18030", "utf-8"]
