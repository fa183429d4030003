"""--sort-into after an interruption, error files and name collisions (issue 12, item 5)."""
import json

from cybertype.cli import app

from conftest import jsonl

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"
PIG = "我在婚恋网站认识一个男的，聊了两个月确定关系，他带我在一个平台买虚拟币，后来提现说要交解冻金。"


def batch(runner, *args):
    return runner.invoke(app, ["batch", *map(str, args), "-q", "--workers", "1"])


def layout(dest):
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())


def test_resume_files_the_last_file_and_a_half_done_file_by_all_its_records(runner, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.txt").write_text(CARDS, encoding="utf-8")
    # Two pig-butchering rows then a two-cards row: the file belongs under pig_butchering.
    (folder / "m.jsonl").write_text("".join(json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) + "\n"
                                            for i, t in enumerate([PIG, PIG, CARDS])), encoding="utf-8")
    whole, dest = tmp_path / "whole.jsonl", tmp_path / "whole-sorted"
    assert batch(runner, folder, "-o", whole, "--sort-into", dest).exit_code == 0
    assert layout(dest) == ["pig_butchering/m.jsonl", "two_cards/a.txt"]
    # A run killed after writing a.txt and two rows of m.jsonl, before linking anything.
    out, partial = tmp_path / "o.jsonl", tmp_path / "sorted"
    assert batch(runner, folder, "-o", out).exit_code == 0
    out.write_text("".join(out.read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8")
    assert batch(runner, folder, "-o", out, "--resume", "--sort-into", partial).exit_code == 0
    assert layout(partial) == layout(dest)
    assert [r["id"] for r in jsonl(out.read_text(encoding="utf-8"))] == ["a", "r0", "r1", "r2"]


def test_unreadable_files_go_under_errors_not_none(runner, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 16)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "plain.txt").write_text("周六上午九点在东门集合打扫小区卫生，请自带手套。", encoding="utf-8")
    dest = tmp_path / "sorted"
    assert batch(runner, folder, "-o", tmp_path / "o.jsonl", "--sort-into", dest).exit_code == 1
    assert layout(dest) == ["_errors/blob.txt", "_errors/empty.txt", "none/plain.txt"]


def test_collision_renames_are_recorded_in_the_output_record(runner, tmp_path):
    for sub, text in (("x", CARDS), ("y", CARDS + "再说一遍")):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / "report.txt").write_text(text, encoding="utf-8")
    out, dest = tmp_path / "o.jsonl", tmp_path / "sorted"
    assert batch(runner, tmp_path / "in", "-o", out, "--sort-into", dest).exit_code == 0
    records = jsonl(out.read_text(encoding="utf-8"))
    assert [r["sorted_as"] for r in records] == ["two_cards/report.txt", "two_cards/report-1.txt"]
    csv_out = tmp_path / "o.csv"
    assert batch(runner, tmp_path / "in", "-o", csv_out, "-f", "csv", "--sort-into", dest).exit_code == 0
    assert "two_cards/report-1.txt" in csv_out.read_text(encoding="utf-8")
    assert layout(dest) == ["two_cards/report-1.txt", "two_cards/report.txt"]  # linked once, not again


def test_without_sort_into_records_have_no_sorted_as(runner, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(CARDS, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert batch(runner, tmp_path / "in", "-o", out).exit_code == 0
    assert "sorted_as" not in jsonl(out.read_text(encoding="utf-8"))[0]


def test_skip_none_resume_files_a_half_done_file_by_the_texts_left_out_too(runner, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "a.txt").write_text(CARDS, encoding="utf-8")
    # A text that is none (left out of the output), then a broken line: the file was read, so not _errors.
    (folder / "rows.jsonl").write_text(json.dumps({"id": "q1", "text": "周六上午九点在东门集合打扫卫生。"},
                                                  ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    whole, dest = tmp_path / "whole.jsonl", tmp_path / "whole-sorted"
    batch(runner, folder, "-o", whole, "--skip-none", "--sort-into", dest)
    assert layout(dest) == ["none/rows.jsonl", "two_cards/a.txt"]
    # A run killed after leaving out rows.jsonl:1 and before writing its line 2, nothing linked yet.
    out, partial = tmp_path / "o.jsonl", tmp_path / "sorted"
    batch(runner, folder, "-o", out, "--skip-none")
    out.write_text(out.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    batch(runner, folder, "-o", out, "--skip-none", "--resume", "--sort-into", partial)
    assert layout(partial) == layout(dest)
    assert [r["source"] for r in jsonl(out.read_text(encoding="utf-8"))] == ["a.txt", "rows.jsonl:2"]
