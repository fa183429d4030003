"""Values shown inside messages: control characters escaped, long values cut to a readable length."""
from __future__ import annotations

import re

LIMIT = 200  # characters of a value echoed in a message

# C0 and C1 controls, DEL, and the bidirectional controls that can reorder what a terminal shows.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(message: str) -> str:
    """`message` with every control character spelled as an escape (`\\x00`, `\\u202e`), on one line."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)


def cut(text: str, limit: int = LIMIT) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def quote(value: object, limit: int = LIMIT) -> str:
    """A value as it appears in a message: its repr, with control characters escaped, cut to `limit` characters."""
    return cut(printable(repr(value) if isinstance(value, str) else str(value)), limit)
