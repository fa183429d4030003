"""The answers file: one JSON line per reviewed text, in the corpus format, written so that nothing is lost.

Each answer is a corpus record (`id`, `text`, `labels`, `primary`, `lang`, `writer`, `source`) plus `note`,
`reviewed_at` and the model's `prediction` (labels, primary, scores). Every answer is appended, flushed
and fsynced before the next text is shown, so Ctrl-C, a kill or a crash loses at most the answer being
typed; a line torn by a kill mid-write is cut off when the file is opened again. The file is read back
by `cybertype train --add` and `cybertype evaluate`.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from cybertype.corpus import CorpusRecord
from cybertype.labels import LABEL_IDS, NONE

WRITER = "review"  # the writer group of the user's answers: cross-writer folds keep them together
_CJK = re.compile(r"[\u3400-\u9fff]")


def guess_lang(text: str) -> str:
    """`zh` for text with Chinese characters, else `en` (the card counts answers per language)."""
    return "zh" if _CJK.search(text) else "en"


def make_answer(key: str, record, result, labels: list[str], primary: str | None, note: str = "",
                now: dt.datetime | None = None) -> dict:
    """The answer record for one text: the labels chosen (in taxonomy order), the primary, the prediction."""
    labels = [label for label in LABEL_IDS if label in labels]
    if not labels:
        primary = NONE
    elif primary not in labels:
        primary = max(labels, key=lambda label: result.scores.get(label, 0.0))
    answer = {
        "id": key, "text": record.text, "labels": labels, "primary": primary, "lang": guess_lang(record.text),
        "writer": WRITER, "source": record.source, "note": note,
        "reviewed_at": (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "prediction": {"labels": list(result.labels), "primary": result.primary, "scores": dict(result.scores)},
    }
    CorpusRecord.model_validate(answer)  # what train --add reads back must be a valid corpus record
    return answer


class Answers:
    """An append-only answers file: the ids already answered, `add` (durable at once) and `undo`."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.records: list[dict] = []
        self._offsets: list[int] = []  # where each answer's line starts, for undo
        self._open()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = self.path.read_bytes() if self.path.exists() else b""
        good = 0
        for line in data.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # a line torn by a kill mid-write: cut off below
            try:
                rec = json.loads(line)
            except ValueError:
                raise ValueError(f"{self.path}: line {len(self.records) + 1} is not JSON; "
                                 "not an answers file (choose another -o)") from None
            if line.strip():
                self._offsets.append(good)
                self.records.append(rec)
            good += len(line)
        self._fh = open(self.path, "ab")
        if good < len(data):
            self._fh.truncate(good)
            self._sync()

    @property
    def done(self) -> set[str]:
        """Ids already answered (skipped when the review resumes)."""
        return {str(r.get("id")) for r in self.records}

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def add(self, answer: dict) -> None:
        """Append one answer and make it durable before returning."""
        self._fh.seek(0, os.SEEK_END)
        self._offsets.append(self._fh.tell())
        self._fh.write((json.dumps(answer, ensure_ascii=False) + "\n").encode("utf-8"))
        self._sync()
        self.records.append(answer)

    def undo(self) -> dict | None:
        """Remove the last answer from the file (durably) and return it; None when there is none."""
        if not self.records:
            return None
        self._fh.truncate(self._offsets.pop())
        self._sync()
        return self.records.pop()

    def close(self) -> None:
        """Close the file (every answer is already on disk)."""
        self._fh.close()
