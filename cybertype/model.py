"""Placeholder replaced when the model lands (issue 3)."""
from __future__ import annotations

from pathlib import Path


class Model:  # pragma: no cover
    fusion: dict = {}


def load_default():
    return None


def load(path: Path):
    raise ValueError(f"cannot load model {path}")
