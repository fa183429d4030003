from pathlib import Path

import pytest

from cybertype.cli import app
from cybertype.labels import LABEL_IDS
from cybertype.text.normalize import normalize
from cybertype.rules import Matcher, RuleSetError, load_rules
from cybertype.rules.testing import run_rule_examples

from conftest import write_rules

BASE = """
[[rule]]
id = "t.one"
label = "two_cards"
weight = 3.0
description = "test rule"
"""


def fired(body: str, text: str, tmp_path: Path) -> bool:
    rs = load_rules([write_rules(tmp_path / "r", BASE + body)], builtin=False)
    return bool(Matcher(rs.rules).match(normalize(text)))


def test_any_fires_on_one_keyword(tmp_path):
    assert fired('any = ["出租银行卡"]', "他把名下出租银行卡给上线", tmp_path)
    assert not fired('any = ["出租银行卡"]', "他去银行办卡", tmp_path)


def test_all_needs_every_group_within_window(tmp_path):
    body = 'all = [["银行卡", "u盾"], ["出租", "出售"]]\nwindow = 6'
    assert fired(body, "他把银行卡出租了", tmp_path)
    assert not fired(body, "他把银行卡放在家里，后来又去别的地方把房子出租了", tmp_path)


def test_all_without_window_matches_anywhere(tmp_path):
    body = 'all = [["银行卡"], ["出租"]]'
    assert fired(body, "银行卡。。。。。。。。。。。。。。。很久以后出租", tmp_path)


def test_none_suppresses(tmp_path):
    body = 'any = ["银行卡"]\nnone = ["挂失"]'
    assert fired(body, "银行卡被人拿去用了", tmp_path)
    assert not fired(body, "银行卡丢了去挂失", tmp_path)


def test_none_with_window_suppresses_only_nearby(tmp_path):
    body = 'any = ["银行卡"]\nnone = ["挂失"]\nwindow = 5'
    assert not fired(body, "银行卡挂失", tmp_path)
    assert fired(body, "银行卡出租给了别人。" + "后来的事情与此无关" * 3 + "挂失", tmp_path)


def test_regex_fires(tmp_path):
    assert fired(r"regex = ['加[v微薇]']", "有意者加 V 详谈", tmp_path)


def test_ascii_keywords_need_word_boundaries(tmp_path):
    body = 'any = ["bc"]'
    assert fired(body, "做bc的找我", tmp_path)
    assert fired(body, "join the BC group", tmp_path)
    assert not fired(body, "the abc song", tmp_path)


def test_traditional_and_spaced_text_match_simplified_keyword(tmp_path):
    assert fired('any = ["出租银行卡"]', "出 租 銀 行 卡", tmp_path)


@pytest.mark.parametrize(
    "body, field",
    [
        ('any = ["x"]\ncolour = "red"', "colour"),
        ('any = ["x"]\nweight = "heavy"', "weight"),
        ('any = []', "rule"),
        ('any = [""]', "any"),
        ("regex = ['(a)\\1']", "regex"),
    ],
)
def test_bad_rules_name_file_rule_and_field(tmp_path, body, field):
    text = BASE.replace('weight = 3.0\n', '') if "weight" in body else BASE
    folder = write_rules(tmp_path / "bad", text + body, name="broken.toml")
    with pytest.raises(RuleSetError) as err:
        load_rules([folder], builtin=False)
    msg = str(err.value)
    assert "broken.toml" in msg and "t.one" in msg and field in msg


def test_wrong_label_is_reported(tmp_path):
    folder = write_rules(tmp_path / "bad", BASE.replace("two_cards", "phishing") + 'any = ["x"]')
    with pytest.raises(RuleSetError, match="unknown label 'phishing'"):
        load_rules([folder], builtin=False)


def test_malformed_toml_is_reported(tmp_path):
    folder = write_rules(tmp_path / "bad", "[[rule]\nid = ", name="oops.toml")
    with pytest.raises(RuleSetError, match="oops.toml"):
        load_rules([folder], builtin=False)


def test_duplicate_ids_across_files(tmp_path):
    folder = write_rules(tmp_path / "dup", BASE + 'any = ["x"]', name="a.toml")
    write_rules(folder, BASE + 'any = ["y"]', name="b.toml")
    with pytest.raises(RuleSetError, match="duplicate id"):
        load_rules([folder], builtin=False)


def test_builtin_rules_cover_every_typology():
    rs = load_rules()
    for label in LABEL_IDS:
        rules = [r for r in rs.rules if r.label == label]
        assert len(rules) >= 25, label
        assert any(r.weight < 0 for r in rules), f"{label} has no counter-evidence rule"
    for r in rs.rules:
        assert r.examples and r.counter_examples, r.id
        assert r.description, r.id


def test_builtin_rule_examples_pass():
    failures, checked = run_rule_examples(load_rules())
    assert checked > 250
    assert failures == []


def test_rules_cli_check_list_test(runner, tmp_path):
    assert runner.invoke(app, ["rules", "check"]).exit_code == 0
    listed = runner.invoke(app, ["rules", "list", "--format", "json"])
    assert listed.exit_code == 0 and '"pb.' in listed.output
    assert runner.invoke(app, ["rules", "test"]).exit_code == 0
    bad = write_rules(tmp_path / "bad", BASE + 'any = ["x"]\nbogus = 1')
    result = runner.invoke(app, ["rules", "check", str(bad)])
    assert result.exit_code == 2


def test_rules_test_reports_failing_examples(runner, tmp_path):
    folder = write_rules(tmp_path / "r", BASE + 'any = ["出租银行卡"]\nexamples = ["完全无关的句子"]\n'
                                               'counter_examples = ["出租银行卡"]')
    result = runner.invoke(app, ["rules", "test", "--no-builtin-rules", "--rules", str(folder)])
    assert result.exit_code == 1
    assert "0 passed, 2 failed" in result.output


def test_user_rules_add_evidence_and_builtin_can_be_dropped(runner, tmp_path):
    folder = write_rules(tmp_path / "r", BASE.replace("two_cards", "defamation") + 'any = ["小绿书黑稿"]')
    p = tmp_path / "a.txt"
    p.write_text("有人专门写小绿书黑稿", encoding="utf-8")
    out = runner.invoke(app, ["classify", str(p), "-f", "json", "--no-model", "--no-builtin-rules",
                              "--rules", str(folder)])
    assert out.exit_code == 0, out.output
    assert '"t.one"' in out.output and '"defamation"' in out.output
