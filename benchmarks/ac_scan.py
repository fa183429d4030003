"""Reference of figure 7: a bare Aho-Corasick scan of the rules' keywords over a JSON Lines file.

    python benchmarks/ac_scan.py WORKLOAD.jsonl

The floor of what a keyword labeler can cost: every `any`, `all` and `none` keyword of
the built-in rule files (read with tomllib, lower-cased, not normalized) in one
pyahocorasick automaton, and one pass over each lower-cased text counting hits per rule.
No normalization, regexes, model, evidence or JSON output.
"""
import json
import sys
import tomllib
from pathlib import Path

import ahocorasick

RULES = Path(__file__).resolve().parent.parent / "rules"


def automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for path in sorted(RULES.glob("*.toml")):
        for rule in tomllib.loads(path.read_text(encoding="utf-8")).get("rule", []):
            keywords = list(rule.get("any", [])) + list(rule.get("none", []))
            keywords += [k for group in rule.get("all", []) for k in group]
            for k in keywords:
                auto.add_word(k.lower(), rule["id"])
    auto.make_automaton()
    return auto


def main() -> None:
    auto = automaton()
    texts = hits = 0
    with open(sys.argv[1], encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                fired = {rule for _, rule in auto.iter(json.loads(line)["text"].lower())}
                texts += 1
                hits += len(fired)
    print(texts, hits)


if __name__ == "__main__":
    main()
