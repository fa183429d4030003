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
        from cybertype.text.quote import cut, printable, quote

        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        # Both the pattern and RE2's reason (which quotes the pattern) are cut: a 1 MB regex is not echoed.
        raise ValueError(f"regex {quote(pattern)} is not valid RE2: {cut(printable(reason))}") from None
