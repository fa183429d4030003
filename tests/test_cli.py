import json
import subprocess
import sys

import jsonschema

from cybertype.version import __version__
from cybertype.cli import app
from cybertype.result import Result

from conftest import ROOT, jsonl

PIG = "我在婚恋网站认识一个男的，聊了两个月确定关系，他带我在一个平台买虚拟币，后来提现说要交解冻金。"
CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_classify_file_json(runner, tmp_path):
    p = tmp_path / "report.txt"
    p.write_text(CARDS, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "--format", "json"])
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.output)
    assert record["labels"] == ["two_cards"] and record["primary"] == "two_cards"
    assert record["source"] == str(p) and record["error"] is None
    for ev in record["evidence"]:
        assert CARDS[ev["start"]:ev["end"]] == ev["match"]


def test_jsonl_stdin_keeps_ids_and_order(runner):
    lines = "".join(json.dumps({"id": f"c{i}", "text": t}, ensure_ascii=False) + "\n"
                    for i, t in enumerate([CARDS, "今天天气很好，我们去公园散步。", PIG]))
    result = runner.invoke(app, ["classify", "-", "--input-format", "jsonl", "--format", "jsonl"], input=lines)
    assert result.exit_code == 0, result.output
    records = jsonl(result.output)
    assert [r["id"] for r in records] == ["c0", "c1", "c2"]
    assert [r["primary"] for r in records] == ["two_cards", "none", "pig_butchering"]


