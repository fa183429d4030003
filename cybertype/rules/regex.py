"""RE2 compilation of rule regexes, shared by validation (`ruleset`) and matching (`matcher`)."""
from __future__ import annotations


def compile_regex(pattern: str):
    """Compile `pattern` with RE2 (linear time); ValueError with the reason if it is not valid RE2."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would otherwise print to stderr itself
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"regex {pattern!r} is not valid RE2: {reason}") from None
