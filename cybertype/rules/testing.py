"""Checking rules against their own examples and counter-examples (`cybertype rules test`)."""
from __future__ import annotations

from cybertype.text.normalize import normalize
from cybertype.rules.matcher import Matcher
from cybertype.rules.ruleset import RuleSet


def run_rule_examples(ruleset: RuleSet) -> tuple[list[str], int]:
    """Return (failure messages, number of checks). Each rule is tested on its own."""
    failures: list[str] = []
    checked = 0
    for rule in ruleset.rules:
        matcher = Matcher([rule])
        for text in rule.examples:
            checked += 1
            if not matcher.match(normalize(text)):
                failures.append(f"{rule.id}: example did not fire: {text!r}")
        for text in rule.counter_examples:
            checked += 1
            if matcher.match(normalize(text)):
                failures.append(f"{rule.id}: counter-example fired: {text!r}")
    return failures, checked
