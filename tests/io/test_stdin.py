"""Standard input: streamed JSON Lines, auto-detection from the first line, bounded reads (issue 12, items 13-14)."""
import io
import json

from cybertype.io import stdin
from cybertype.io.stdin import PEEK_BYTES, read_stdin


class Trickle(io.RawIOBase):
    """A stream that hands out its lines one read at a time, and fails if read past `allowed` lines."""

    def __init__(self, lines: list[bytes]):
        self.lines = list(lines)
        self.served = 0
        self.allowed = len(lines)

    def readable(self):
        return True

    def readinto(self, buf):
        if not self.lines:
            return 0
        assert self.served < self.allowed, "read ahead of what the consumer asked for"
        data = self.lines.pop(0)
        self.served += 1
        buf[: len(data)] = data
        return len(data)


def obj(**kw) -> bytes:
    return (json.dumps(kw, ensure_ascii=False) + "\n").encode()


def test_each_jsonl_record_comes_out_before_the_next_line_is_read():
    for fmt in ("jsonl", "auto"):
        lines = [obj(id=f"r{i}", text="出租银行卡") for i in range(5)]
        raw = Trickle(lines)
        records = read_stdin(io.BufferedReader(raw, buffer_size=1 << 16), fmt)
        for i in range(5):
            raw.allowed = i + 1  # the next record must be ready with only its own line read
            rec = next(records)
            assert rec.id == f"r{i}" and rec.error is None
        raw.allowed = 6
        assert next(records, None) is None


def test_auto_with_a_first_object_line_gives_broken_lines_error_records():
    data = b"".join(obj(id=f"g{i}", text="跑分") for i in range(50)) + b"{broken\n" + obj(id="last", text="x")
    warned = []
    recs = list(read_stdin(io.BytesIO(data), warn=warned.append))
    assert [r.id for r in recs if r.error is None] == [f"g{i}" for i in range(50)] + ["last"]
    [bad] = [r for r in recs if r.error]
    assert bad.error[0] == "InvalidJSON" and bad.line == 51 and bad.source == "-:51"
    assert warned == []


def test_auto_falls_back_to_one_text_loudly_when_the_input_looked_like_jsonl():
    data = b'{"id": 1, "text": "broken first line"\n' + obj(id="a", text="出租银行卡")
    warned = []
    [rec] = read_stdin(io.BytesIO(data), warn=warned.append)
    assert rec.id == "stdin" and rec.error is None
    assert len(warned) == 1 and "ONE text" in warned[0] and "--input-format jsonl" in warned[0]
    assert any("looked like JSON Lines" in w for w in rec.warnings)
    warned.clear()
    [rec] = read_stdin(io.BytesIO(b"a report\n" + obj(id="a", text="x")), warn=warned.append)
    assert "line 2 is a JSON object" in warned[0]
    warned.clear()
    [rec] = read_stdin(io.BytesIO("一段普通的文字，没有什么特别的。\n第二行。".encode()), warn=warned.append)
    assert warned == [] and rec.warnings == []


def test_auto_never_reads_the_whole_stream_to_decide():
    raw = Trickle([obj(id="a", text="一")] + [b"x" * 1000 + b"\n"] * 100)
    raw.allowed = 1
    rec = next(read_stdin(io.BufferedReader(raw, buffer_size=1024)))  # decided, and labeled, from line 1 alone
    assert rec.id == "a"


def test_auto_decides_from_the_first_64_kb_of_a_long_first_line():
    long_obj = obj(id="big", text="字" * PEEK_BYTES)
    recs = list(read_stdin(io.BytesIO(long_obj + obj(id="b", text="二"))))
    assert [r.id for r in recs] == ["big", "b"] and recs[0].text == "字" * PEEK_BYTES


def test_one_text_on_stdin_is_cut_at_max_bytes_with_a_warning():
    [rec] = read_stdin(io.BytesIO("杀猪盘".encode() * 1000), max_bytes=10)
    assert rec.text == "杀猪盘"
    assert rec.warnings == ["truncated: only the first 10 bytes were classified"]
    [rec] = read_stdin(io.BytesIO(b"\x00" * (1 << 20)), "text", max_bytes=100)  # /dev/zero-like: stops reading
    assert rec.error[0] == "DecodeError"


def test_a_jsonl_line_beyond_the_limit_is_skipped_in_pieces(monkeypatch):
    monkeypatch.setattr(stdin, "_MAX_LINE_BYTES", 100)
    data = obj(id="a", text="一") + b'{"text": "' + b"x" * 500 + b'"}\n' + obj(id="c", text="三")
    recs = list(read_stdin(io.BytesIO(data), "jsonl"))
    assert [(r.id, r.error[0] if r.error else None) for r in recs] == [("a", None), (None, "InvalidJSON"), ("c", None)]
    assert recs[1].line == 2 and "longer than" in recs[1].error[1]


def test_utf16_stdin_is_still_detected_as_a_whole():
    data = ('{"id": "u", "text": "出租银行卡"}\n').encode("utf-16")
    [rec] = read_stdin(io.BytesIO(data))
    assert rec.id == "u" and rec.text == "出租银行卡"
