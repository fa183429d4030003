"""Rule files: pydantic models, loading and validation.

A rule file is TOML with any number of `[[rule]]` tables (see rules/README.md).
Every problem is reported with the file, the rule id and the field, and all
problems of all files are collected before one `RuleSetError` is raised.
"""
from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cybertype.labels import LABEL_IDS
from cybertype.rules.regex import compile_regex
from cybertype.text.normalize import normalize_keyword
from cybertype.text.quote import cut, printable, quote

Keyword = Annotated[str, Field(min_length=1)]


class Rule(BaseModel):
    """One keyword rule, as written in a rule file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]
    label: str
    weight: Annotated[float, Field(strict=True)]
    description: str = ""
    any: list[Keyword] = []
    all: list[Annotated[list[Keyword], Field(min_length=1)]] = []
    window: Annotated[int, Field(gt=0, le=10_000)] | None = None
    none: list[Keyword] = []
    regex: list[Keyword] = []
    examples: list[str] = []
    counter_examples: list[str] = []
    # Filled by the loader, not by rule authors (excluded from the file schema check above).
    source: str = Field(default="", exclude=True)

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value not in LABEL_IDS:
            raise ValueError(f"unknown label {quote(value)}; expected one of {', '.join(LABEL_IDS)}")
        return value

    @field_validator("weight")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("weight must be a finite number")
        return value

    @field_validator("any", "all", "none", "regex")
    @classmethod
    def _not_empty(cls, value: list) -> list:
        # Validators do not run on defaults, so this only refuses a list written empty in the file.
        if not value:
            raise ValueError("empty list: give at least one entry, or leave the field out")
        return value

    @field_validator("any", "none")
    @classmethod
    def _keywords_normalize(cls, value: list[str]) -> list[str]:
        for kw in value:
            if not normalize_keyword(kw):
                raise ValueError(f"keyword {quote(kw)} is empty after normalization")
        return value

    @field_validator("all")
    @classmethod
    def _groups_normalize(cls, value: list[list[str]]) -> list[list[str]]:
        for group in value:
            for kw in group:
                if not normalize_keyword(kw):
                    raise ValueError(f"keyword {quote(kw)} is empty after normalization")
        return value

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            compile_regex(pattern)  # raises ValueError with RE2's reason
        return value

    @model_validator(mode="after")
    def _has_condition(self) -> "Rule":
        if not (self.any or self.all or self.regex):
            raise ValueError("a rule needs at least one of `any`, `all` or `regex`")
        return self


class RuleSetError(Exception):
    """Rule files that cannot be loaded; `problems` lists every 'file: rule: field: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class RuleSet(BaseModel):
    """The rules of one or more folders, in load order, with a content hash."""

    rules: list[Rule]
    files: list[str]
    sha256: str

    def __len__(self) -> int:
        return len(self.rules)


def builtin_rules_dir() -> Path:
    """Folder of the built-in rules: inside the installed package, else the source tree's `rules/`."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_builtin_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


def _rule_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise RuleSetError([f"{folder}: no such rule file or folder"])
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def _problem(path: Path, rule_id: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        field = ".".join(str(x) for x in err["loc"]) or "rule"
        msg = cut(printable(err["msg"].removeprefix("Value error, ")), 2 * 200)
        out.append(f"{path}: rule {rule_id}: field {cut(printable(field))}: {msg}")
    return out


def load_rules(folders: list[Path | str] | None = None, *, builtin: bool = True) -> RuleSet:
    """Load the built-in rules (unless `builtin=False`) and every `*.toml` in `folders`.

    Raises `RuleSetError` listing every problem (malformed TOML, unknown or
    missing fields, bad labels, weights or regexes, duplicate ids across files).
    """
    paths: list[Path] = []
    problems: list[str] = []
    sources = ([builtin_rules_dir()] if builtin else []) + [Path(f) for f in folders or []]
    for folder in sources:
        try:
            paths.extend(_rule_files(folder))
        except RuleSetError as exc:
            problems.extend(exc.problems)
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    digest = hashlib.sha256()
    for path in paths:
        try:
            raw = path.read_bytes()
            data = tomllib.loads(raw.decode("utf-8"))
        except RecursionError:
            problems.append(f"{path}: cannot read rule file: arrays or tables nested too deeply")
            continue
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{path}: cannot read rule file: {cut(printable(str(exc)))}")
            continue
        digest.update(raw)
        unknown = set(data) - {"rule"}
        if unknown:
            problems.append(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; use [[rule]] tables")
        tables = data.get("rule", [])
        if not isinstance(tables, list):
            problems.append(f"{path}: `rule` must be an array of tables ([[rule]])")
            continue
        for n, table in enumerate(tables, 1):
            # The id as written, made safe to print: it may hold control characters or be very long.
            rule_id = cut(printable(str(table.get("id", f"#{n}"))), 100) if isinstance(table, dict) else f"#{n}"
            try:
                rule = Rule.model_validate({**table, "source": str(path)} if isinstance(table, dict) else table)
            except ValidationError as exc:
                problems.extend(_problem(path, rule_id, exc))
                continue
            if rule.id in seen:
                problems.append(f"{path}: rule {rule.id}: field id: duplicate id (also in {seen[rule.id]})")
                continue
            seen[rule.id] = path
            rules.append(rule)
    if problems:
        raise RuleSetError(problems)
    return RuleSet(rules=rules, files=[str(p) for p in paths], sha256=digest.hexdigest())
