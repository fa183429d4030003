"""Output writers: JSON Lines, JSON, CSV and a rich table, all streaming where the format allows."""
from __future__ import annotations

import csv
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

from cybertype.io.targets import resolve_target
from cybertype.labels import LABEL_IDS
from cybertype.result import Result

OutputFormat = Literal["table", "json", "jsonl", "csv"]
CSV_COLUMNS = ["id", "source", "labels", "primary", *(f"score_{label}" for label in LABEL_IDS),
               "evidence", "error_type", "error_message", "warnings", "sorted_as"]


# A lone surrogate (from a JSON input such as "\\ud800") cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """Lone surrogates as \\uXXXX escapes: valid inside JSON strings (the same string once parsed)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_escape_surrogates = escape_surrogates
SURROGATE_WARNING = "lone surrogate(s) in the id or source written as \\uXXXX escapes"


def output_schema() -> dict:
    """The JSON Schema of one output record, strict: every field required (`context` excepted, which only
    --explain adds), labels and primary as enums, no properties beyond the contract's."""
    schema = Result.model_json_schema()
    defs = schema.get("$defs", {})
    for model in (schema, defs["Evidence"], defs["ErrorInfo"]):
        model["required"] = [k for k in model["properties"] if k != "sorted_as"]  # only with --sort-into
        model["additionalProperties"] = False
    # Added by the writers of `classify --explain` with JSON output, never by the library.
    defs["Evidence"]["properties"]["context"] = {
        "type": "string", "description": "with classify --explain -f json|jsonl only: the match with up to 20 "
                                         "characters of text on each side ('…' where the text was cut)"}
    props = schema["properties"]
    labels = {"type": "string", "enum": list(LABEL_IDS)}
    props["labels"]["items"] = labels
    props["uncertain"]["items"] = labels
    props["primary"]["enum"] = [*LABEL_IDS, "none"]
    props["scores"] = {"type": "object", "description": props["scores"].get("description", ""),
                       "properties": {label: {"type": "number", "minimum": 0, "maximum": 1} for label in LABEL_IDS},
                       "additionalProperties": False}
    defs["Evidence"]["properties"]["label"]["enum"] = list(LABEL_IDS)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def to_json(result: Result, redact: str = "none", text: str | None = None) -> str:
    """One record as compact JSON (the JSON Lines line without its newline); `redact`: see `redact_record`;
    with the record's `text`, each evidence item gets its `context` (`classify --explain`)."""
    return _escape_surrogates(json.dumps(record_dict(result, redact, text), ensure_ascii=False))


def record_dict(result: Result, redact: str = "none", text: str | None = None) -> dict:
    """One record as the dict its JSON is made of (see `to_json`)."""
    record = result.model_dump(mode="json")
    if record.get("sorted_as") is None:  # `sorted_as` appears only when --sort-into filed the record's file
        record.pop("sorted_as", None)
    if text is not None and record["evidence"]:
        from cybertype.text.redact import find

        found = find(text) if redact != "none" else []  # once per text, not once per evidence item
        for e in record["evidence"]:
            if 0 <= e["start"] <= e["end"] <= len(text):
                e["context"] = "".join(context(text, e["start"], e["end"], redact, found=found))
                if found:
                    # A match that is a piece of a number (a model feature "6222", say) is masked with the
                    # number it is part of: masking the match on its own would not recognise it.
                    from cybertype.text.redact import redact_slice

                    e["match"] = redact_slice(text, e["start"], e["end"], found, redact)
                    if e.get("feature"):  # a model feature is its kind and the matched text: "c:0212"
                        e["feature"] = e["feature"][:2] + e["match"]
    return redact_record(record, redact)


def redact_record(record: dict, mode: str = "none") -> dict:
    """A record (as a dict) with personal data masked in the text it carries: each evidence `match`,
    `context` if present, and the error message. Offsets are left as they are: those of the original text."""
    if mode == "none":
        return record
    from cybertype.text.redact import redact

    for e in record.get("evidence") or ():
        e["match"] = mask_digit_runs(redact(e["match"], mode))
        if e.get("feature"):
            e["feature"] = mask_digit_runs(redact(e["feature"], mode))
        if e.get("context"):
            e["context"] = redact(e["context"], mode)
    if record.get("error"):
        record["error"]["message"] = redact(record["error"]["message"], mode)
    return record


_DIGIT_RUN = re.compile(r"\[[A-Z]+(?::[^\]]*)?\]|\d{4,}")


