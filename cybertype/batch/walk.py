"""Files -> work units: walking folders in a stable order, and the units the engines classify.

A unit is an `InputRecord` (already read) or a `FileTask` (a single-text file that whoever classifies
it reads itself, which keeps the reading off the main process of the local engine).
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cybertype.io.inputs import InputRecord, format_for, read_path
from cybertype.io.outputs import escape_surrogates

DEFAULT_GLOBS = ("*.txt", "*.md", "*.json", "*.jsonl", "*.csv")
DEFAULT_MAX_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class FileItem:
    """One file found under a scanned folder (or, with `error` set, a folder that could not be read)."""

    path: Path
    source: str  # path relative to the scanned folder, as shown in records
    error: str | None = None  # why a folder could not be listed: it gets an error record


def _matches(rel: str, name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def walk(folders: Iterable[str | Path], globs: Iterable[str] = DEFAULT_GLOBS,
         excludes: Iterable[str] = ()) -> Iterator[FileItem]:
    """Files under `folders` matching `globs` and no `excludes`, in sorted order.

    Hidden folders are skipped and symlinked folders are not followed (a link loop
    cannot trap the walk). With several folders, sources keep the folder as given.
    A folder that cannot be listed is yielded too, with `error` set, so it is never skipped silently.
    """
    folders = [Path(f) for f in folders]
    globs, excludes = tuple(globs) or DEFAULT_GLOBS, tuple(excludes)
    for folder in folders:
        if folder.is_file():
            yield FileItem(folder, folder.name if len(folders) == 1 else str(folder))
            continue
        for path, rel, error in _walk_sorted(folder, excludes):
            name = rel if len(folders) == 1 else (folder / rel).as_posix()
            if error is not None:
                yield FileItem(path, name, error)
            elif _matches(rel, path.name, globs):
                yield FileItem(path, name)


def _listing(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _walk_sorted(folder: Path, excludes: tuple[str, ...]) -> Iterator[tuple[Path, str, str | None]]:
    """Depth-first by name, files and folders interleaved in name order; (path, rel, error) per file or
    unreadable folder. Iterative, with a stack of listings, so any depth of folders is walked."""
    try:
        stack = [(iter(_listing(folder)), "")]
    except OSError as exc:
        yield folder, "./", f"cannot read folder: {exc.strerror or exc}"
        return
    while stack:
        entries, prefix = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        rel = prefix + entry.name
        if _matches(rel, entry.name, excludes):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    try:
                        stack.append((iter(_listing(Path(entry.path))), rel + "/"))
                    except OSError as exc:
                        yield Path(entry.path), rel + "/", f"cannot read folder: {exc.strerror or exc}"
            elif entry.is_file():  # follows a symlink to a file, never one to a folder
                yield Path(entry.path), rel, None
        except OSError:
            continue


def file_key(source: str) -> str:
    """The file part of a record's source ('a/b.jsonl:12' -> 'a/b.jsonl')."""
    head, sep, tail = source.rpartition(":")
    return head if sep and tail.isdigit() else source


def records(items: Iterable[FileItem], *, text_field: str = "text", id_field: str = "id",
            max_bytes: int | None = DEFAULT_MAX_BYTES,
            done: set[tuple[str | None, str | None]] | None = None,
            encoding: str | None = None) -> Iterator[InputRecord]:
    """Input records of every file, skipping (source, id) pairs in `done`; `encoding` forces one."""
    for item in items:
        if item.error is not None:
            yield InputRecord(id=None, source=item.source, error=("ReadError", item.error))
            continue
        for rec in read_path(item.path, text_field=text_field, id_field=id_field, source=item.source,
                             max_bytes=max_bytes, encoding=encoding, regular_only=True):
            if done and done_key(rec.source, rec.id) in done:
                continue
            yield rec


@dataclass(frozen=True, slots=True)
class FileTask:
    """A single-text file that a worker reads itself (keeps reading off the main process)."""

    path: Path
    source: str
    max_bytes: int | None
    encoding: str | None = None  # forced by --encoding; None: detected


def units(items: Iterable[FileItem], *, text_field: str = "text", id_field: str = "id",
          max_bytes: int | None = DEFAULT_MAX_BYTES,
          done: set[tuple[str | None, str | None]] | None = None,
          encoding: str | None = None) -> Iterator[InputRecord | FileTask]:
    """Work units, in order: a `FileTask` per plain-text file, records of multi-record files."""
    done_files = {file_key(src or "") for src, _ in done} if done else set()
    for item in items:
        if item.error is None and format_for(item.path) == "text":
            if done_key(item.source, None)[0] not in done_files:  # a text file is one record: done or not as a whole
                yield FileTask(item.path, item.source, max_bytes, encoding)
            continue
        yield from records([item], text_field=text_field, id_field=id_field, max_bytes=max_bytes, done=done,
                           encoding=encoding)


Unit = InputRecord | FileTask


def expand(units: Iterable[Unit]) -> Iterator[InputRecord]:
    """Records of work units: each `FileTask` read here, records passed through."""
    for unit in units:
        if isinstance(unit, FileTask):
            yield from read_path(unit.path, source=unit.source, max_bytes=unit.max_bytes, encoding=unit.encoding,
                                 regular_only=True)
        else:
            yield unit


def done_key(source: str | None, id: str | None) -> tuple[str | None, str | None]:
    """The key a text is skipped by on --resume: the same whether read back from JSONL or from CSV (which
    keeps lone surrogates as escapes)."""
    return (escape_surrogates(source) if source else None, escape_surrogates(id) if id else None)


def same_file(a: Path, b: Path) -> bool:
    """True when two paths name the same file (also through links)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
