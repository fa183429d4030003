"""Walking folders (issue 12, items 7, 10 and 23): unreadable folders get error records, any depth is
walked, and a file swapped for a FIFO after the walk is refused instead of blocking the run."""
import os
import threading

from cybertype.batch.walk import FileTask, expand, walk
from cybertype.cli import app

from conftest import jsonl

CARDS = "兼职群里有人高价收卡，让我把银行卡和U盾一起卖给他们，一套给八百块。"


def test_an_unreadable_subfolder_gets_an_error_record_and_exit_1(runner, tmp_path, monkeypatch):
    folder = tmp_path / "cases"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "x.txt").write_text(CARDS, encoding="utf-8")
    (folder / "open.txt").write_text(CARDS, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # as a folder of mode 000 behaves for a user other than root
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["batch", str(folder), "-o", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 1
    records = jsonl(out.read_text(encoding="utf-8"))
    assert [(r["source"], r["error"] and r["error"]["type"]) for r in records] == [("locked/", "ReadError"),
                                                                                   ("open.txt", None)]
    assert "Permission denied" in records[0]["error"]["message"]


def test_1200_deep_folders_are_walked(tmp_path):
    deep = tmp_path / "root"
    levels = [deep]
    for _ in range(1200):
        levels.append(levels[-1] / "d")
    for level in levels:  # not os.makedirs or shutil.rmtree: both recurse, and would fail at this depth
        level.mkdir()
    (levels[-1] / "bottom.txt").write_text(CARDS, encoding="utf-8")
    (deep / "top.txt").write_text(CARDS, encoding="utf-8")
    try:
        sources = [i.source for i in walk([deep])]
    finally:
        (levels[-1] / "bottom.txt").unlink()
        for level in reversed(levels[1:]):
            level.rmdir()
    assert sources == ["d/" * 1200 + "bottom.txt", "top.txt"]


def test_a_file_swapped_for_a_fifo_after_the_walk_does_not_block(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)  # the walk saw a file here; now nobody will ever write into it
    got = []
    reader = threading.Thread(target=lambda: got.extend(expand([FileTask(fifo, "report.txt", 1000)])), daemon=True)
    reader.start()
    reader.join(timeout=60)  # guards a regression from hanging the suite; a working read returns at once
    assert not reader.is_alive()
    assert [(r.source, r.error) for r in got] == [("report.txt", ("ReadError",
                                                                  "cannot read file: not a regular file (a FIFO)"))]
