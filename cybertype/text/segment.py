"""Chinese word segmentation: jieba with its dictionary loaded lazily, shard by shard.

jieba's prefix dictionary (about 500,000 entries) takes half a second to load,
more than everything else cybertype does at start-up. Every dictionary entry
that can matter for a text starts with one of that text's characters, so the
dictionary is kept in cybertype's cache split by first character, and a text
merges in only the shards of characters it contains. The segmentation is the
same as with the whole dictionary (`total`, the sum of all counts, is kept).
"""
from __future__ import annotations

import logging
import marshal
import math
import mmap
import os
import stat
import sys
import tempfile
import threading
from array import array
from functools import lru_cache
from pathlib import Path

_SHARDS_FORMAT = 2


def _private_dir(path: Path) -> bool:
    """Make `path` a folder only its owner can use (mode 0700); False if it cannot be one of ours."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return False  # a symlink, or someone else's folder
        if st.st_mode & 0o077:
            path.chmod(0o700)
        return os.access(path, os.W_OK)
    except OSError:
        return False


def cache_dir() -> Path:
    """Per-user cache folder (jieba's dictionary cache lives here, never in a shared /tmp file).

    `$XDG_CACHE_HOME/cybertype` (when that is an absolute path), else `~/.cache/cybertype`, mode 0700.
    When that cannot be made (read-only home), a 0700 folder of this user's own under the temporary
    folder, and failing that a fresh private temporary folder.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative value is to be ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "cybertype"
    if _private_dir(path):
        return path
    import tempfile

    fallback = Path(tempfile.gettempdir()) / f"cybertype-cache-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    if _private_dir(fallback):
        return fallback
    return Path(tempfile.mkdtemp(prefix="cybertype-cache-"))


def _import_jieba():
    """Import jieba without pkg_resources (60 ms of setuptools it only uses to find its own files)."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # `import pkg_resources` fails, and jieba falls back to open()
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


class _Shards:
    """jieba's prefix dictionary split by first character, merged into FREQ as texts need it.

    The cache file is a small marshalled index (character -> where its shard lies) followed by
    the shards themselves, memory-mapped: start-up reads only the index.
    """

    def __init__(self, index: dict, blob, total: int):
        self.index = index  # character -> (offset, bytes of words, bytes of counts)
        self.blob = blob  # bytes-like: the shards
        self.total = total
        self.lock = threading.Lock()  # Dask workers may segment from several threads

    def ensure(self, text: str, freq: dict) -> None:
        if not self.index:
            return
        missing = self.index.keys() & set(text)
        if not missing:
            return
        with self.lock:
            for ch in missing:
                where = self.index.pop(ch, None)
                if where is not None:
                    off, nwords, ncounts = where
                    counts = array("q")
                    counts.frombytes(self.blob[off + nwords : off + nwords + ncounts])
                    freq.update(zip(bytes(self.blob[off : off + nwords]).decode("utf-8").split("\n"), counts))

    @classmethod
    def load(cls, jieba, tok) -> "_Shards":
        dict_path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
        st = os.stat(dict_path)
        # Keyed by jieba version and dictionary size, so every virtual environment with the same jieba shares it.
        name = f"jieba-shards-{_SHARDS_FORMAT}-{jieba.__version__}-{st.st_size}.bin"
        path = os.path.join(tok.tmp_dir, name)
        try:
            with open(path, "rb") as fh:  # our own file, in our private cache folder
                head = int.from_bytes(fh.read(8), "little")
                fmt, total, index = marshal.loads(fh.read(head))
                if fmt == _SHARDS_FORMAT:
                    blob = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))[8 + head :]
                    return cls(index, blob, total)
        except (OSError, EOFError, ValueError, TypeError):
            pass
        tok.initialize()  # first run: jieba's own cache (or dict.txt), the full dictionary, once
        groups: dict[str, tuple[list[str], array]] = {}
        for word, count in tok.FREQ.items():
            keys, counts = groups.setdefault(word[0], ([], array("q")))
            keys.append(word)
            counts.append(count)
        index, parts, off = {}, [], 0
        for ch, (keys, counts) in groups.items():
            words_bytes, counts_bytes = "\n".join(keys).encode("utf-8"), counts.tobytes()
            index[ch] = (off, len(words_bytes), len(counts_bytes))
            parts += [words_bytes, counts_bytes]
            off += len(words_bytes) + len(counts_bytes)
        blob = b"".join(parts)
        header = marshal.dumps((_SHARDS_FORMAT, tok.total, dict(index)))
        fd, tmp = tempfile.mkstemp(dir=tok.tmp_dir, prefix=".shards.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(len(header).to_bytes(8, "little") + header + blob)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        tok.FREQ = {}
        return cls(index, blob, tok.total)


@lru_cache(maxsize=1)
def tokenizer():
    """The jieba tokenizer of this process, its dictionary cached in `cache_dir()` and loaded lazily."""
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)  # its progress lines would pollute stderr in pipes
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    shards = _Shards.load(jieba, tok)
    tok.FREQ, tok.total, tok.initialized = {}, shards.total, True
    tok.cybertype_shards = shards
    return tok


def words(text: str) -> list[str]:
    """jieba words of a normalized text, spaces dropped. HMM is off: new-word guessing is
    unstable on evasion spellings, and the character n-grams already cover unknown words.

    The result is exactly `jieba.lcut(text, HMM=False)` without the spaces; `_cut_block`
    computes jieba's best path in one pass instead of building the DAG first.
    """
    tok = tokenizer()
    tok.cybertype_shards.ensure(text, tok.FREQ)
    import jieba

    han, skip = jieba.re_han_default, jieba.re_skip_default
    out: list[str] = []
    for blk in han.split(text):
        if not blk:
            continue
        if han.match(blk):
            out.extend(_cut_block(tok, blk))
        else:
            for x in skip.split(blk):
                if skip.match(x):
                    continue  # whitespace: jieba yields it, we drop it
                out.extend(ch for ch in x if not ch.isspace())
    return out


_logp_cache: dict[str, float] = {}


def _cut_block(tok, s: str) -> list[str]:
    """jieba's `__cut_DAG_NO_HMM` on one block: same scores, same tie-breaks, same words."""
    freq = tok.FREQ
    logtotal = math.log(tok.total)
    logp = _logp_cache
    n = len(s)
    score = [0.0] * (n + 1)
    nxt = [0] * (n + 1)
    for idx in range(n - 1, -1, -1):
        best = None
        bx = idx
        i = idx
        frag = s[idx]
        while i < n and frag in freq:
            if freq[frag]:
                lp = logp.get(frag)
                if lp is None:
                    lp = logp[frag] = math.log(freq[frag]) - logtotal
                cand = lp + score[i + 1]
                if best is None or cand >= best:  # max() over (score, x): the larger x wins a tie
                    best, bx = cand, i
            i += 1
            frag = s[idx : i + 1]
        if best is None:  # no dictionary word starts here: the single character, count 1 at most
            best = math.log(freq.get(s[idx]) or 1) - logtotal + score[idx + 1]
        score[idx], nxt[idx] = best, bx
    words: list[str] = []
    buf = ""
    x = 0
    while x < n:
        y = nxt[x] + 1
        word = s[x:y]
        if y - x == 1 and word.isascii() and word.isalnum():  # jieba's re_eng: one [a-zA-Z0-9]
            buf += word
        else:
            if buf:
                words.append(buf)
                buf = ""
            words.append(word)
        x = y
    if buf:
        words.append(buf)
    return words
