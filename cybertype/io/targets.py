"""Write targets opened safely: regular files only, no planted symlinks followed, an exclusive lock.

`-o`, `--summary`, `--sort-into` and the resume sidecar all go through here, so a device node or a
FIFO is never replaced or written into, and a symlink that another user planted in a sticky
world-writable folder (such as /tmp) is never followed (the rule of the kernel's protected_symlinks).
`check_distinct` is the guard every command that writes files runs before any work: nothing it
writes may be something it reads, resolved through links.
"""
from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path
from typing import IO

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket",
          stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link"}


class TargetError(ValueError):
    """A write target that must not be written (exit 2: nothing was labeled)."""


def kind(mode: int) -> str:
    """'a FIFO', 'a device', 'a folder' ... for a file mode that is not a regular file's."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _trusted_link(path: Path) -> None:
    """Refuse a final symlink in a sticky world-writable folder unless it belongs to us or the folder's owner."""
    try:
        link = os.lstat(path)
        if not stat.S_ISLNK(link.st_mode):
            return
        parent = os.stat(path.parent)
    except OSError:
        return
    sticky_open = parent.st_mode & stat.S_ISVTX and parent.st_mode & stat.S_IWOTH
    if sticky_open and link.st_uid not in (os.geteuid(), parent.st_uid, 0):
        raise TargetError(f"refusing to follow the symbolic link {path}: it lies in the shared folder {path.parent} "
                          f"and belongs to another user (uid {link.st_uid})")


def resolve_target(path: Path, flag: str) -> Path:
    """The real path `flag` (e.g. '-o') would write: checked as a regular file (or none yet) in a writable folder."""
    path = Path(path)
    _trusted_link(path)
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise TargetError(f"{flag} {path}: cannot write there: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise TargetError(f"{flag} {path}: not a regular file ({kind(st.st_mode)}); give a file to write")
    folder = real.parent
    if not folder.is_dir():
        raise TargetError(f"{flag} {path}: no such folder {folder}")
    if not os.access(folder, os.W_OK) or (st is not None and not os.access(real, os.W_OK)):
        why = "read-only file system" if _read_only(folder) else "permission denied"
        raise TargetError(f"{flag} {path}: cannot write there ({why})")
    return real


def same_path(a: Path, b: Path) -> bool:
    """True when two paths name the same file or folder: the same real path, or the same inode (hard links)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def inside(child: Path, parent: Path) -> bool:
    """True when `child` lies in the folder `parent` (or is it), resolved through links."""
    return Path(os.path.realpath(child)).is_relative_to(os.path.realpath(parent))


def check_distinct(reads: list[tuple[str, Path]], writes: list[tuple[str, Path]]) -> None:
    """Refuse (TargetError, exit 2) a write target that is not a regular file, that is another write
    target, or that is, or lies in a folder, among `reads`; (flag, path) pairs, as the user gave them."""
    for flag, path in writes:
        resolve_target(path, flag)
    for i, (flag_a, a) in enumerate(writes):
        for flag_b, b in writes[i + 1:]:
            if same_path(a, b):
                raise TargetError(f"{flag_a} {a} and {flag_b} {b} are the same file; give each its own")
    for flag, path in writes:
        for read_flag, read in reads:
            if same_path(path, read) or (read.is_dir() and inside(path, read)):
                where = "is" if same_path(path, read) else "lies in"
                raise TargetError(f"refusing to write {flag} {path}: it {where} {read_flag} {read}, "
                                  "which this run reads")


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def open_locked(path: Path, flag: str) -> IO[str]:
    """Open a checked target for writing, not truncated yet, under an exclusive lock; positioned at its end.

    The lock is refused, not waited for, when another run holds it (exit 2). `O_NOFOLLOW` and `O_NONBLOCK`
    keep a symlink or a FIFO swapped in after the check from being followed or blocking the run.
    """
    real = resolve_target(path, flag)
    try:
        fd = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise TargetError(f"{flag} {path}: cannot open for writing: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise TargetError(f"{flag} {path}: not a regular file ({kind(st.st_mode)}); give a file to write")
        lock(fd, path, "output file")
        os.set_blocking(fd, True)
        os.lseek(fd, 0, os.SEEK_END)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


def lock(fd: int, path: Path, what: str) -> None:
    """An exclusive `flock` on `fd`, or TargetError naming `path` when another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise TargetError(f"{path}: {what} in use by another cybertype batch run; wait for it to end, "
                          "or write elsewhere") from None


def lock_folder(path: Path, flag: str) -> int:
    """Create `path` (a folder to write into) if needed and lock it; returns the descriptor holding the lock."""
    path = Path(path)
    _trusted_link(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(os.path.realpath(path), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileExistsError:
        raise TargetError(f"{flag} {path}: not a folder") from None
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP):  # a file, or a link, in the way
            raise TargetError(f"{flag} {path}: not a folder") from None
        raise TargetError(f"{flag} {path}: cannot create or open the folder: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        os.close(fd)
        why = "read-only file system" if _read_only(path) else "permission denied"
        raise TargetError(f"{flag} {path}: cannot write into the folder ({why})")
    try:
        lock(fd, path, "sort folder")
    except BaseException:
        os.close(fd)
        raise
    return fd
