"""Checks made before a batch run does any work: what it writes must not be what it reads.

Every path the run reads (input folders, rule files and folders, the model) and every path it writes
(`-o`, `--summary`, `--sort-into`, the resume sidecar, the skipped-texts log) is resolved through links and compared; an
overlap, a write target that is not a regular file, or a folder that cannot be written stops the run
with exit 2 and one line naming both paths. Inputs that are files among the walked ones are checked
by the run itself (an output resumed in place is allowed there).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cybertype.io.targets import TargetError, kind, resolve_target


@dataclass(frozen=True)
class Paths:
    """What one run reads and writes, as given on the command line (None: not used)."""

    folders: list[Path]
    rules: list[Path]
    model: Path | None
    output: Path | None  # None: stdout
    summary: Path | None
    sort_into: Path | None
    sidecar: Path | None = None
    skipped: Path | None = None  # the log of texts --skip-none left out


def _real(p: Path) -> Path:
    return Path(os.path.realpath(p))


def _same(a: Path, b: Path) -> bool:
    if _real(a) == _real(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _inside(child: Path, parent: Path) -> bool:
    return _real(child).is_relative_to(_real(parent))


def check_folders(folders: list[Path]) -> None:
    """Each argument must be a folder, or a regular file to label on its own (not a device or a FIFO)."""
    for f in folders:
        try:
            st = os.stat(f)
        except FileNotFoundError:
            raise ValueError(f"no such folder: {f}") from None
        except OSError as exc:
            raise ValueError(f"{f}: cannot read: {exc.strerror}") from None
        if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            raise ValueError(f"{f}: not a folder ({kind(st.st_mode)}); give folders (or files) to label")


def check_paths(p: Paths) -> None:
    """Refuse (TargetError, exit 2) any write target that overlaps a read path or another target."""
    writes = [(flag, path) for flag, path in (("-o", p.output), ("--summary", p.summary),
                                              ("the resume record", p.sidecar),
                                              ("the skipped-texts log", p.skipped)) if path is not None]
    for flag, path in writes:
        resolve_target(path, flag)
    for i, (flag_a, a) in enumerate(writes):
        for flag_b, b in writes[i + 1:]:
            if _same(a, b):
                raise TargetError(f"{flag_a} {a} and {flag_b} {b} are the same file; give each its own")
    reads = [("--model", p.model)] if p.model is not None else []
    reads += [("--rules", r) for r in p.rules]
    for flag, path in writes:
        for read_flag, read in reads:
            if _same(path, read) or (read.is_dir() and _inside(path, read)):
                where = "is" if _same(path, read) else "lies in"
                raise TargetError(f"refusing to write {flag} {path}: it {where} {read_flag} {read}, "
                                  "which this run reads")
        if p.sort_into is not None and _same(path, p.sort_into):
            raise TargetError(f"{flag} {path} is the --sort-into folder; give a file")
    if p.sort_into is not None:
        dest = p.sort_into
        if dest.exists() and not dest.is_dir():
            raise TargetError(f"--sort-into {dest}: not a folder")
        for read_flag, read in reads + [("the input folder", f) for f in p.folders if f.is_dir()]:
            if _inside(dest, read) or (read.is_dir() and _inside(read, dest)):
                raise TargetError(f"--sort-into {dest} and {read_flag} {read} overlap (one holds the other); "
                                  "sort into a folder outside what the run reads")
