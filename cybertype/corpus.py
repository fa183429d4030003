"""Labeled corpus records (the JSON Lines format of samples/ and of `evaluate` input)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from cybertype.labels import LABEL_IDS, NONE

Lang = Literal["zh", "zh-Hant", "en"]
Style = Literal["victim", "bulletin", "judgment", "news", "press", "explainer", "chat", "other"]


class CorpusRecord(BaseModel):
    """One labeled text."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    labels: list[str]
    primary: str
    lang: Lang | None = None
    style: Style | None = None
    writer: str | None = None  # the writer or batch that produced the text: the unit of cross-writer folds
    topic: str | None = None  # what the text was written to test, e.g. "hc12-neg" (a hard negative)

    @property
    def group(self) -> str:
        """The writer group of the text (its id prefix when no writer is recorded)."""
        return self.writer or self.id.split("-")[0]

    @property
    def hard_negative(self) -> bool:
        """A `none` text written as the twin of a positive: it shares the vocabulary, not the deciding fact."""
        return not self.labels and bool(self.topic) and (self.topic.endswith("-neg") or self.topic.startswith("short"))

    @field_validator("labels")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in LABEL_IDS]
        if bad:
            raise ValueError(f"unknown label(s) {bad}")
        if len(set(value)) != len(value):
            raise ValueError("a label is listed twice")
        return value

    @model_validator(mode="after")
    def _primary_fits(self) -> "CorpusRecord":
        if self.labels and self.primary not in self.labels:
            raise ValueError(f"primary {self.primary!r} is not among labels {self.labels}")
        if not self.labels and self.primary != NONE:
            raise ValueError("primary must be 'none' when labels is empty")
        return self


class CorpusError(ValueError):
    """A labeled file that cannot be used; the message names the file and line."""


def read_corpus(path: Path | str) -> list[CorpusRecord]:
    """Read a labeled JSON Lines file; raise `CorpusError` at the first bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read labeled file {path}: {exc}") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(CorpusRecord.model_validate(json.loads(line)))
        except RecursionError:
            raise CorpusError(f"{path}:{n}: JSON nested too deeply") from None
        except (ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[0] if not isinstance(exc, ValidationError) else \
                "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors())
            raise CorpusError(f"{path}:{n}: {first}") from None
    if not out:
        raise CorpusError(f"{path}: no labeled records")
    return out


def corpus_hash(records: list[CorpusRecord]) -> str:
    """SHA-256 of the texts and labels, in order (recorded in the model to trace its data)."""
    h = hashlib.sha256()
    for r in records:
        h.update(json.dumps([r.id, r.text, r.labels, r.primary], ensure_ascii=False).encode())
    return h.hexdigest()
