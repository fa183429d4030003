"""Properties of classification that must hold for every string (hypothesis).

- `classify` never raises, whatever the text: surrogates, control characters, 1 MB.
- Every evidence span lies inside the original text and `text[start:end] == match`,
  also after the record went through JSON.
- Every output record, good or error, validates against `cybertype schema`.
"""
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cybertype
from cybertype.classifier import Classifier
from cybertype.cli import app
from cybertype.labels import LABEL_IDS
from cybertype.io.outputs import CSV_COLUMNS, csv_row, to_json
from cybertype.result import error_result
from cybertype.rules import load_rules

CLF = Classifier()  # built-in rules and the shipped model, built once for the module
SCHEMA = json.loads(CliRunner().invoke(app, ["schema"]).stdout)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Keywords of the built-in rules, so that generated texts actually produce evidence.
KEYWORDS = sorted({kw for r in load_rules().rules for kw in [*r.any, *(k for g in r.all for k in g), *r.none]})
# Things that sit between or inside keywords in real (and evasive) texts.
NOISE = [" ", "-", "\u200b", "\u200d", "\ufeff", "\u00ad", "🐷", "💳", "\x00", "\x07", "\x1b[31m", "\r\n", "\r",
         "\u2028", "\ud800", "\udfff", "\ufffd", "ＶＸ", "銀行卡", "殺豬盤", "e\u0301", "ﬁ", "①", "Ⅻ", "İ", "ß"]

ANY_CHAR = st.characters(blacklist_categories=())  # every code point, lone surrogates included
any_text = st.text(alphabet=ANY_CHAR, max_size=300)
control_text = st.text(alphabet=st.characters(max_codepoint=0x9F, blacklist_categories=()), max_size=300)
domain_text = st.lists(
    st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(NOISE), st.text(alphabet=ANY_CHAR, max_size=4)),
    max_size=25,
).map("".join)
texts = st.one_of(any_text, control_text, domain_text)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_record(result, text: str) -> None:
    """The contract of one output record for `text`."""
    assert set(result.labels) <= set(LABEL_IDS)
    assert result.primary in result.labels or (result.primary == "none" and not result.labels)
    assert set(result.scores) == set(LABEL_IDS) and all(0.0 <= p <= 1.0 for p in result.scores.values())
    for e in result.evidence:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.match
    line = to_json(result)
    line.encode("utf-8")  # writable as UTF-8, even with lone surrogates in the text
    record = json.loads(line)  # what a user reads: valid JSON, same strings
    VALIDATOR.validate(record)
    for e in record["evidence"]:
        assert text[e["start"]:e["end"]] == e["match"]
    assert len(csv_row(result)) == len(CSV_COLUMNS)


@SETTINGS
@given(texts)
def test_classify_never_raises_and_keeps_its_contract(text):
    check_record(CLF.classify(text, id="x", source="prop"), text)


@SETTINGS
@given(domain_text)
def test_evidence_spans_point_into_the_original_text(text):
    result = CLF.classify(text)
    event("with evidence" if result.evidence else "without evidence")
    check_record(result, text)
    # Evidence is sorted; rule items name rules that exist, model items name a feature.
    assert [(e.start, e.end, e.rule) for e in result.evidence] == sorted((e.start, e.end, e.rule) for e in result.evidence)
    assert {e.rule for e in result.evidence if e.source == "rule"} <= {r.id for r in CLF.ruleset.rules}
    assert all(e.rule == "model" and e.feature for e in result.evidence if e.source == "model")


@settings(max_examples=50, deadline=None)
@given(st.lists(texts, min_size=1, max_size=8))
def test_many_at_once_equals_one_at_a_time(batch):
    together = list(CLF.classify_many(batch))
    assert [r.model_dump() for r in together] == [CLF.classify(t).model_dump() for t in batch]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=ANY_CHAR, max_size=40), st.text(alphabet=ANY_CHAR, max_size=80),
       st.one_of(st.none(), st.integers(min_value=1, max_value=10**9)))
def test_error_records_validate_against_the_schema(kind, message, line):
    record = json.loads(to_json(error_result(kind or "E", message, id=message or None, source="-", line=line)))
    VALIDATOR.validate(record)
    assert record["labels"] == [] and record["primary"] == "none"


def test_the_module_level_api_handles_hostile_strings():
    for text in ["", " ", "\x00" * 100, "\ud800\udc00\udbff", "\u202e反转\u202c", "a" * 10_000, "杀猪盘" * 2000]:
        check_record(cybertype.classify(text), text)


def test_a_one_megabyte_string():
    parts = ["lorem ipsum ", "sell my bank account ", "\x00", "\x07", "\ud800", "\u200b", "\r\n", "银行卡", "出租",
             "杀猪盘", " https://x.example/z?q=1 ", "12345 ", "🐷"]
    text = "".join(parts[(i * 7919) % len(parts)] for i in range(170_000))[:1_000_000]
    assert len(text) == 1_000_000
    result = CLF.classify(text)
    check_record(result, text)
    assert result.evidence  # the keywords in it were found, at the right places


@pytest.mark.parametrize("text", ["\ud800", "银\udc00行卡出租给别人", "\udfff杀猪盘\ud800"])
def test_lone_surrogates_survive_json_output(text):
    check_record(CLF.classify(text), text)