def mask_digit_runs(match: str) -> str:
    """Without the text around it, a run of four or more digits in a match may be a piece of a card or
    phone number that cannot be recognised on its own: masked as [NUM] (masks already made stay)."""
    return _DIGIT_RUN.sub(lambda m: m.group() if m.group().startswith("[") else "[NUM]", match)


def _line(r, redact: str, text: str | None = None) -> str:
    """The JSON line of a `Result` or of a `batch.Line` (whose JSON a worker made, unmasked)."""
    if not isinstance(r, tuple):
        return to_json(r, redact, text)
    if redact == "none":
        return r.json
    return _escape_surrogates(json.dumps(redact_record(json.loads(r.json), redact), ensure_ascii=False))


def csv_row(result: Result, redact: str = "none") -> list[str]:
    """One record as a CSV row in `CSV_COLUMNS` order; lists are joined with ';'."""
    ev = ";".join(f"{e.rule}@{e.start}-{e.end}" for e in result.evidence)
    err = result.error
    message = err.message if err else ""
    if redact != "none" and message:
        from cybertype.text.redact import redact as mask_text

        message = mask_text(message, redact)
    warnings = list(result.warnings)
    if _SURROGATE.search((result.id or "") + (result.source or "")):
        warnings.append(SURROGATE_WARNING)  # the row still goes out: one odd name never stops a run
    row = [result.id or "", result.source or "", ";".join(result.labels), result.primary,
           *(f"{result.scores.get(label, 0.0):.4f}" for label in LABEL_IDS), ev,
           err.type if err else "", message, ";".join(warnings), result.sorted_as or ""]
    return [_escape_surrogates(cell) for cell in row]


def _from_line(line) -> Result:
    # json.loads, not pydantic's JSON parser: it reads a lone-surrogate escape such as "\\udc80" back.
    return Result.model_validate(json.loads(line.json))


def write_jsonl(results: Iterable, out: IO[str], redact: str = "none", texts: dict[int, str] | None = None) -> Iterator:
    """Write each record as one line, flushed at once; yields the records written.

    A record is a `Result`, or a `batch.Line` whose JSON a worker process already made; `redact`
    ('none', 'partial', 'full') masks personal data in the text the record carries; `texts` (record number
    -> text, taken out as each record is written) adds the evidence `context`.
    """
    for k, r in enumerate(results):
        out.write(_line(r, redact, texts.pop(k, None) if texts is not None else None) + "\n")
        out.flush()
        yield r


def write_csv(results: Iterable, out: IO[str], header: bool = True, redact: str = "none") -> Iterator:
    """Write records (`Result`s or `batch.Line`s) as CSV rows, flushed per row; yields the records written."""
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_COLUMNS)
    for r in results:
        writer.writerow(csv_row(_from_line(r) if isinstance(r, tuple) else r, redact))
        out.flush()
        yield r


def write_json(results: Iterable[Result], out: IO[str], redact: str = "none",
               texts: dict[int, str] | None = None) -> Iterator[Result]:
    """Write one JSON array (records kept in memory until the end); yields the records."""
    kept = []
    for k, r in enumerate(results):
        kept.append(record_dict(r, redact, texts.pop(k, None) if texts is not None else None))
        yield r
    out.write(_escape_surrogates(json.dumps(kept, ensure_ascii=False, indent=2)) + "\n")
    out.flush()


# Control characters of an input (ESC sequences that recolour, retitle or clear a terminal, or write
# its clipboard) are shown as visible escapes in the table, never sent to the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


def console_options(color: str = "auto") -> dict:
    """rich Console arguments for --color: auto (colors on a terminal unless NO_COLOR is set), always, never."""
    if color == "never":
        return {"no_color": True, "color_system": None}
    if color == "always":
        return {"force_terminal": True, "no_color": False}
    return {}


# Widths (in columns) from which the table shows more columns; below them a label name still never wraps.
WIDE, MEDIUM = 110, 72


