"""The output record: one `Result` per input text (the user-facing contract)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    """One reason, located in the original (decoded) text: a rule hit or a feature the model weighed."""

    rule: str = Field(description="id of the rule that fired, or \"model\" for model evidence")
    label: str = Field(description="label the item is evidence for (or against, when `counter` is true)")
    match: str = Field(description="the original text at [start, end)")
    start: int = Field(ge=0, description="offset of the first character, counted in characters of the decoded text")
    end: int = Field(ge=0, description="offset one past the last character")
    source: Literal["rule", "model"] = Field(default="rule", description="a keyword rule, or the text model")
    weight: float = Field(default=0.0, description="the rule's weight, or the feature's pull on the label's fused "
                                                   "score; negative for counter-evidence")
    counter: bool = Field(default=False, description="counter-evidence: it lowers the label's score")
    feature: str | None = Field(default=None, description="for model evidence: the feature (w: word, b: word "
                                                          "pair, c: character n-gram)")


class ErrorInfo(BaseModel):
    """Why an input could not be classified."""

    type: str
    message: str
    line: int | None = Field(default=None, description="line or row number in a multi-record file")


class Result(BaseModel):
    """Labels, scores and evidence for one text; `error` is set when it could not be read."""

    id: str | None = None
    source: str | None = None
    labels: list[str] = Field(default_factory=list, description="every typology that applies; [] for none")
    primary: str = Field(default="none", description="the label that best names the text, or 'none'")
    scores: dict[str, float] = Field(default_factory=dict, description="probability per typology, 0..1")
    evidence: list[Evidence] = Field(default_factory=list)
    error: ErrorInfo | None = None
    warnings: list[str] = Field(default_factory=list, description="notes such as replaced bytes or truncation")
    uncertain: list[str] = Field(default_factory=list, description="typologies whose score lies near their "
                                                                   "threshold: worth a human look")
    sorted_as: str | None = Field(default=None, description="batch --sort-into only: where the record's file "
                                                            "was linked, relative to the sort folder "
                                                            "(`two_cards/report-1.txt` after a name collision)")


def error_result(
    kind: str, message: str, *, id: str | None = None, source: str | None = None, line: int | None = None
) -> Result:
    """A record for an input that could not be classified: empty labels, `error` set."""
    return Result(id=id, source=source, error=ErrorInfo(type=kind, message=message, line=line))

