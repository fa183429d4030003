"""Rule hits of a long text scanned window by window, with overlap so no hit at a window end is lost.

Each window is scanned with the head of the next one (at least the longest keyword, and `OVERLAP`
characters for regexes) and the last character of the one before (for word-boundary checks) as
context; a hit counts in the window where it starts. All hits go into one `Scanned`, in the text's
normalized coordinates, so rules whose `all` groups or `none` keywords lie in different windows are
decided on the whole text, exactly as in one scan of it. Each kept hit remembers its original span
while its window's offset map is at hand.
"""
from __future__ import annotations

from cybertype.rules.matcher import MAX_SPANS_PER_RULE, Found, Hit, Matcher, Scanned
from cybertype.rules.proximity import digit_runs, merge_runs
from cybertype.rules.ruleset import Rule
from cybertype.text.normalize import Normalized

# Normalized characters of the next window scanned with a window: a regex match across a window end is
# found whole when it is at most this long; a longer one is found from the window end on.
OVERLAP = 4096
# Hits kept per rule and role (any, an `all` group, none) of one text, so memory stays bounded however often
# a keyword repeats. A rule decided on the whole text (no `window`) needs only its first hits per role: its
# evidence is its first MAX_SPANS_PER_RULE spans, its `all` span the first hit of each group, and one `none`
# hit suppresses it. A rule whose `all` groups or `none` keywords must lie within `window` characters may
# need more, up to this many; past it, a long text is decided on its first hits.
WINDOW_RULE_HITS = 200


def hits_needed(rule: Rule) -> int:
    """How many hits per role of `rule` are kept for a long text (see WINDOW_RULE_HITS)."""
    return WINDOW_RULE_HITS if rule.window is not None and (rule.all or rule.none) else MAX_SPANS_PER_RULE


class WindowScanner:
    """Feed it the windows of one text in order (`add`), then take the hits (`done`)."""

    def __init__(self, matcher: Matcher, overlap: int = OVERLAP):
        self.matcher = matcher
        self.overlap = max(overlap, matcher.longest_keyword)
        self.found: Found = {}
        self.spans: dict[Hit, tuple[int, int]] = {}
        self._held: Normalized | None = None  # a window waits for the head of the next one
        self._base = 0  # normalized index where the held window begins
        self._left = ""  # the character before it
        self._limits = [hits_needed(rule) for rule in matcher.rules]
        self._runs: list[tuple[int, int]] = []  # long digit runs, in the text's normalized coordinates

    def add(self, window: Normalized) -> None:
        """The next window of the text."""
        if self._held is not None:
            self._scan(self._held, window)
        self._held = window

    def done(self) -> Scanned:
        """Every hit of the text (call once, after the last window)."""
        if self._held is not None:
            self._scan(self._held, None)
            self._held = None
        return Scanned(self.found, self.spans, tuple(self._runs))

    def _scan(self, cur: Normalized, nxt: Normalized | None) -> None:
        head = nxt.text[: self.overlap] if nxt is not None else ""
        lo = len(self._left)
        hi = lo + len(cur.text)
        new = self.matcher.scan(self._left + cur.text + head, None, lo, hi, offset=self._base - lo,
                                open_end=nxt is not None)
        size = len(cur.text)

        def original(i: int, ends: bool) -> int:
            local = i - self._base
            win = cur if local < size else nxt
            local = local if local < size else local - size
            return win.ends[local] if ends else win.starts[local]

        for idx, roles in new.items():
            kept_roles = self.found.setdefault(idx, {})
            limit = self._limits[idx]
            for role, hits in roles.items():
                kept = kept_roles.setdefault(role, [])
                # Every hit of this window starts after every hit kept from the windows before it.
                for hit in sorted(set(hits))[: max(0, limit - len(kept))]:
                    kept.append(hit)
                    if hit not in self.spans:
                        self.spans[hit] = (original(hit.start, False), original(hit.end - 1, True))
        merge_runs(self._runs, digit_runs(cur.text, self._base))
        self._base += size
        self._left = cur.text[-1:]
