"""Compiled rules: one Aho-Corasick automaton over every keyword, plus RE2 regexes.

The automaton runs once over the normalized text; each keyword hit is routed
to the rules (and roles: any / all-group / none) that use it. Regexes run on
RE2, whose matching time is linear in the text, so no pattern can hang.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

from cybertype.text.normalize import Normalized, normalize_keyword
from cybertype.rules.proximity import Proximity, digit_runs
from cybertype.rules.regex import compile_regex
from cybertype.rules.ruleset import Rule

_ANY, _NONE = -1, -2  # roles; a role >= 0 is an `all` group index
MAX_SPANS_PER_RULE = 20  # evidence cap per rule and text, so a 1 MB file stays readable


Found = dict  # rule index -> role -> list of `Hit`: what `Matcher.scan` gathers for `Matcher.evaluate`


class Hit(NamedTuple):
    """A keyword or regex match in normalized coordinates."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that fired on a text, with its spans in normalized coordinates."""

    rule: Rule
    spans: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class Scanned:
    """The hits of a long text scanned window by window (`rules.windows`), with each hit's original span.

    It stands in for the text's `Normalized` form: `Matcher.match` decides the rules on its hits, and
    `original_span` maps each of their spans back to the original text, as `Normalized` does.
    """

    found: Found
    spans: dict[Hit, tuple[int, int]]
    runs: tuple[tuple[int, int], ...] = ()  # long digit runs, for window distances (`rules.proximity`)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of a hit's normalized span."""
        return self.spans[Hit(start, end)]


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class Matcher:
    """All rules of a rule set, compiled for one pass per text."""

    def __init__(self, rules: list[Rule]):
        self.rules = list(rules)
        self._automaton = ahocorasick.Automaton()
        routes: dict[str, list[tuple[int, int]]] = {}
        for idx, rule in enumerate(self.rules):
            for kw in rule.any:
                routes.setdefault(normalize_keyword(kw), []).append((idx, _ANY))
            for g, group in enumerate(rule.all):
                for kw in group:
                    routes.setdefault(normalize_keyword(kw), []).append((idx, g))
            for kw in rule.none:
                routes.setdefault(normalize_keyword(kw), []).append((idx, _NONE))
        for kw, targets in routes.items():
            # Keywords that begin or end with a Latin letter/digit match only at word boundaries.
            bounded = (_is_ascii_alnum(kw[0]), _is_ascii_alnum(kw[-1]))
            self._automaton.add_word(kw, (len(kw), bounded, tuple(dict.fromkeys(targets))))
        self._empty = not routes
        self.longest_keyword = max(map(len, routes), default=0)  # normalized characters
        if not self._empty:
            self._automaton.make_automaton()
        self._regexes = [(idx, compile_regex(p)) for idx, r in enumerate(self.rules) for p in r.regex]
        self._groups = [len(r.all) for r in self.rules]

    def match(self, norm: Normalized | Scanned) -> list[RuleMatch]:
        """Rules that fire on the normalized text (or on the hits of a text scanned in windows), in rule order."""
        if isinstance(norm, Scanned):
            return self.evaluate(norm.found, norm.runs)
        return self.evaluate(self.scan(norm.text), digit_runs(norm.text))

    def scan(self, text: str, found: Found | None = None, lo: int = 0, hi: int | None = None,
             offset: int = 0, open_end: bool = False) -> Found:
        """Add the keyword and regex hits of `text` that start in [lo, hi) to `found`, shifted by `offset`.

        A long text is scanned window by window into one `found` (text[:lo] and text[hi:] are context
        around the window, so hits at its edges see their neighbours; `open_end`: the text goes on after
        `text`, so a regex match reaching its end is dropped); `evaluate` then decides the rules
        on all hits at once, exactly as for one scan of the whole text.
        """
        found = {} if found is None else found
        n = len(text)
        hi = n if hi is None else hi
        if not self._empty and text:
            for end_idx, (length, (left, right), targets) in self._automaton.iter(text):
                start, end = end_idx + 1 - length, end_idx + 1
                if start < lo or start >= hi:
                    continue
                if left and start > 0 and _is_ascii_alnum(text[start - 1]):
                    continue
                if right and end < n and _is_ascii_alnum(text[end]):
                    continue
                hit = Hit(start + offset, end + offset)
                for idx, role in targets:
                    roles = found.get(idx)
                    if roles is None:
                        found[idx] = {role: [hit]}
                    else:
                        hits = roles.get(role)
                        if hits is None:
                            roles[role] = [hit]
                        else:
                            hits.append(hit)
        for idx, rx in self._regexes:
            roles = found.get(idx)
            hits = roles.get(_ANY, []) if roles is not None else []
            fresh = not hits
            for m in rx.finditer(text):
                if m.start() >= hi:
                    break
                if open_end and m.end() == n:
                    continue  # `text` is cut here, not ended: a match reaching its end (`$`) cannot be trusted
                if m.end() > m.start() and m.start() >= lo:
                    hits.append(Hit(m.start() + offset, m.end() + offset))
                    if len(hits) >= MAX_SPANS_PER_RULE:
                        break
            if fresh and hits:
                found.setdefault(idx, {})[_ANY] = hits
        return found

    def evaluate(self, found: Found, runs=()) -> list[RuleMatch]:
        """Rules that fire on the hits `scan` found, in rule order; `runs` (long digit runs of the text)
        count as one character each in `window` distances."""
        out = []
        prox = Proximity(runs)
        groups = self._groups
        for idx in sorted(found):
            roles = found[idx]
            # A rule can fire only on an `any` hit or a hit in every `all` group; skip the others
            # before the full evaluation (which would return no spans for them).
            if _ANY not in roles and not (groups[idx] and all(g in roles for g in range(groups[idx]))):
                continue
            spans = self._evaluate(self.rules[idx], roles, prox)
            if spans:
                out.append(RuleMatch(self.rules[idx], tuple(spans[:MAX_SPANS_PER_RULE])))
        return out

    @staticmethod
    def _evaluate(rule: Rule, roles: dict[int, list[Hit]], prox: Proximity) -> list[Hit]:
        none_hits = sorted(roles.get(_NONE, []))
        if none_hits and rule.window is None:
            return []  # a `none` keyword anywhere suppresses a rule without a window
        none_starts = [prox(h.start) for h in none_hits]

        def suppressed(lo: int, hi: int) -> bool:
            if not none_hits or rule.window is None:
                return False
            w = rule.window
            i = bisect_left(none_starts, prox(lo) - w)
            return i < len(none_starts) and none_starts[i] <= prox(hi) + w

        spans = [h for h in sorted(set(roles.get(_ANY, []))) if not suppressed(h.start, h.start)]
        if rule.all and all(g in roles for g in range(len(rule.all))):
            spans.extend(Matcher._all_spans(rule, roles, suppressed, prox))
        return sorted(set(spans))

    @staticmethod
    def _all_spans(rule: Rule, roles: dict[int, list[Hit]], suppressed, prox: Proximity) -> list[Hit]:
        groups = len(rule.all)
        if rule.window is None:
            return [min(roles[g]) for g in range(groups)]
        # Sliding window over all group hits sorted by start: find spans where every
        # group has a hit and the starts lie within `window` characters.
        # Starts are compared in proximity coordinates, where a long digit run is one character.
        tagged = sorted((prox(h.start), g, h) for g in range(groups) for h in roles[g])
        counts = [0] * groups
        covered = 0
        lo = 0
        picked: list[Hit] = []
        for hi, (start, g, _hit) in enumerate(tagged):
            if counts[g] == 0:
                covered += 1
            counts[g] += 1
            while tagged[lo][0] < start - rule.window:
                lg = tagged[lo][1]
                counts[lg] -= 1
                if counts[lg] == 0:
                    covered -= 1
                lo += 1
            if covered == groups:
                window_hits = [t[2] for t in tagged[lo : hi + 1]]
                if not suppressed(window_hits[0].start, window_hits[-1].start):
                    picked.extend(window_hits)
                    if len(picked) >= MAX_SPANS_PER_RULE:
                        break
        return picked
