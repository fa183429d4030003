import json

from cybertype import labels
from cybertype.cli import app


def test_five_typologies_then_none():
    assert labels.LABEL_IDS == ("pig_butchering", "fake_anchor_tipping", "two_cards", "online_gambling", "defamation")
    assert [l.id for l in labels.all_labels()][-1] == "none"


def test_every_label_has_names_definition_and_legal_basis():
    for label in labels.LABELS:
        assert label.zh and label.en and label.definition
        assert "Art." in label.legal_basis


def test_labels_command_json(runner):
    result = runner.invoke(app, ["labels", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [d["id"] for d in data] == [*labels.LABEL_IDS, "none"]
    assert data[2]["zh"] == "两卡"


def test_labels_command_table(runner):
    result = runner.invoke(app, ["labels"])
    assert result.exit_code == 0
    assert "杀猪盘" in result.output and "defamation" in result.output
