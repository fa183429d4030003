"""The output record: one `Result` per input text (the user-facing contract)."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    """One rule hit, located in the original (decoded) text."""

    rule: str = Field(description="id of the rule that fired")
    label: str = Field(description="label the rule is evidence for (or against, if its weight is negative)")
    match: str = Field(description="the original text at [start, end)")
    start: int = Field(ge=0, description="offset of the first character, counted in characters of the decoded text")
    end: int = Field(ge=0, description="offset one past the last character")


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


def error_result(
    kind: str, message: str, *, id: str | None = None, source: str | None = None, line: int | None = None
) -> Result:
    """A record for an input that could not be classified: empty labels, `error` set."""
    return Result(id=id, source=source, error=ErrorInfo(type=kind, message=message, line=line))
