"""Features of a normalized text: jieba words and word bigrams, and character 1–3-grams.

Words give meaning where segmentation works; character n-grams keep the model
seeing evasion spellings and segmentation errors. Both run on the normalized
text, so width, script (traditional/simplified) and separators do not matter.
"""
from __future__ import annotations

import logging
import os
import stat
from collections import Counter
from functools import lru_cache
from pathlib import Path

CHAR_NGRAMS = (1, 2, 3)


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


@lru_cache(maxsize=1)
def tokenizer():
    """The jieba tokenizer, initialized once per process with its cache in `cache_dir()`."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its progress lines would pollute stderr in pipes
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.initialize()
    return tok


def words(text: str) -> list[str]:
    """jieba words of a normalized text, spaces dropped. HMM is off: new-word guessing is
    unstable on evasion spellings, and the character n-grams already cover unknown words."""
    return [w for w in tokenizer().lcut(text, HMM=False) if not w.isspace()]


def extract(text: str) -> Counter[str]:
    """Feature counts of one normalized text."""
    feats: Counter[str] = Counter()
    ws = words(text)
    feats.update("w:" + w for w in ws)
    feats.update("b:" + a + "_" + b for a, b in zip(ws, ws[1:]))
    n = len(text)
    for k in CHAR_NGRAMS:
        feats.update("c:" + text[i : i + k] for i in range(n - k + 1))
    return feats