def write_table(results: Iterable[Result], out: IO[str], explain: bool = False,
                texts: dict[int, str] | None = None, redact: str = "none", color: str = "auto") -> Iterator[Result]:
    """Print a rich table (and, with `explain`, evidence in context); yields the records.

    On a narrower terminal it drops columns (rules, then scores) rather than split a label name.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(value: str) -> Text:  # a Text, not a str: input such as "[link=…]" is not read as markup
        return Text(_visible(value))

    console = Console(file=out, soft_wrap=False, highlight=False, **console_options(color))
    width = console.width
    kept = list(results)
    table = Table(show_lines=width < WIDE)
    table.add_column("id / source" if width < WIDE else "id", overflow="fold")
    if width >= WIDE:
        table.add_column("source", overflow="fold")
    table.add_column("labels", no_wrap=True)  # one label a line: a label name is never split
    table.add_column("primary", no_wrap=True)
    if width >= MEDIUM:
        table.add_column("top scores" if width >= WIDE else "score", no_wrap=width < WIDE, overflow="fold")
    if width >= WIDE:
        table.add_column("rules", overflow="fold")
    for r in kept:
        top = sorted(r.scores.items(), key=lambda kv: -kv[1])[:3]
        ident = [cell(r.id or "")] if width >= WIDE else [cell(f"{r.id or ''}\n{r.source or ''}")]
        if width >= WIDE:
            ident.append(cell(r.source or ""))
        if r.error:
            message = r.error.message
            if redact != "none":
                from cybertype.text.redact import redact as mask_text

                message = mask_text(message, redact)
            extra = [cell(message)] + ([Text("")] if width >= WIDE else []) if width >= MEDIUM else []
            if width < MEDIUM:
                ident = [cell(f"{r.id or ''}\n{r.source or ''}\n{message}")]
            table.add_row(*ident, Text("error", style="red"), cell(r.error.type), *extra)
            continue
        labels = Text("\n".join(r.labels) or "none", style="bold green" if r.labels else "dim")
        row = [*ident, labels, r.primary]
        if width >= WIDE:
            row.append(",\n".join(f"{k} {v:.2f}" for k, v in top if v >= 0.01) or "-")
        elif width >= MEDIUM:
            best = max(r.scores.values(), default=0.0)
            row.append(f"{best:.2f}")
        if width >= WIDE:
            row.append(", ".join(dict.fromkeys(("-" if e.counter else "") + e.rule for e in r.evidence)) or "-")
        table.add_row(*row)
    console.print(table)
    if explain:
        for k, r in enumerate(kept):
            text = (texts or {}).get(k)
            if r.error or not r.evidence or text is None:
                continue
            console.print(Text(_visible(f"{r.id or ''} {r.source or ''}"), style="bold"))
            for e in r.evidence:
                before, match, after = context(text, e.start, e.end, redact)
                line = Text("  ")
                against = "against " if e.counter else ""
                line.append(f"{e.rule} ({against}{e.label} {e.weight:+.2f}) ", style="red" if e.counter else "cyan")
                line.append(_visible(before))
                line.append(_visible(match), style="bold reverse yellow")
                line.append(_visible(after))
                console.print(line)
    for r in kept:
        yield r


CONTEXT = 20  # characters of context shown on each side of an evidence match


def context(text: str, start: int, end: int, redact: str = "none", width: int = CONTEXT,
            found: list | None = None) -> tuple[str, str, str]:
    """The text before an evidence match (up to `width` characters, '…' where cut), the match, and the text
    after it, newlines as spaces; with `redact`, personal data in any of them is masked whole (`found`: the
    personal data of the whole text, if already found)."""
    from cybertype.text.redact import find_in, redact_slice

    lo, hi = max(0, start - width), min(len(text), end + width)
    if redact == "none":
        found = []
    elif found is None:
        found = find_in(text, lo, hi)
    # A piece that straddles the match's edge is shown in the match, not cut in two.
    for p in found:
        if p.start < start < p.end:
            start = p.start
        if p.start < end < p.end:
            end = p.end
    lo, hi = min(lo, start), max(hi, end)
    before = ("…" if lo else "") + redact_slice(text, lo, start, found, redact).replace("\n", " ")
    match = redact_slice(text, start, end, found, redact)
    after = redact_slice(text, end, hi, found, redact).replace("\n", " ") + ("…" if hi < len(text) else "")
    return before, match, after


@contextmanager
def atomic_output(path: Path, protected: Iterable[Path] = (), flag: str = "output"):
    """Open `path` for writing through a temporary file renamed into place on success.

    Refuses to write over any of `protected` (the inputs), over anything but a regular file (a device
    or a FIFO is never replaced), and through a symlink another user planted in a shared folder.
    """
    target = resolve_target(path, flag)
    for p in protected:
        try:
            if target == Path(p).resolve() or (target.exists() and os.path.samefile(target, p)):
                raise ValueError(f"refusing to overwrite input file {p}")
        except OSError:
            continue
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.chmod(tmp, _file_mode(target))  # mkstemp makes 0600; give the file the mode a plain open() would
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def _file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)  # replacing a file keeps its mode
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def stdout() -> IO[str]:
    """Standard output as UTF-8 text whatever the locale (a lone surrogate is written as an escape)."""
    if hasattr(sys.stdout, "reconfigure"):
        try:
            sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (ValueError, OSError):
            pass
    return sys.stdout
