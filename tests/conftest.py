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
