"""Redaction of personal data, on generated case files in simplified Chinese, traditional Chinese and English."""
import json
import random
import string

import phonenumbers
import pytest
from stdnum import luhn
from stdnum.cn import ric
from typer.testing import CliRunner

from cybertype.cli import app
from cybertype.text.redact import _TW_LETTERS, find, hk_id_valid, redact, tw_id_valid

runner = CliRunner()
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _digits(rng, n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def _phone(rng, region, prefix, n):
    while True:
        number = prefix + _digits(rng, n)
        if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
            return number


def _card(rng):
    body = rng.choice(["622202", "621700", "622848", "436742"]) + _digits(rng, rng.choice([9, 12]))
    return body + luhn.calc_check_digit(body)


def _prc_id(rng):
    body = "110101" + f"{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + _digits(rng, 3)
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the digits before a placeholder check digit


def _tw_id(rng):
    while True:
        value = rng.choice(_TW_LETTERS[:20]) + rng.choice("12") + _digits(rng, 8)
        if tw_id_valid(value):
            return value


def _hk_id(rng):
    while True:
        letter, digits, check = rng.choice("ACEKPRZ"), _digits(rng, 6), rng.choice("0123456789A")
        if hk_id_valid(letter, digits, check):
            return f"{letter}{digits}({check})"


def case_file(rng, script):
    """A realistic case file in `script` (zh, zh-Hant, en) and the personal data planted in it, by kind."""
    pii = {"CARD": _card(rng), "EMAIL": f"{rng.choice(['lily', 'wang.fang', 'chen88'])}{rng.randint(1, 999)}@"
                                         f"{rng.choice(['qq.com', '163.com', 'gmail.com'])}",
           "URL": f"https://{rng.choice(['bet', 'vip', 'tz'])}{rng.randint(10, 99)}.{rng.choice(['com', 'cc', 'top'])}"
                  f"/reg?code={rng.randint(1000, 9999)}"}
    if script == "zh":
        pii.update(PHONE=_phone(rng, "CN", "13", 9), ID=_prc_id(rng), WECHAT="wx" + _digits(rng, 6),
                   WALLET="T" + "".join(rng.choice(B58) for _ in range(33)))
        text = (f"报案人称，今年三月在婚恋网站认识一名男子，对方加V：{pii['WECHAT']}，带其在{pii['URL']}投资。"
                f"对方让其把钱转到工商银行卡{pii['CARD']}，又让其把USDT打入{pii['WALLET']}。"
                f"报案人身份证号{pii['ID']}，联系电话{pii['PHONE']}，邮箱{pii['EMAIL']}。")
    elif script == "zh-Hant":
        pii.update(PHONE=_phone(rng, "TW", "09", 8), ID=_tw_id(rng), LINE="line_" + _digits(rng, 4))
        text = (f"被害人表示，對方以LINE id: {pii['LINE']}聯繫，自稱投資老師，要求匯款至帳戶卡號{pii['CARD']}，"
                f"並到{pii['URL']}下注。被害人身分證字號{pii['ID']}，聯絡電話{pii['PHONE']}，電郵{pii['EMAIL']}。")
    else:
        hk = _phone(rng, "HK", "9", 7)
        pii.update(PHONE=f"+852 {hk[:4]} {hk[4:]}", ID=_hk_id(rng),
                   TG="@agent_" + _digits(rng, 3), WALLET="0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40)))
        card = " ".join(pii["CARD"][i:i + 4] for i in range(0, len(pii["CARD"]), 4))
        pii["CARD"] = card
        text = (f"The victim, HKID {pii['ID']}, was contacted on Telegram, TG: {pii['TG']}, and told to rent out "
                f"her bank card {card} to a money mule ring. Call back at {pii['PHONE']} or e-mail {pii['EMAIL']}; "
                f"payouts went to {pii['WALLET']} via {pii['URL']}.")
    return text, pii


CASES = [case_file(random.Random(seed), script) for script in ("zh", "zh-Hant", "en") for seed in range(12)]


@pytest.mark.parametrize("text,pii", CASES)
def test_every_planted_piece_of_personal_data_is_found_with_its_kind(text, pii):
    found = {(p.value, p.kind) for p in find(text)}
    for kind, value in pii.items():
        assert (value, kind) in found, (kind, value, found)
    masked = redact(text)
    assert not any(value in masked for value in pii.values())


def test_masks_keep_the_kind_and_partial_masks_keep_head_and_tail():
    text = "名下工商银行卡6222021234567890128出租给上线，手机13812345678"
    assert redact(text) == "名下工商银行卡[CARD]出租给上线，手机[PHONE]"
    assert redact(text, "partial") == "名下工商银行卡[CARD:6222…0128]出租给上线，手机[PHONE:138…5678]"
    assert redact(text, "none") == text


def test_numbers_that_fail_their_checksum_are_left_alone():
    bad_card = "6222021234567890123"  # fails Luhn
    bad_id = "110101199003071230"  # wrong check digit
    assert not luhn.is_valid(bad_card) and not ric.is_valid(bad_id)
    assert find(f"卡号{bad_card}，证件{bad_id}") == []
    assert not tw_id_valid("A123456788") and tw_id_valid("A123456789")


def test_a_handle_is_masked_only_where_the_text_introduces_it():
    assert redact("微信号lily888，QQ 123456789") == "微信号[WECHAT]，QQ [QQ]"
    assert redact("They met in a WeChat group and moved to Telegram") == "They met in a WeChat group and moved to Telegram"


def test_a_long_card_number_no_longer_pushes_the_keywords_of_a_rule_apart():
    result = runner.invoke(app, ["classify", "-", "--no-model", "-f", "json"],
                           input="名下工商银行卡6222021234567890123出租给上线\n")
    record = json.loads(result.stdout)[0]
    assert "tc.rent-sell-card-account" in {e["rule"] for e in record["evidence"]}
    # A run of words as long still breaks the window: only digit runs are shrunk.
    result = runner.invoke(app, ["classify", "-", "--no-model", "-f", "json"],
                           input="名下工商银行卡去年在老家县城的一家营业网点办理的后来出租给上线\n")
    record = json.loads(result.stdout)[0]
    assert "tc.rent-sell-card-account" not in {e["rule"] for e in record["evidence"]}


def _write_cases(tmp_path):
    paths = []
    for k, (text, _) in enumerate(CASES[::4]):
        path = tmp_path / "cases" / f"case-{k:02d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths, [pii for _, pii in CASES[::4]]


def test_classify_masks_the_output_and_keeps_labels_and_offsets(tmp_path):
    paths, piis = _write_cases(tmp_path)
    args = ["classify", *map(str, paths), "-f", "json"]
    plain = json.loads(runner.invoke(app, [*args, "--redact", "none"]).stdout)
    masked_out = runner.invoke(app, [*args, "--redact", "full"]).stdout
    masked = json.loads(masked_out)
    assert not any(value in masked_out for pii in piis for value in pii.values())
    for a, b in zip(plain, masked):
        assert (a["labels"], a["primary"]) == (b["labels"], b["primary"])  # rules and model saw the same text
        assert [(e["start"], e["end"]) for e in a["evidence"]] == [(e["start"], e["end"]) for e in b["evidence"]]


def test_explain_table_masks_the_context(tmp_path):
    paths, piis = _write_cases(tmp_path)
    out = runner.invoke(app, ["classify", *map(str, paths), "-f", "table", "--explain", "--redact", "partial"],
                        env={"COLUMNS": "200"}).stdout
    assert "[CARD:" in out
    assert not any(value in out for pii in piis for value in pii.values())


def test_the_environment_gives_the_default_and_the_flag_wins(tmp_path, monkeypatch):
    path = tmp_path / "case.txt"
    path.write_text("他把名下工商银行卡6222021234567890128出租给上线，一张八百元。", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYBERTYPE_REDACT", "full")
    out = runner.invoke(app, ["classify", str(path), "-f", "table", "--explain"], env={"COLUMNS": "200"}).stdout
    assert "[CARD]" in out and "6222021234567890128" not in out
    out = runner.invoke(app, ["classify", str(path), "-f", "table", "--explain", "--redact", "none"],
                        env={"COLUMNS": "200"}).stdout
    assert "6222021234567890128" in out


def test_batch_masks_the_records_it_writes(tmp_path):
    paths, piis = _write_cases(tmp_path)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(tmp_path / "cases"), "-o", str(out), "--workers", "1", "-q",
                                 "--redact", "full"])
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert len(written.splitlines()) == len(paths)
    assert not any(value in written for pii in piis for value in pii.values())


def test_a_dataset_run_refuses_to_redact_rather_than_leak(tmp_path):
    data = tmp_path / "cases.jsonl"
    data.write_text(json.dumps({"id": "1", "text": "收卡6222021234567890128"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(data), "-o", str(tmp_path / "parts") + "/", "--redact", "full", "-q"])
    assert result.exit_code == 2 and "--redact does not apply to dataset runs" in result.output
    assert not (tmp_path / "parts").exists()


def test_an_introducing_word_inside_an_english_word_introduces_nothing():
    assert redact("the mortgages12345 were due; my mortgage: payments12") == \
        "the mortgages12345 were due; my mortgage: payments12"


def _fragment_record(text, start, end):
    from cybertype.result import Evidence, Result

    ev = Evidence(rule="model", label="two_cards", match=text[start:end], start=start, end=end, source="model",
                  weight=0.3, feature="c:" + text[start:end])
    return Result(id="x", labels=["two_cards"], primary="two_cards", scores={"two_cards": 0.9}, evidence=[ev])


def test_a_match_that_is_a_piece_of_a_card_number_is_masked_with_the_number():
    from cybertype.io.outputs import record_dict

    text = "他把名下工商银行卡6222021234567890128出租给上线"
    start = text.index("6222")
    rec = _fragment_record(text, start + 4, start + 8)  # "0212": harmless alone, part of a card here
    masked = record_dict(rec, "full", text)["evidence"][0]
    assert masked["match"] == "[CARD]" and "0212" not in json.dumps(masked, ensure_ascii=False)
    assert (masked["start"], masked["end"]) == (start + 4, start + 8)


def test_without_the_text_digit_runs_in_a_match_are_masked():
    from cybertype.io.outputs import redact_record

    text = "卡号6222021234567890128"
    rec = _fragment_record(text, 4, 9).model_dump(mode="json")
    masked = redact_record(rec, "full")["evidence"][0]
    assert (masked["match"], masked["feature"]) == ("[NUM]", "c:[NUM]")
    partial = "[CARD:6222…0128]"
    rec = _fragment_record(text, 4, 9).model_dump(mode="json")
    rec["evidence"][0]["match"] = partial
    assert redact_record(rec, "partial")["evidence"][0]["match"] == partial  # a mask made already stays
    assert redact_record(_fragment_record(text, 4, 9).model_dump(mode="json"), "none")["evidence"][0]["match"] == "22021"
