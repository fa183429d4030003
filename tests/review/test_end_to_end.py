"""The whole loop as a person does it: label 30 texts in the UI (quitting midway and resuming), retrain with
`--add`, and see the new model beside the shipped one on the texts that were kept out."""
import asyncio
import json
from pathlib import Path

from cybertype.cli import app as cli_app
from cybertype.labels import LABEL_IDS
from cybertype.review.app import ReviewApp
from cybertype.review.session import prepare

DATA = Path(__file__).resolve().parent.parent / "data" / "review"
GOLD = {r["id"]: r for r in map(json.loads, (DATA / "user-gold.jsonl").read_text(encoding="utf-8").splitlines())}


def label_like_a_person(session, n: int) -> int:
    """Answer the first `n` texts as the gold labels say (toggling, moving the primary), then quit."""

    async def run():
        app = ReviewApp(session.items, session.answers)
        async with app.run_test(size=(110, 45)) as pilot:
            for _ in range(n):
                gold = GOLD[session.items[app.pos].key]
                if not gold["labels"]:
                    await pilot.press("0")
                    continue
                for k, label in enumerate(LABEL_IDS, 1):
                    if (label in app.draft.labels) != (label in gold["labels"]):
                        await pilot.press(str(k))
                while app.draft.primary != gold["primary"]:
                    await pilot.press("p")
                await pilot.press("a")
            await pilot.press("q")
        return app.return_value

    outcome = asyncio.run(run())
    session.answers.close()
    return outcome.answered


def test_label_30_quit_resume_retrain_and_compare(full, runner, tmp_path):
    answers = tmp_path / "labels.jsonl"
    first = prepare([DATA / "user-texts.jsonl"], answers, full, limit=30)
    assert len(first.items) == 30
    assert label_like_a_person(first, 12) == 12  # ... and quits midway

    second = prepare([DATA / "user-texts.jsonl"], answers, full, limit=18)  # resume: 12 already answered
    assert not {i.key for i in second.items} & {i.key for i in first.items[:12]}
    assert label_like_a_person(second, 18) == 18

    labeled = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    assert len(labeled) == len({a["id"] for a in labeled}) == 30
    assert all((a["labels"], a["primary"]) == (GOLD[a["id"]]["labels"], GOLD[a["id"]]["primary"]) for a in labeled)

    held_out = tmp_path / "held-out.jsonl"
    held_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for k, r in GOLD.items()
                                if k not in {a["id"] for a in labeled}), encoding="utf-8")
    model = tmp_path / "mine.npz"
    res = runner.invoke(cli_app, ["train", str(DATA / "corpus-small.jsonl"), "--add", str(answers), "--weight-added",
                                  "2", "-o", str(model), "--folds", "3", "--quick", "--date", "2026-12-02"])
    assert res.exit_code == 0, res.output

    res = runner.invoke(cli_app, ["evaluate", str(held_out), "--model", str(model), "--compare", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["shipped"]["n"] == data["model"]["n"] == 10
    assert set(data["difference"]) == {*LABEL_IDS, "macro_f1", "primary_accuracy", "none_fp_rate"}
    table = runner.invoke(cli_app, ["evaluate", str(held_out), "--model", str(model), "--compare"]).output
    assert "10 held-out texts: shipped model vs new model" in table
    card = json.loads(runner.invoke(cli_app, ["model", "info", str(model), "-f", "json"]).output)
    assert card["training_files"][1]["texts"] == 30 and card["training_files"][1]["weight"] == 2.0
