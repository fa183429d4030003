"""Keyword rules: rule files in, hits with spans out.

`ruleset` (file models, loading, validation), `regex` (RE2), `matcher` (one pass over a text),
`testing` (examples and counter-examples), `stats` (against gold labels)."""
from cybertype.rules.ruleset import Rule, RuleSet, RuleSetError, builtin_rules_dir, load_rules
from cybertype.rules.matcher import Hit, Matcher, RuleMatch

__all__ = ["Rule", "RuleSet", "RuleSetError", "builtin_rules_dir", "load_rules", "Hit", "Matcher", "RuleMatch"]
