"""The local engine survives a worker killed with -9 (issue 12, items 9 and 22): the run notices, redoes the
chunk or gives its texts error records, and goes on; killing the main process leaves no worker behind
printing tracebacks."""
import os
import signal
import subprocess
import sys
import time

from cybertype.batch.engines.local import _parallel
from cybertype.io.inputs import InputRecord

OPTIONS = {"model": None}  # built-in rules only: the workers' classifier is not used by these chunk functions
MARKER = None  # set by a test before the pool forks: the workers see it


def records(n):
    return [InputRecord(id=str(i), source=f"s{i}.txt", text="x") for i in range(n)]


def ids_once_killed(chunk):
    """Dies (like an OOM kill) the first time it meets text 13, then works."""
    if any(r.id == "13" for r in chunk) and not os.path.exists(MARKER):
        open(MARKER, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return [r.id for r in chunk]


def ids_always_killed_by_7(chunk):
    if any(r.id == "7" for r in chunk):
        os.kill(os.getpid(), signal.SIGKILL)
    return [r.id for r in chunk]


def test_a_worker_killed_once_is_replaced_and_its_chunk_done_again(tmp_path):
    global MARKER
    MARKER = str(tmp_path / "killed")
    out = list(_parallel(records(40), OPTIONS, 2, 4, ids_once_killed))
    assert os.path.exists(MARKER)
    assert out == [str(i) for i in range(40)]


def test_a_chunk_that_kills_every_worker_gets_error_records_and_the_run_goes_on():
    out = list(_parallel(records(20), OPTIONS, 2, 4, ids_always_killed_by_7))
    assert out[:4] == ["0", "1", "2", "3"] and out[8:] == [str(i) for i in range(8, 20)]
    died = out[4:8]
    assert [r.id for r in died] == ["4", "5", "6", "7"]
    assert {r.error.type for r in died} == {"WorkerDied"}


def test_killing_the_main_process_leaves_no_worker_and_no_traceback(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        (folder / f"{i:03}.txt").write_text("兼职群里有人高价收卡，让我把银行卡卖给他们。" * 20, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "cybertype", "batch", str(folder), "-o", str(out), "-q",
                             "--workers", "2"], stderr=subprocess.PIPE, text=True)
    while proc.poll() is None and (not out.exists() or out.stat().st_size == 0):
        time.sleep(0.05)
    proc.kill()
    # stderr reaches its end only once every worker holding it has ended too (the timeout guards a hang).
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err
