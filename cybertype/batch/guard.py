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

from cybertype.io.targets import TargetError, check_distinct, inside, kind, same_path


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
    reads = [("--model", p.model)] if p.model is not None else []
    reads += [("--rules", r) for r in p.rules]
    check_distinct(reads, writes)
    for flag, path in writes:
        if p.sort_into is not None and same_path(path, p.sort_into):
            raise TargetError(f"{flag} {path} is the --sort-into folder; give a file")
    if p.sort_into is not None:
        dest = p.sort_into
        if dest.exists() and not dest.is_dir():
            raise TargetError(f"--sort-into {dest}: not a folder")
        for read_flag, read in reads + [("the input folder", f) for f in p.folders if f.is_dir()]:
            if inside(dest, read) or (read.is_dir() and inside(read, dest)):
                raise TargetError(f"--sort-into {dest} and {read_flag} {read} overlap (one holds the other); "
                                  "sort into a folder outside what the run reads")
