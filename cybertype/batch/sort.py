"""`--sort-into DIR`: each labeled file hard-linked (else copied, never moved) under `DIR/<primary>/`.

A file is filed once all its records are known, before they are written, so each record can say where
its file went (`sorted_as`), and a kill never leaves a written file unfiled. On `--resume`, the records an
earlier run wrote count too: a multi-record file half done then is filed by all its records, and a file
done then is filed (again: linking is idempotent) if the kill came before its link.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from cybertype.batch.walk import file_key
from cybertype.io.outputs import escape_surrogates

ERRORS = "_errors"  # files that could not be read or decoded: apart from texts really read as none


def sort_into(path: Path, primary: str, dest: Path) -> Path:
    """Hard-link (else copy) `path` into `dest/<primary>/`, never moving it; rename on a name collision.

    Linking the same file twice finds the first link (same file, or same content) instead of a copy.
    """
    folder = dest / primary
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while os.path.lexists(target):
        if os.path.samefile(target, path) or _same_content(target, path):
            return target
        target = folder / f"{path.stem}-{n}{path.suffix}"
        n += 1
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return target


def _same_content(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def file_primary(records: Iterable) -> str:
    """The folder of a file: its records' most common non-none primary; `_errors` when none could be read;
    else none. A record is a `Result`, a `Line` or a resumed `Seen` (whose `error` is a type name or None)."""
    records = list(records)
    counts = Counter(r.primary for r in records if r.error is None and r.primary != "none")
    if counts:
        return counts.most_common(1)[0][0]
    return ERRORS if records and all(r.error is not None for r in records) else "none"


def with_sorted_as(line, where: str):
    """An engine `Line` whose JSON also says where its file was filed."""
    tail = ', "sorted_as": ' + escape_surrogates(json.dumps(where, ensure_ascii=False)) + "}"
    return line._replace(json=line.json[:-1] + tail)


class Filer:
    """Files each file of a run as its records go by; `earlier` holds an earlier run's records per file."""

    def __init__(self, dest: Path, paths: dict[str, Path], earlier: dict[str, list] | None = None):
        # Keys are file sources with lone surrogates escaped, as a CSV output gives them back.
        self.dest, self.earlier = dest, earlier or {}
        self.paths = {escape_surrogates(k): v for k, v in paths.items()}
        self.seen: set[str] = set()

    def file(self, lines: Iterable) -> Iterator:
        """Pass lines through, holding back each file's lines until the file is filed."""
        current, kept = None, []
        for line in lines:
            key = escape_surrogates(file_key(line.source or ""))
            if key != current and kept:
                yield from self._filed(current, kept)
                kept = []
            current = key
            kept.append(line)
        if kept:
            yield from self._filed(current, kept)

    def _filed(self, key: str, lines: list) -> list:
        self.seen.add(key)
        path = self.paths.get(key)
        if path is None or not path.is_file():  # an unreadable folder's record: nothing to link
            return lines
        target = sort_into(path, file_primary([*self.earlier.get(key, ()), *lines]), self.dest)
        where = target.relative_to(self.dest).as_posix()
        return [with_sorted_as(line, where) for line in lines]

    def finish(self) -> None:
        """File what an earlier run wrote but may not have linked (it was killed in between)."""
        for key, records in self.earlier.items():
            path = self.paths.get(key)
            if key not in self.seen and path is not None and path.is_file():
                sort_into(path, file_primary(records), self.dest)
