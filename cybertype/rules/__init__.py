"""Keyword rules: file models and loading (`ruleset`), compiled matching (`matcher`)."""
from cybertype.rules.ruleset import Rule, RuleSet, RuleSetError, builtin_rules_dir, load_rules
from cybertype.rules.matcher import Hit, Matcher, RuleMatch

__all__ = ["Rule", "RuleSet", "RuleSetError", "builtin_rules_dir", "load_rules", "Hit", "Matcher", "RuleMatch"]
