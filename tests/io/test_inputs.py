import io

from cybertype.io.inputs import read_path
from cybertype.io.stdin import read_stdin


def test_text_file_is_one_record(tmp_path):
    p = tmp_path / "case-1.txt"
    p.write_text("网上认识的男友带我投资", encoding="utf-8")
    [rec] = list(read_path(p))
    assert rec.id == "case-1" and rec.text.startswith("网上") and rec.error is None


def test_jsonl_keeps_good_lines_and_reports_bad_ones(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "a", "text": "一"}\n{broken\n[1, 2]\n"x"\n{"id": "e"}\n{"id": 7, "text": "二"}\n\n',
                 encoding="utf-8")
    recs = list(read_path(p))
    assert [r.id for r in recs if r.error is None] == ["a", "7"]
    errors = [(r.line, r.error[0]) for r in recs if r.error]
    assert errors == [(2, "InvalidJSON"), (3, "InvalidRecord"), (4, "InvalidRecord"), (5, "MissingField")]
    assert recs[1].source.endswith("in.jsonl:2")


def test_custom_text_and_id_fields(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"case": "k1", "body": "内容"}\n', encoding="utf-8")
    [rec] = list(read_path(p, text_field="body", id_field="case"))
    assert rec.id == "k1" and rec.text == "内容"


def test_csv_rows(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text('id,text\nr1,"第一行, 有逗号"\nr2,"多行\n文本"\nr3\n', encoding="utf-8")
    recs = list(read_path(p))
    assert [(r.id, r.text) for r in recs if r.error is None] == [("r1", "第一行, 有逗号"), ("r2", "多行\n文本")]
    assert recs[-1].error[0] == "MissingField" and recs[-1].line == 5


def test_csv_without_text_column(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("id,body\n1,x\n", encoding="utf-8")
    [rec] = list(read_path(p))
    assert rec.error[0] == "MissingField" and "text" in rec.error[1]


def test_json_file_one_record_per_object(tmp_path):
    p = tmp_path / "in.json"
    p.write_text('[{"id": "a", "text": "一"}, {"id": "b", "text": "二"}]', encoding="utf-8")
    assert [r.id for r in read_path(p)] == ["a", "b"]


def test_unreadable_and_binary_files_become_error_records(tmp_path):
    [missing] = list(read_path(tmp_path / "nope.txt"))
    assert missing.error[0] == "ReadError"
    b = tmp_path / "blob.txt"
    b.write_bytes(bytes(range(256)) * 10)
    [binary] = list(read_path(b))
    assert binary.error[0] == "DecodeError"


def test_stdin_auto_detects_jsonl_or_text():
    recs = list(read_stdin(io.BytesIO('{"id": "x", "text": "一"}\n'.encode())))
    assert recs[0].id == "x"
    recs = list(read_stdin(io.BytesIO("just some text".encode())))
    assert recs[0].text == "just some text"


def test_max_bytes_truncates_on_a_character_boundary(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("杀猪盘" * 100, encoding="utf-8")
    [rec] = list(read_path(p, max_bytes=10))
    assert rec.text == "杀猪盘"
    assert any("truncated" in w for w in rec.warnings)


# --- issue 12: JSONL mixing encodings (17), --max-bytes in GBK/Big5 (18), a forced encoding (15) -----------

import json

import pytest

ZH = "他把名下的银行卡和U盾卖给了收卡的人，一套八百块"
HANT = "他把名下的銀行卡和U盾賣給了收卡的人，一套八百塊"


def test_jsonl_mixing_encodings_is_decoded_line_by_line(tmp_path):
    rows = [("a", ZH, "utf-8"), ("b", ZH, "gb18030"), ("c", HANT, "big5"), ("d", ZH, "utf-8"), ("e", ZH, "utf-8")]
    p = tmp_path / "mixed.jsonl"
    p.write_bytes(b"".join(json.dumps({"id": i, "text": t}, ensure_ascii=False).encode(enc) + b"\n"
                           for i, t, enc in rows))
    recs = list(read_path(p))
    assert [(r.id, r.text, r.error) for r in recs] == [(i, t, None) for i, t, _ in rows]
    assert [r.line for r in recs] == [1, 2, 3, 4, 5]
    assert not recs[0].warnings and "gb18030" in recs[1].warnings[0] and "big5" in recs[2].warnings[0]


def test_jsonl_with_a_few_bad_bytes_still_warns_only_on_that_line(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(json.dumps({"id": "a", "text": ZH}, ensure_ascii=False).encode() + b"\n" +
                  b'{"id": "b", "text": "' + ZH.encode() + b'\xff"}\n')
    a, b = read_path(p)
    assert a.warnings == [] and b.text.startswith(ZH) and "replaced" in b.warnings[0]


@pytest.mark.parametrize("encoding, text", [("gbk", ZH), ("big5", HANT), ("gb18030", ZH)])
def test_max_bytes_cutting_a_legacy_file_mid_character_keeps_the_text(tmp_path, encoding, text):
    p = tmp_path / "case.txt"
    data = (text * 3).encode(encoding)
    p.write_bytes(data)
    for max_bytes in range(len(data) // 3, len(data) // 3 + 6):
        [rec] = read_path(p, max_bytes=max_bytes)
        assert rec.error is None, (max_bytes, rec.error)
        assert (text * 3).startswith(rec.text) and "\ufffd" not in rec.text
        assert rec.warnings == [f"truncated: only the first {max_bytes} bytes were classified"]


def test_a_forced_encoding_overrides_detection(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes("出租銀行卡給詐騙集團".encode("big5"))
    [detected] = read_path(p)
    [forced] = read_path(p, encoding="gb18030")
    assert detected.text == "出租銀行卡給詐騙集團" and forced.text == "出租銀行卡給詐騙集團".encode("big5").decode("gb18030")
    [piped] = read_stdin(io.BytesIO("出租銀行卡給詐騙集團".encode("big5")), "text", encoding="big5")
    assert piped.text == "出租銀行卡給詐騙集團"


def test_streamed_jsonl_lines_are_decoded_each_on_its_own():
    data = (json.dumps({"id": "a", "text": ZH}, ensure_ascii=False).encode("gbk") + b"\n" +
            json.dumps({"id": "b", "text": ZH}, ensure_ascii=False).encode("utf-8") + b"\n")
    a, b = read_stdin(io.BytesIO(data), "jsonl")
    assert (a.text, b.text) == (ZH, ZH)
