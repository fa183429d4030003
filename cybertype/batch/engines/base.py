"""The engine interface: an engine takes work units and yields one `Line` per record, in input order."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol

from cybertype.batch.walk import Unit
from cybertype.io.outputs import to_json
from cybertype.result import Result


class Line(NamedTuple):
    """A result as serialized (by a worker, or by the engine), with what the run needs to count and sort."""

    json: str
    source: str | None
    primary: str
    labels: tuple[str, ...]
    error: str | None  # the error's type
    id: str | None = None

    @classmethod
    def of(cls, r: Result) -> "Line":
        return cls(to_json(r), r.source, r.primary, tuple(r.labels), r.error.type if r.error else None, r.id)


class Engine(Protocol):
    def lines(self, units: Iterable[Unit]) -> Iterator[Line]:
        """One `Line` per record of `units`, in input order."""

    def close(self) -> None:
        """Release workers or the cluster; safe to call twice."""
