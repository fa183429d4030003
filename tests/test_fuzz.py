"""Fuzzing read → decode → classify with random and mutated bytes (seeded, bounded).

Whatever the bytes, `read_bytes` yields records (good ones or error records, never an
exception) and `classify_records` turns each into exactly one valid output record.
"""
import codecs
import json
import random

import pytest

from cybertype.classifier import Classifier, classify_records
from cybertype.io.inputs import read_bytes
from cybertype.io.outputs import to_json

from conftest import ROOT

CASES = 300
CLF = Classifier()

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"
PIG = "我在婚恋网站认识一个男的，聊了两个月确定关系，他带我在一个平台买虚拟币，后来提现说要交解冻金。"


def seeds() -> list[tuple[str, bytes]]:
    """Well-formed inputs of every format and encoding, to be mutated."""
    demo = ROOT / "samples" / "demo"
    out = [("text", p.read_bytes()[:3000]) for p in sorted(demo.glob("*.txt"))]
    out.append(("jsonl", (demo / "reports.jsonl").read_bytes()[:4000]))
    rows = [{"id": f"r{i}", "text": t} for i, t in enumerate([CARDS, PIG, "今天天气很好。", "sell my bank account"])]
    out.append(("jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()))
    out.append(("json", json.dumps(rows, ensure_ascii=False).encode()))
    out.append(("csv", ("id,text\n" + "".join(f'{r["id"]},"{r["text"]}"\n' for r in rows)).encode()))
    out.append(("text", CARDS.encode("gb18030")))
    out.append(("text", PIG.encode("big5", errors="ignore")))
    out.append(("text", codecs.BOM_UTF16_LE + CARDS.encode("utf-16-le")))
    out.append(("text", codecs.BOM_UTF8 + PIG.encode()))
    return out


SPICE = [b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", b'"', b"{", b"[" * 200, b",",
         b"\xe2\x80\xa8", b"\\ud800", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\x1b[2J", "杀猪盘".encode()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randint(0, len(b))
        if op == 0 and b:  # flip bits
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert random bytes
            b[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == 2:  # insert a troublesome token
            b[pos:pos] = rng.choice(SPICE)
        elif op == 3 and b:  # delete a range
            del b[pos:pos + rng.randint(1, 64)]
        elif op == 4:  # truncate
            del b[pos:]
        elif op == 5 and b:  # duplicate a range
            chunk = b[pos:pos + rng.randint(1, 200)]
            b[pos:pos] = chunk
        else:  # overwrite with a random byte
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def cases():
    rng = random.Random(20240601)
    base = seeds()
    for k in range(CASES):
        fmt = rng.choice(["text", "jsonl", "json", "csv"])
        kind = rng.random()
        if kind < 0.2:
            data = rng.randbytes(rng.randint(0, 2000))  # pure noise
        elif kind < 0.3:
            data = bytes(rng.choice(b"\x00\r\n\t ab\xff\xe4\xb8") for _ in range(rng.randint(0, 500)))
        else:
            seed_fmt, data = rng.choice(base)
            data = mutate(data, rng)
            fmt = seed_fmt if rng.random() < 0.7 else fmt
        yield k, fmt, data


def test_random_and_mutated_bytes_never_break_reading_or_classifying():
    kinds: dict[str, int] = {}
    good = 0
    for k, fmt, data in cases():
        records = list(read_bytes(data, fmt, name=f"case-{k}", default_id=str(k)))
        assert records, (k, fmt)  # never silent: at least a record or an error record
        results = list(classify_records(CLF, iter(records)))
        assert len(results) == len(records)
        for rec, res in zip(records, results):
            json.loads(to_json(res))  # always a writable, valid JSON line
            if rec.error is not None:
                assert res.error is not None and res.error.type == rec.error[0] and res.labels == []
                kinds[rec.error[0]] = kinds.get(rec.error[0], 0) + 1
                continue
            good += 1
            assert res.error is None and res.id == rec.id
            for e in res.evidence:
                assert rec.text[e.start:e.end] == e.match
    # The fuzzer reached both sides: texts that were classified and inputs that were refused.
    assert good > 100
    assert {"DecodeError", "InvalidJSON", "MissingField"} <= set(kinds), kinds


@pytest.mark.parametrize("fmt", ["text", "jsonl", "json", "csv"])
def test_every_single_byte_value_alone(fmt):
    for byte in range(256):
        records = list(read_bytes(bytes([byte]) * 3, fmt, name="b"))
        assert len(list(classify_records(CLF, iter(records)))) == len(records) >= 1
