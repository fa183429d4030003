"""Distances for rule windows that do not count long digit runs character by character.

A card number, ID number or phone number between two keywords says nothing about how far apart the
keywords are in the writer's sentence: `名下工商银行卡6222021234567890123出租给上线` is one clause. For
`window` checks a run of `MIN_RUN` or more digits (spaces and hyphens inside it allowed) therefore
counts as one character. Only the distance changes: hits and their offsets stay those of the text.
"""
from __future__ import annotations

import re
from bisect import bisect_right

MIN_RUN = 5
_RUN = re.compile(r"[0-9](?:[0-9 \-]*[0-9])?")


def digit_runs(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """[start, end) of each run of at least MIN_RUN digits in `text`, shifted by `offset`."""
    out = []
    for m in _RUN.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= MIN_RUN:
            out.append((m.start() + offset, m.end() + offset))
    return out


class Proximity:
    """Maps a text position to its position with every digit run shrunk to one character."""

    def __init__(self, runs: list[tuple[int, int]] | tuple = ()):
        self._starts = [s for s, _ in runs]
        self._runs = list(runs)
        self._saved = [0]  # characters dropped by the runs before run i
        for s, e in self._runs:
            self._saved.append(self._saved[-1] + (e - s - 1))

    def __call__(self, pos: int) -> int:
        """Position of `pos` in the shrunk text (a position inside a run maps to the run's one character)."""
        i = bisect_right(self._starts, pos)
        if i == 0:
            return pos
        s, e = self._runs[i - 1]
        if pos < e:
            return s - self._saved[i - 1]
        return pos - self._saved[i]


def merge_runs(runs: list[tuple[int, int]], new: list[tuple[int, int]]) -> None:
    """Append `new` runs (of the next window) to `runs`, joining a run that a window end cut in two."""
    for s, e in new:
        if runs and runs[-1][1] == s:
            runs[-1] = (runs[-1][0], e)
        else:
            runs.append((s, e))
