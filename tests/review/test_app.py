"""The review UI, driven with Textual's own pilot (`App.run_test`): every key, and the answers file after it."""
import asyncio
import json
from pathlib import Path

import pytest

from cybertype.review.app import ReviewApp
from cybertype.review.session import prepare

TEXTS = Path(__file__).resolve().parent.parent / "data" / "review" / "user-texts.jsonl"


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def drive(session, *keys, after=None):
    """Run the app headless, press the keys, and return what it returned (and `after(app)` if given)."""
    seen = {}

    async def run():
        app = ReviewApp(session.items, session.answers)
        async with app.run_test(size=(110, 45)) as pilot:
            for key in keys:
                await pilot.press(key)
            if after:
                seen["after"] = after(app)
            await pilot.press("q")
        return app.return_value

    outcome = asyncio.run(run())
    session.answers.close()
    return outcome, seen.get("after")


@pytest.fixture
def session(full, tmp_path):
    return prepare([TEXTS], tmp_path / "labels.jsonl", full, limit=6)


def test_accept_writes_the_prediction_at_once(session, tmp_path):
    first = session.items[0]
    outcome, on_disk = drive(session, "a", after=lambda app: lines(tmp_path / "labels.jsonl"))
    assert outcome.answered == 1 and outcome.left == 5
    assert [(a["id"], a["labels"], a["primary"]) for a in on_disk] == [
        (first.key, first.result.labels, first.result.primary)]  # on disk while the app still runs


def test_toggle_primary_note_and_none(session, tmp_path):
    first = session.items[0]
    wanted = sorted({"two_cards", "defamation"} ^ set(first.result.labels))
    outcome, _ = drive(session, "3", "5", "p", "n", *"odd one", "enter", "a", "0")
    a, b = lines(tmp_path / "labels.jsonl")
    from cybertype.labels import LABEL_IDS

    assert a["labels"] == [x for x in LABEL_IDS if x in wanted] and a["note"] == "odd one"
    if len(a["labels"]) > 1:
        assert a["primary"] in a["labels"]
    assert (b["labels"], b["primary"]) == ([], "none") and outcome.answered == 2


def test_skip_and_undo(session, tmp_path):
    keys = [i.key for i in session.items]
    outcome, _ = drive(session, "a", "s", "a", "u", "u", "0")
    # a: items[0]; s: items[1] skipped; a: items[2]; u: undoes it; u: undoes the skip; 0: items[1] is none
    assert [(a["id"], a["primary"]) for a in lines(tmp_path / "labels.jsonl")] == [(keys[0], session.items[0].result.primary),
                                                                                   (keys[1], "none")]
    assert outcome.answered == 2 and outcome.skipped == 0 and outcome.left == 4


def test_escape_drops_the_note_and_letters_in_the_note_are_not_keys(session, tmp_path):
    outcome, _ = drive(session, "n", *"as", "escape", "a")
    (a,) = lines(tmp_path / "labels.jsonl")
    assert a["note"] == "" and outcome.answered == 1 and outcome.skipped == 0


def test_definitions_one_key_away(session):
    def shown(app):
        panel = app.query_one("#definitions")
        return panel.display, str(panel.render())

    _, (display, text) = drive(session, "d", after=shown)
    assert display and "pig_butchering" in text and "杀猪盘" in text


def test_the_text_shows_rule_and_model_evidence(session):
    from cybertype.review.app import MODEL_STYLE, RULE_STYLE, highlighted

    item = next(i for i in session.items if any(e.source == "rule" for e in i.result.evidence))
    styled = highlighted(item.record.text, item.result.evidence)
    spans = {(s.start, s.end, str(s.style)) for s in styled.spans}
    rule = next(e for e in item.result.evidence if e.source == "rule")
    assert (rule.start, rule.end, RULE_STYLE if not rule.counter else "bold white on red") in spans
    models = [e for e in item.result.evidence if e.source == "model"]
    assert all((e.start, e.end, MODEL_STYLE) in spans for e in models)


def test_the_session_ends_after_the_last_text(full, tmp_path):
    s = prepare([TEXTS], tmp_path / "labels.jsonl", full, limit=2)

    async def run():
        app = ReviewApp(s.items, s.answers)
        async with app.run_test() as pilot:
            await pilot.press("a", "a")
            await pilot.pause()
        return app.return_value

    outcome = asyncio.run(run())
    s.answers.close()
    assert outcome.answered == 2 and outcome.left == 0
    again = prepare([TEXTS], tmp_path / "labels.jsonl", full, limit=2)
    again.answers.close()
    assert not {i.key for i in again.items} & {i.key for i in s.items}  # resumed: the answered texts are not asked


def test_review_needs_a_terminal(runner, tmp_path):
    from cybertype.cli import app

    res = runner.invoke(app, ["review", str(TEXTS), "-o", str(tmp_path / "labels.jsonl")])
    assert res.exit_code == 2 and "run it in a terminal" in res.output


def test_a_bad_label_or_answers_file_is_a_usage_error(full, tmp_path):
    with pytest.raises(ValueError, match="not a typology"):
        prepare([TEXTS], tmp_path / "labels.jsonl", full, label="phishing")
    with pytest.raises(ValueError, match="refusing to write -o"):
        prepare([TEXTS], TEXTS, full)


def test_the_answers_file_is_never_an_input_nor_in_an_input_folder(full, tmp_path):
    import os
    import shutil

    folder = tmp_path / "texts"
    folder.mkdir()
    shutil.copy(TEXTS, folder / "user-texts.jsonl")
    os.link(folder / "user-texts.jsonl", tmp_path / "alias.jsonl")
    before = (folder / "user-texts.jsonl").read_bytes()
    for paths, output, results in (([folder / "user-texts.jsonl"], tmp_path / "alias.jsonl", None),  # a hard link
                                   ([folder], folder / "labels.jsonl", None),  # walked as texts next time
                                   ([TEXTS], tmp_path / "earlier.jsonl", tmp_path / "earlier.jsonl")):
        if results is not None:
            results.write_text("", encoding="utf-8")
        with pytest.raises(ValueError, match="refusing to write -o"):
            prepare(paths, output, full, results=results)
    assert (folder / "user-texts.jsonl").read_bytes() == before
    assert not (folder / "labels.jsonl").exists()


def test_an_earlier_output_gives_the_predictions(full, runner, tmp_path):
    from cybertype.cli import app

    earlier = tmp_path / "earlier.jsonl"
    res = runner.invoke(app, ["classify", str(TEXTS), "-f", "jsonl", "--no-model"])
    earlier.write_text(res.output, encoding="utf-8")
    s = prepare([TEXTS], tmp_path / "labels.jsonl", full, results=earlier, limit=40)
    s.answers.close()
    rules_only = {json.loads(line)["id"]: json.loads(line) for line in res.output.splitlines()}
    assert all(i.result.scores == rules_only[i.key]["scores"] for i in s.items)
