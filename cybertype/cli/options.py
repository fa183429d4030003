"""Option bundles: options that several commands take, declared once (like sqlite-utils' `output_options`).

Each bundle is a decorator that adds its options to a command's signature, where the command's
parameter of the bundle's name stands, and hands the command one object built from their values.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


def _bundle(target: str, options: dict[str, tuple[object, object]], build):
    """A decorator adding `options` (name -> (Annotated type, default)) to a command's signature and passing
    `build(**their values)` as the command's `target` parameter instead."""

    def decorate(func):
        sig = inspect.signature(func, eval_str=True)
        added = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=default)
                 for name, (annotation, default) in options.items()]

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            kwargs[target] = build(**{name: kwargs.pop(name) for name in options})
            return func(*args, **kwargs)

        # The options take the place of `target` in the signature, so --help lists them where it stood.
        params = [q for p in sig.parameters.values() for q in (added if p.name == target else [p])]
        wrapper.__signature__ = sig.replace(parameters=params)  # what Typer reads the options from
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


@dataclass
class RulesModel:
    """The rules and model options of a command."""

    rules: list[Path]
    builtin_rules: bool
    model: Path | None = None
    no_model: bool = False
    precision: str = "default"
    thresholds: list[str] | None = None

    def threshold_overrides(self) -> float | dict[str, float] | None:
        """--threshold values: one probability for every label ("0.8"), or per label ("two_cards=0.8")."""
        if not self.thresholds:
            return None
        from cybertype.labels import LABEL_IDS

        out: dict[str, float] = {}
        for item in self.thresholds:
            label, sep, value = item.rpartition("=")
            try:
                p = float(value)
            except ValueError:
                raise typer.BadParameter(f"{item!r} is not a probability or LABEL=PROBABILITY",
                                         param_hint="--threshold") from None
            if not 0.0 < p < 1.0:
                raise typer.BadParameter(f"{item!r}: a threshold lies strictly between 0 and 1",
                                         param_hint="--threshold")
            if not sep:
                out.update(dict.fromkeys(LABEL_IDS, p))
            else:
                if label not in LABEL_IDS:
                    raise typer.BadParameter(f"unknown label {label!r} (labels: {', '.join(LABEL_IDS)})",
                                             param_hint="--threshold")
                out[label] = p
        return out

    def reads(self) -> list[tuple[str, Path]]:
        """The rule and model paths a command reads, as (flag, path), for the guard on what it writes."""
        return [("--rules", r) for r in self.rules] + ([("--model", self.model)] if self.model and not self.no_model
                                                        else [])

    def ruleset(self):
        from cybertype.rules import load_rules

        return load_rules(self.rules, builtin=self.builtin_rules)

    def classifier(self):
        from cybertype.classifier import DEFAULT, Classifier

        return Classifier(rules_dirs=self.rules, builtin_rules=self.builtin_rules,
                          model=None if self.no_model else (self.model or DEFAULT),
                          precision=self.precision, thresholds=self.threshold_overrides())


_RULES = Annotated[list[Path], typer.Option("--rules", help="Folder (or file) of extra rule files; repeatable.")]
_NO_BUILTIN = Annotated[bool, typer.Option("--no-builtin-rules", help="Do not load the built-in rules.")]
# CYBERTYPE_MODEL makes every command that takes --model use the user's model without repeating the flag.
_MODEL = Annotated[Optional[Path], typer.Option("--model", envvar="CYBERTYPE_MODEL",
                                                help="Use this trained model instead of the built-in one.")]
_NO_MODEL = Annotated[bool, typer.Option("--no-model", help="Rules only: do not use any model.")]


class Precision(str, Enum):
    default = "default"
    high = "high"


_PRECISION = Annotated[Precision, typer.Option(
    "--precision", help="Operating point: 'default' (best cross-writer F1) or 'high' (thresholds chosen for at "
                        "most 2% false positives on none texts, out of fold).")]
_THRESHOLD = Annotated[list[str], typer.Option(
    "--threshold", metavar="P|LABEL=P",
    help="Override the decision threshold: one probability for every label, or LABEL=P for one; repeatable.")]


def rules_model_options(model: bool = True, no_model: bool = True, decision: bool = False):
    """--rules and --no-builtin-rules, plus --model and --no-model where the command uses a model, plus
    --precision and --threshold where it decides labels (`decision`): passed as `setup: RulesModel`."""
    options: dict[str, tuple[object, object]] = {"rules": (_RULES, []), "no_builtin_rules": (_NO_BUILTIN, False)}
    if model:
        options["model"] = (_MODEL, None)
    if model and no_model:
        options["no_model"] = (_NO_MODEL, False)
    if decision:
        options["precision"] = (_PRECISION, Precision.default)
        options["threshold"] = (_THRESHOLD, [])

    def build(rules, no_builtin_rules, model=None, no_model=False, precision=Precision.default, threshold=None):
        from cybertype.io.settings import resolve

        # Flags win; without them, CYBERTYPE_RULES / CYBERTYPE_MODEL or the config file give the defaults.
        rules = list(resolve("rules", list(rules or [])))
        if "model" in options and not no_model:
            model = resolve("model", model)
        return RulesModel(rules=rules, builtin_rules=not no_builtin_rules, model=model, no_model=no_model,
                          precision=Precision(precision).value, thresholds=list(threshold or []))

    return _bundle("setup", options, build)


@dataclass
class Fields:
    """Where the text and the id are in JSONL/CSV records, and the encoding of the input if forced."""

    text: str
    id: str
    encoding: str | None = None


def _fields(text_field: str, id_field: str, encoding: str | None) -> Fields:
    from cybertype.text.decode import check_encoding

    return Fields(text_field, id_field, check_encoding(encoding) if encoding is not None else None)


input_options = _bundle("fields", {
    "text_field": (Annotated[str, typer.Option("--text-field", help="Field holding the text (JSONL/CSV).")], "text"),
    "id_field": (Annotated[str, typer.Option("--id-field", help="Field holding the id (JSONL/CSV).")], "id"),
    "encoding": (Annotated[Optional[str], typer.Option(
        "--encoding", help="Read every input in this encoding (e.g. big5, gb18030, utf-16) instead of detecting it.")],
        None),
}, _fields)


def format_option(choices: type[Enum], default, help: str | None = None):
    """-f/--format with the command's `choices`, passed as `format`."""
    option = Annotated[Optional[choices] if default is None else choices,
                       typer.Option("-f", "--format", help=help or "Output format.")]
    return _bundle("format", {"format": (option, default)}, lambda format: format)


DEFAULT_MAX_BYTES = 4 << 20

max_bytes_option = _bundle("max_bytes", {
    "max_bytes": (Annotated[int, typer.Option("--max-bytes", min=1, help="Classify only the first N bytes of each file "
                                              "(and of standard input read as one text).")], DEFAULT_MAX_BYTES),
}, lambda max_bytes: max_bytes)


class Redact(str, Enum):
    none = "none"
    partial = "partial"
    full = "full"


def _redact(redact: Redact | None) -> str:
    from cybertype.io.settings import resolve

    return str(resolve("redact", redact.value if redact is not None else None))


redact_option = _bundle("redact", {
    "redact": (Annotated[Optional[Redact], typer.Option(
        "--redact", help="Mask personal data (phones, cards, IDs, e-mail, handles, URLs, wallets) in the text the "
                         "output carries: full ([PHONE]), partial ([CARD:6222…0123]) or none. Default: "
                         "CYBERTYPE_REDACT or the config file, else none.")], None),
}, _redact)
