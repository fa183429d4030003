"""Which texts `cybertype review` asks about first."""
from dataclasses import dataclass

import pytest

from cybertype.labels import LABEL_IDS
from cybertype.result import Evidence, Result
from cybertype.review.select import choose, disagreements, rule_scores

THRESHOLDS = dict.fromkeys(LABEL_IDS, 0.5)


@dataclass
class Item:
    key: str
    result: Result


def item(key, scores=None, labels=(), evidence=(), uncertain=()):
    full = dict.fromkeys(LABEL_IDS, 0.01) | (scores or {})
    return Item(key, Result(id=key, labels=list(labels), primary=labels[0] if labels else "none", scores=full,
                            evidence=list(evidence), uncertain=list(uncertain)))


def rule(label, weight=1.0, rule_id="r1", start=0):
    return Evidence(rule=rule_id, label=label, match="x", start=start, end=start + 1, weight=weight,
                    counter=weight < 0)


def model(label):
    return Evidence(rule="model", label=label, match="x", start=0, end=1, source="model", weight=0.3, feature="c:x")


def test_uncertain_asks_the_texts_nearest_a_threshold_first():
    items = [item("far", {"two_cards": 0.99}, ["two_cards"]), item("near", {"defamation": 0.48}),
             item("middle", {"pig_butchering": 0.3})]
    assert [i.key for i in choose(items, "uncertain", THRESHOLDS)] == ["near", "middle", "far"]
    assert [i.key for i in choose(items, "uncertain", THRESHOLDS, limit=1)] == ["near"]


def test_label_narrows_uncertain_to_that_typology():
    items = [item("gambling-near", {"online_gambling": 0.49}), item("cards-near", {"two_cards": 0.45})]
    assert [i.key for i in choose(items, "uncertain", THRESHOLDS, label="two_cards")][0] == "cards-near"


def test_rule_scores_count_each_rule_once():
    res = item("x", evidence=[rule("two_cards", 1.5, "tc.a", 0), rule("two_cards", 1.5, "tc.a", 5),
                              rule("two_cards", -1.0, "tc.neg", 9)]).result
    assert rule_scores(res)["two_cards"] == pytest.approx(0.5)


def test_disagree_finds_model_only_labels_rules_overruled_and_countered_labels():
    model_only = item("model-only", {"defamation": 0.7}, ["defamation"], [model("defamation")])
    overruled = item("overruled", {"two_cards": 0.35}, [], [rule("two_cards", 2.5)])
    countered = item("countered", {"online_gambling": 0.8}, ["online_gambling"],
                     [rule("online_gambling", 2.0, "og.a"), rule("online_gambling", -0.5, "og.neg", 3)])
    agreed = item("agreed", {"two_cards": 0.9}, ["two_cards"], [rule("two_cards", 2.5), model("two_cards")])
    assert disagreements(model_only.result) == ["defamation"]
    assert disagreements(overruled.result) == ["two_cards"]
    assert disagreements(countered.result) == ["online_gambling"]
    assert disagreements(agreed.result) == []
    chosen = choose([agreed, model_only, overruled, countered], "disagree", THRESHOLDS)
    assert [i.key for i in chosen] == ["overruled", "model-only", "countered"]  # nearest the threshold first
    assert [i.key for i in choose([model_only, overruled], "disagree", THRESHOLDS, label="defamation")] == \
        ["model-only"]


def test_random_is_a_seeded_sample():
    items = [item(f"t{k}") for k in range(50)]
    first = [i.key for i in choose(items, "random", THRESHOLDS, limit=10, seed=3)]
    assert first == [i.key for i in choose(items, "random", THRESHOLDS, limit=10, seed=3)]
    assert first != [i.key for i in choose(items, "random", THRESHOLDS, limit=10, seed=4)]
    assert first != [f"t{k}" for k in range(10)]


def test_random_with_a_label_samples_texts_that_have_it_or_are_unsure_of_it():
    items = [item("has", labels=["two_cards"]), item("unsure", uncertain=["two_cards"]), item("other")]
    assert sorted(i.key for i in choose(items, "random", THRESHOLDS, label="two_cards")) == ["has", "unsure"]


def test_unknown_strategy_or_label_is_refused():
    with pytest.raises(ValueError, match="unknown strategy"):
        choose([], "loudest", THRESHOLDS)
    with pytest.raises(ValueError, match="unknown label"):
        choose([], "uncertain", THRESHOLDS, label="phishing")
