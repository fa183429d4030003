"""Feature counts of one long text gathered window by window, for the model's vector of the whole text.

Only features the model knows are kept (at most its vocabulary, whatever the text's length). The words
and character n-grams of each window are counted as for a text alone; what crosses a window end is
added too: the word bigram of the last word before it and the first after, and the character 2- and
3-grams that span it. So character n-gram counts are those of the whole text exactly; words can differ
from one segmentation of the whole text only at the window ends.
"""
from __future__ import annotations

import numpy as np

from cybertype.model import features
from cybertype.model.linear import Model

_SPAN = max(features.CHAR_NGRAMS) - 1  # characters on each side of a window end that an n-gram can span


class FeatureCounts:
    """Counts of the model's features over consecutive windows of one normalized text."""

    def __init__(self, model: Model):
        self.model = model
        self.tf: dict[int, float] = {}
        self._last_word: str | None = None
        self._tail = ""  # the last `_SPAN` characters so far

    def add(self, text: str) -> None:
        """Count the next window's normalized text."""
        if not text:
            return
        ws = features.words(text)
        self._add(*self.model.counts(text, ws))
        if self._last_word is not None and ws:
            col = self.model.index.get(f"b:{self._last_word}_{ws[0]}")
            if col is not None:
                self.tf[col] = self.tf.get(col, 0.0) + 1.0
        if self._tail:
            head = text[:_SPAN]
            # n-grams of tail+head that lie in neither part alone: those that span the window end
            self._add(*self.model.counts(self._tail + head, []))
            self._add(*self.model.counts(self._tail, []), sign=-1.0)
            self._add(*self.model.counts(head, []), sign=-1.0)
        if ws:
            self._last_word = ws[-1]
        self._tail = (self._tail + text)[-_SPAN:]

    def _add(self, idx: np.ndarray, tf: np.ndarray, sign: float = 1.0) -> None:
        acc = self.tf
        for col, count in zip(idx.tolist(), tf.tolist()):
            acc[col] = acc.get(col, 0.0) + sign * count

    def margin_row(self) -> np.ndarray:
        """The model's decision values for the whole text."""
        kept = [(col, count) for col, count in self.tf.items() if count > 0]
        idx = np.fromiter((c for c, _ in kept), dtype=np.int64, count=len(kept))
        tf = np.fromiter((t for _, t in kept), dtype=np.float32, count=len(kept))
        return self.model.margin_row(*self.model.weigh(idx, tf))
