import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cybertype.classifier import Classifier

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def rules_only():
    """Built-in rules, no model."""
    return Classifier(model=None)


@pytest.fixture(scope="session")
def full():
    """Built-in rules and the shipped model."""
    return Classifier()


def write_rules(folder: Path, body: str, name: str = "user.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# Every record the suite writes through cybertype's writers is checked against `cybertype schema`.
_VALIDATOR = None
CHECKED = {"records": 0}


def schema_validator():
    """A validator of one output record (the strict JSON Schema of `cybertype schema`)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema

        from cybertype.io.outputs import output_schema

        schema = output_schema()
        jsonschema.Draft202012Validator.check_schema(schema)
        _VALIDATOR = jsonschema.Draft202012Validator(schema)
    return _VALIDATOR


@pytest.fixture(autouse=True)
def _records_match_the_schema(monkeypatch):
    from cybertype.io import outputs

    validator = schema_validator()
    original = outputs.redact_record

    def checked(record, mode="none"):
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
        assert not errors, f"record breaks the output schema: {errors[0].message} at {list(errors[0].path)}"
        CHECKED["records"] += 1
        return original(record, mode)

    monkeypatch.setattr(outputs, "redact_record", checked)
