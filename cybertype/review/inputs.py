"""The texts to review: files, folders, JSONL or CSV read as `classify` and `batch` read them, and optionally
an earlier `classify`/`batch` output whose records give the predictions instead of classifying again.

Inputs that cannot be read are counted, not reviewed (there is no text to label).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cybertype.batch.walk import DEFAULT_GLOBS, walk
from cybertype.io.inputs import InputRecord, read_path
from cybertype.result import Result


@dataclass
class Item:
    """One text offered for review, with the prediction it is reviewed against."""

    key: str  # the answer's id: the record's id, else its source
    record: InputRecord
    result: Result


def read_inputs(paths: Iterable[str | Path], *, text_field: str = "text", id_field: str = "id",
                encoding: str | None = None, globs: Iterable[str] = DEFAULT_GLOBS) -> Iterator[InputRecord]:
    """Records of every file given, and of every matching file under every folder given (in name order)."""
    for path in map(Path, paths):
        if path.is_dir():
            for item in walk([path], globs):
                yield from read_path(item.path, text_field=text_field, id_field=id_field, source=item.source,
                                     encoding=encoding)
        else:
            yield from read_path(path, text_field=text_field, id_field=id_field, encoding=encoding)


def read_results(path: Path) -> dict[str, Result]:
    """An earlier output (JSON Lines of result records), by source and by id, for `match`."""
    out: dict[str, Result] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the earlier output {path}: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = Result.model_validate(json.loads(line))
        except ValueError:
            raise ValueError(f"{path}:{n}: not a cybertype result record") from None
        if r.error is None:
            for key in (f"source:{r.source}", f"id:{r.id}"):
                out.setdefault(key, r)
    return out


def key_of(record: InputRecord) -> str:
    """The id an answer gets: the record's own id, else where it came from."""
    return record.id or record.source or ""


def items(records: Iterable[InputRecord], classifier, earlier: dict[str, Result] | None = None,
          skip: set[str] = frozenset()) -> tuple[list[Item], int]:
    """The readable records not in `skip`, each with its prediction (from `earlier`, else `classifier`),
    and the number of records that could not be read."""
    from cybertype.classifier import classify_records

    todo, unreadable, known = [], 0, []
    for rec in records:
        if rec.error is not None:
            unreadable += 1
        elif key_of(rec) not in skip:
            prior = (earlier or {}).get(f"source:{rec.source}") or (earlier or {}).get(f"id:{rec.id}")
            known.append(prior)
            todo.append(rec)
    fresh = iter(classify_records(classifier, [r for r, p in zip(todo, known) if p is None]))
    out = [Item(key_of(rec), rec, prior if prior is not None else next(fresh)) for rec, prior in zip(todo, known)]
    return out, unreadable