def test_csv_output_has_header_and_rows(runner, tmp_path):
    p = tmp_path / "in.csv"
    p.write_text(f'id,text\na,"{CARDS}"\nb,"没有问题的文本"\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()
    assert rows[0].startswith("id,source,labels,primary,score_pig_butchering")
    assert rows[1].startswith("a,") and "two_cards" in rows[1]
    assert len(rows) == 3


def test_table_explain_shows_evidence(runner, tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(CARDS, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "--format", "table", "--explain"])
    assert result.exit_code == 0
    assert "two_cards" in result.output and "tc." in result.output


def test_bad_inputs_give_error_records_and_exit_1(runner, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(CARDS, encoding="utf-8")
    blob = tmp_path / "blob.txt"
    blob.write_bytes(bytes(range(256)) * 4)
    result = runner.invoke(app, ["classify", str(good), str(blob), str(tmp_path / "missing.txt"), "-f", "jsonl"])
    assert result.exit_code == 1
    records = jsonl(result.stdout)
    assert [r["error"]["type"] if r["error"] else None for r in records] == [None, "DecodeError", "ReadError"]
    assert records[0]["labels"] == ["two_cards"]


def test_encoded_files_are_decoded_and_labeled(runner, tmp_path):
    gb = tmp_path / "gb.txt"
    gb.write_bytes(CARDS.encode("gb18030"))
    u16 = tmp_path / "u16.txt"
    u16.write_bytes(PIG.encode("utf-16"))
    result = runner.invoke(app, ["classify", str(gb), str(u16), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    records = jsonl(result.output)
    assert records[0]["primary"] == "two_cards"
    assert records[1]["primary"] == "pig_butchering"
    ev = records[1]["evidence"]
    assert all(PIG[e["start"]:e["end"]] == e["match"] for e in ev)


def test_output_records_validate_against_schema(runner, tmp_path):
    schema = json.loads(runner.invoke(app, ["schema"]).output)
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": "1", "text": PIG}, ensure_ascii=False) + "\n{bad\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "-f", "jsonl"])
    for record in jsonl(result.stdout):
        jsonschema.validate(record, schema)


def test_usage_errors_exit_2(runner, tmp_path):
    assert runner.invoke(app, ["classify", "--format", "yaml", "x"]).exit_code == 2
    bad_model = tmp_path / "m.npz"
    bad_model.write_bytes(b"not a model")
    p = tmp_path / "a.txt"
    p.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(p), "--model", str(bad_model)])
    assert result.exit_code == 2
    assert "not a readable cybertype model" in result.stderr


def test_api_and_cli_agree(runner, tmp_path, full):
    p = tmp_path / "a.txt"
    p.write_text(PIG, encoding="utf-8")
    cli = json.loads(runner.invoke(app, ["classify", str(p), "-f", "json"]).output)[0]
    api = full.classify(PIG, id="a", source=str(p))
    assert Result.model_validate(cli) == api


def test_real_pipe_through_subprocess():
    line = json.dumps({"id": "a", "text": CARDS}, ensure_ascii=False) + "\n"
    proc = subprocess.run([sys.executable, "-m", "cybertype", "classify", "-", "--format", "jsonl",
                           "--input-format", "jsonl"], input=line.encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    [record] = jsonl(proc.stdout.decode())
    assert record["id"] == "a" and record["primary"] == "two_cards"
    assert proc.stderr == b""


def test_pipe_defaults_to_jsonl_and_detects_jsonl():
    line = json.dumps({"id": "z", "text": CARDS}, ensure_ascii=False) + "\n"
    proc = subprocess.run([sys.executable, "-m", "cybertype", "classify"], input=line.encode(),
                          capture_output=True, timeout=120)
    assert proc.returncode == 0
    assert jsonl(proc.stdout.decode())[0]["id"] == "z"


def test_seed_overview_gets_cards_and_gambling_with_evidence_for_four(runner):
    seed = ROOT / "tests" / "data" / "000_e0ff64a83cabab73.txt"
    result = runner.invoke(app, ["classify", str(seed), "--format", "json"])
    assert result.exit_code == 0
    [record] = json.loads(result.output)
    assert "two_cards" in record["labels"]
    # The gambling part of this overview sits at the model's edge: it is chosen, or flagged for a human look.
    assert "online_gambling" in record["labels"] or "online_gambling" in record["uncertain"]
    evidenced = {e["label"] for e in record["evidence"]}
    assert {"pig_butchering", "fake_anchor_tipping", "two_cards", "online_gambling"} <= evidenced


# --- issue 12, item 15: --encoding on classify and batch -----------------------------------------------

BIG5_CARDS = "出租銀行卡給詐騙集團"


def test_classify_encoding_forces_the_reading(runner, tmp_path):
    p = tmp_path / "b.txt"
    p.write_bytes(BIG5_CARDS.encode("big5"))
    forced = runner.invoke(app, ["classify", str(p), "-f", "jsonl", "--encoding", "gb18030"])
    detected = runner.invoke(app, ["classify", str(p), "-f", "jsonl"])
    assert forced.exit_code == 0 and detected.exit_code == 0
    assert "two_cards" in jsonl(detected.output)[0]["labels"]
    assert jsonl(forced.output)[0]["labels"] == []  # read as GB18030, the text is gibberish
    bad = runner.invoke(app, ["classify", str(p), "--encoding", "klingon"])
    assert bad.exit_code == 2 and "unknown encoding 'klingon'" in bad.stderr


def test_batch_encoding_applies_to_every_file(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(BIG5_CARDS.encode("big5"))
    (folder / "b.jsonl").write_bytes(json.dumps({"id": "r", "text": BIG5_CARDS}, ensure_ascii=False).encode("big5"))
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["batch", str(folder), "-o", str(out), "-q", "--encoding", "big5", "--workers", "1"])
    assert result.exit_code == 0, result.output
    records = jsonl(out.read_text(encoding="utf-8"))
    assert [r["primary"] for r in records] == ["two_cards", "two_cards"]
    refused = runner.invoke(app, ["batch", str(folder), "-o", str(tmp_path / "p.jsonl"), "--encoding", "rot13"])
    assert refused.exit_code == 2 and "not a text encoding" in refused.stderr


def test_encoding_on_a_pipe():
    proc = subprocess.run([sys.executable, "-m", "cybertype", "classify", "-", "--encoding", "big5"],
                          input=BIG5_CARDS.encode("big5"), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [record] = jsonl(proc.stdout.decode())
    assert record["evidence"][0]["match"] in BIG5_CARDS
