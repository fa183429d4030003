"""The Dask engine on a real LocalCluster (2 worker processes, shared by the module's tests)."""
import csv
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cybertype.batch.walk import units, walk
from cybertype.cli import app
from cybertype.io.inputs import InputRecord

from conftest import ROOT, jsonl

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

from cybertype.batch import dataset  # noqa: E402
from cybertype.batch import pipelines as PL  # noqa: E402
from cybertype.batch.engines import dask as D  # noqa: E402
from cybertype.batch.engines import dask_worker as W  # noqa: E402

TRAD = "出租銀行卡給別人跑分，每天收四百元租金"


def _texts(n: int, step: int = 1) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "samples" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows[::step]][:n]


@pytest.fixture(scope="module")
def client():
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, silence_logs=logging.CRITICAL,
                                       dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False})
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """~250 texts: mixed encodings, nested folders, a binary file, an empty file, a JSONL file with a
    broken line and a record without text, a CSV file."""
    root = tmp_path_factory.mktemp("dask") / "dump"
    texts = _texts(240, step=7)
    for k, text in enumerate(texts):
        folder = root / f"g{k % 4}" / ("deep" if k % 5 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        encoding = ("utf-8", "gb18030", "utf-16", "utf-8-sig")[k % 4]
        (folder / f"t{k:03d}.txt").write_bytes(text.encode(encoding, errors="replace"))
    (root / "big5.txt").write_bytes(TRAD.encode("big5"))
    (root / "blob.txt").write_bytes(bytes(range(256)) * 16)
    (root / "empty.txt").write_bytes(b"")
    (root / "rows.jsonl").write_text(
        json.dumps({"id": "r1", "text": texts[0]}, ensure_ascii=False) + "\n{not json\n"
        + json.dumps({"id": "r3", "body": "no text field"}) + "\n"
        + json.dumps({"id": "r4", "text": texts[1]}, ensure_ascii=False) + "\n", encoding="utf-8")
    with open(root / "table.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], ["c1", texts[2]], ["c2", "周六上午九点在东门集合"]])
    return root


@pytest.fixture(scope="module")
def local_out(tree, tmp_path_factory):
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("local") / "local.jsonl"
    result = CliRunner().invoke(app, ["batch", str(tree), "-o", str(out), "--workers", "2", "-q"])
    assert result.exit_code == 1, result.output  # the binary, empty, broken and field-less inputs
    return out.read_bytes()


def _options() -> dict:
    return {"rules_dirs": [], "builtin_rules": True, "model": "default"}


def test_dask_output_equals_local_engine_byte_for_byte(runner, client, tree, local_out, tmp_path):
    out = tmp_path / "dask.jsonl"
    result = runner.invoke(app, ["batch", str(tree), "-o", str(out), "--engine", "dask",
                                 "--scheduler", client.scheduler.address, "-q"])
    assert result.exit_code == 1, result.output
    assert out.read_bytes() == local_out
    records = jsonl(out.read_text(encoding="utf-8"))
    assert len(records) == 240 + 3 + 4 + 2
    types = {r["error"]["type"] for r in records if r["error"]}
    assert {"DecodeError", "EmptyInput", "InvalidJSON", "MissingField"} <= types


def test_local_cluster_of_workers_when_no_scheduler_is_given(runner, tree, local_out, tmp_path):
    out = tmp_path / "dask.jsonl"
    summary = tmp_path / "summary.json"
    result = runner.invoke(app, ["batch", str(tree), "-o", str(out), "--engine", "dask", "--workers", "2", "-q",
                                 "--summary", str(summary)])
    assert result.exit_code == 1, result.output
    assert out.read_bytes() == local_out
    assert json.loads(summary.read_text())["texts"] == 249


def test_resume_on_dask_appends_only_what_is_missing(runner, client, tree, local_out, tmp_path):
    lines = local_out.decode("utf-8").splitlines(keepends=True)
    out = tmp_path / "partial.jsonl"
    out.write_text("".join(lines[:100]) + lines[100][:30], encoding="utf-8")  # cut mid-line
    runner.invoke(app, ["batch", str(tree), "-o", str(out), "--engine", "dask", "--resume",
                        "--scheduler", client.scheduler.address, "-q"])
    assert out.read_bytes() == local_out


def test_each_worker_builds_the_classifier_once(client, tree):
    options = _options()
    key = W.classifier_spec(**options).key
    items = list(walk([tree]))
    for _ in range(2):  # two runs of many small tasks on the same cluster
        with D.DaskEngine(options, client=client, chunk=8) as engine:
            assert len(list(engine.lines(units(items)))) == 249
    stats = client.run(W.worker_stats)
    assert len(stats) == 2
    for s in stats.values():
        assert s["loads"][key] == 1  # rules, jieba and model: once per worker process
        assert s["tasks"][key] >= 5  # ... though each ran many tasks
    assert sum(s["tasks"][key] for s in stats.values()) >= 2 * 249 // 8


def test_a_text_that_fails_everywhere_gets_an_error_record(client, full):
    session = D.Session(client=client)
    key = session.install(W.classifier_spec())
    texts = _texts(20, step=50)
    recs = [InputRecord(id=str(k), source=f"s{k}", text=t) for k, t in enumerate(texts)]
    recs[7] = InputRecord(id="7", source="s7", text=None)  # makes the classifier raise on every worker
    results = list(D.ordered_results(session, recs, key, chunk=8, retries=1))
    assert [r.source for r in results] == [f"s{k}" for k in range(20)]
    assert results[7].error is not None and results[7].error.type == "WorkerError"
    expected = list(full.classify_many(texts, ids=[str(k) for k in range(20)], sources=[f"s{k}" for k in range(20)]))
    assert [r for k, r in enumerate(results) if k != 7] == [r for k, r in enumerate(expected) if k != 7]


# --- datasets ---------------------------------------------------------------------------------

def _write_jsonl_dataset(path: Path, texts: list[str]) -> None:
    lines = []
    for k, t in enumerate(texts):
        if k == 5:
            lines.append("{broken")
        elif k == 9:
            lines.append("")
        elif k == 11:
            lines.append(json.dumps({"id": 11, "body": "no text"}))
        else:
            lines.append(json.dumps({"id": f"j{k}", "text": t}, ensure_ascii=False))
    path.write_bytes(("\n".join(lines[:40]) + "\r\n" + "\r\n".join(lines[40:]) + "\n").encode("utf-8"))


def test_jsonl_dataset_parts_concatenate_to_the_local_engine_output(runner, client, tmp_path):
    data = tmp_path / "in" / "data.jsonl"
    data.parent.mkdir()
    _write_jsonl_dataset(data, _texts(120, step=13))
    local = tmp_path / "local.jsonl"
    runner.invoke(app, ["batch", str(data), "-o", str(local), "-q"])
    out = tmp_path / "parts"
    stats = dataset.classify_dataset([data], out, client=client, blocksize=3000)
    parts = sorted(out.glob("part-*.jsonl"))
    assert len(parts) > 4  # split in byte blocks at line ends
    assert b"".join(p.read_bytes() for p in parts) == local.read_bytes()
    assert stats.texts == 119 and stats.errors == 2


def test_jsonl_dataset_on_the_command_line_with_resume(runner, client, tmp_path):
    data = tmp_path / "data.jsonl"
    _write_jsonl_dataset(data, _texts(30, step=31))
    out = tmp_path / "out"
    args = ["batch", str(data), "-o", f"{out}/", "--engine", "dask", "--scheduler", client.scheduler.address, "-q"]
    assert runner.invoke(app, args).exit_code == 1  # the broken line and the record without text
    records = [r for p in sorted(out.glob("part-*.jsonl")) for r in jsonl(p.read_text(encoding="utf-8"))]
    assert [r["source"] for r in records] == [f"data.jsonl:{n}" for n in range(1, 31) if n != 10]
    assert records[0]["id"] == "j0" and records[5]["error"]["type"] == "InvalidJSON"
    assert records[10]["id"] == "11" and records[10]["error"]["type"] == "MissingField"
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--resume" in again.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert runner.invoke(app, args + ["--resume"]).exit_code == 0  # nothing left to do
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_parquet_dataset_in_partitioned_parquet_out(runner, client, full, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = _texts(60, step=29)
    folder = tmp_path / "cases"
    folder.mkdir()
    for k in range(2):  # a folder of two parts, one with three row groups
        chunk = texts[k * 30:(k + 1) * 30]
        table = pa.table({"case": [k * 100 + i for i in range(30)],
                          "body": [None if i == 3 else t for i, t in enumerate(chunk)]})
        pq.write_table(table, folder / f"part.{k}.parquet", row_group_size=10 if k == 0 else 30)
    (folder / "_SUCCESS").write_bytes(b"")
    out = tmp_path / "labels"
    summary = tmp_path / "s.json"
    result = runner.invoke(app, ["batch", str(folder), "-o", str(out), "--engine", "dask", "-f", "parquet",
                                 "--text-field", "body", "--id-field", "case", "--summary", str(summary),
                                 "--scheduler", client.scheduler.address, "-q"])
    assert result.exit_code == 1, result.output  # two null texts
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 4
    rows = pq.read_table(out).to_pylist()
    assert [r["source"] for r in rows] == [f"part.{k}.parquet:{n}" for k in range(2) for n in range(1, 31)]
    assert [r["id"] for r in rows] == [str(k * 100 + i) for k in range(2) for i in range(30)]
    assert rows[3]["error"]["type"] == "MissingField" and rows[33]["error"]["type"] == "MissingField"
    good = [k for k in range(60) if k % 30 != 3]
    expected = list(full.classify_many([texts[k] for k in good]))
    for k, want in zip(good, expected):
        assert rows[k]["labels"] == want.labels and rows[k]["primary"] == want.primary
        assert rows[k]["scores"] == want.scores
        assert rows[k]["evidence"] == [e.model_dump() for e in want.evidence]
    s = json.loads(summary.read_text())
    assert s["texts"] == 60 and s["errors"] == 2


def test_a_jsonl_line_with_invalid_bytes_is_kept_with_a_warning(client, tmp_path):
    data = tmp_path / "d.jsonl"
    good = json.dumps({"id": "a", "text": "他把银行卡卖给收卡的人"}, ensure_ascii=False).encode("utf-8")
    data.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + good.replace("卡".encode(), b"\xff", 1) + b"\n" + good + b"\n")
    dataset.classify_dataset([data], tmp_path / "out", client=client)
    records = jsonl((tmp_path / "out" / "part-00000.jsonl").read_text(encoding="utf-8"))
    assert [r["warnings"] for r in records] == [[], ["1 invalid UTF-8 byte sequence(s) replaced with U+FFFD"], []]
    assert [r["source"] for r in records] == ["d.jsonl:1", "d.jsonl:2", "d.jsonl:3"]
    assert records[0]["labels"] == ["two_cards"] and records[1]["error"] is None


def test_a_folder_of_documents_is_not_read_as_a_dataset(runner, tree, tmp_path):
    result = runner.invoke(app, ["batch", str(tree), "-o", f"{tmp_path / 'out'}/", "--engine", "dask"])
    assert result.exit_code == 2 and "not a dataset part" in result.stderr
    assert not (tmp_path / "out").exists()


def test_dataset_needs_the_dask_engine(runner, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["x"]}), tmp_path / "d.parquet")
    result = runner.invoke(app, ["batch", str(tmp_path / "d.parquet"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--engine dask" in result.stderr


def test_a_dataset_summary_onto_the_model_or_an_input_is_refused_before_any_work(runner, tmp_path):
    import shutil

    from cybertype.model.linear import default_model_path

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"id": f"t{k}", "text": t}, ensure_ascii=False) + "\n"
                            for k, t in enumerate(_texts(5))), encoding="utf-8")
    model = tmp_path / "m.npz"
    shutil.copy(default_model_path(), model)
    kept = data.read_bytes(), model.read_bytes()
    parts = f"{tmp_path / 'parts'}/"
    for extra in (["--model", str(model), "--summary", str(model)], ["--summary", str(data)]):
        result = runner.invoke(app, ["batch", str(data), "-o", parts, "--engine", "dask", "--workers", "1", *extra])
        assert result.exit_code == 2, result.output
        assert "refusing to" in result.stderr
    assert (data.read_bytes(), model.read_bytes()) == kept
    assert not (tmp_path / "parts").exists()  # nothing was labeled


# --- Python API -------------------------------------------------------------------------------

def test_classify_bag_of_texts_and_of_records(client, full):
    import dask.bag as db

    texts = _texts(40, step=41)
    from cybertype.io.outputs import record_dict  # the record as written: `sorted_as` only when set

    want = [record_dict(r) for r in full.classify_many(texts)]
    got = client.compute(PL.classify_bag(db.from_sequence(texts, npartitions=4))).result()
    assert got == want
    recs = [{"case": f"c{k}", "body": t} for k, t in enumerate(texts)] + [{"case": "x"}]
    got = client.compute(PL.classify_bag(db.from_sequence(recs, npartitions=3), text_field="body",
                                        id_field="case")).result()
    assert [g["id"] for g in got] == [f"c{k}" for k in range(40)] + ["x"]
    assert [g["labels"] for g in got[:40]] == [w["labels"] for w in want]
    assert got[40]["error"]["type"] == "MissingField"


def test_classify_partition_with_map_partitions(client, full):
    import dask.dataframe as dd
    import pandas as pd

    texts = _texts(40, step=43)
    pdf = pd.DataFrame({"case": [f"c{k}" for k in range(40)], "body": texts})
    ddf = dd.from_pandas(pdf, npartitions=4)
    from cybertype.io.outputs import record_dict  # the record as written: `sorted_as` only when set

    want = [record_dict(r) for r in full.classify_many(texts, ids=list(pdf["case"]))]
    direct = ddf.map_partitions(PL.classify_partition, text_field="body", id_field="case", meta=PL.result_meta())
    frame = client.compute(direct).result()
    assert list(frame.columns) == PL.RESULT_COLUMNS
    assert frame.to_dict("records") == want
    shipped = client.compute(PL.classify_dataframe(ddf, text_field="body", id_field="case")).result()
    assert shipped.to_dict("records") == want


# --- optional dependency ---------------------------------------------------------------------

def test_engine_dask_without_dask_says_how_to_install(runner, tree, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = runner.invoke(app, ["batch", str(tree), "-o", str(tmp_path / "o.jsonl"), "--engine", "dask"])
    assert result.exit_code == 2
    assert "pip install 'cybertype[dask]'" in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_core_install_does_not_import_dask(tree, tmp_path):
    code = ("import sys; sys.modules['dask'] = sys.modules['distributed'] = None\n"
            "from cybertype.cli import app; import cybertype.batch.engines.dask, cybertype.batch.dataset\n"
            f"app(['batch', {str(tree)!r}, '-o', {str(tmp_path / 'o.jsonl')!r}, '--workers', '1', '-q'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr  # error records in the tree; the local engine ran
    assert len((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()) == 249


# --- interrupted: Ctrl-C in a terminal signals the whole process group -------------------------

def _live_processes(session: int) -> list[str]:
    """Processes of a session that still run (zombies, already ended, aside)."""
    ps = subprocess.run(["ps", "-e", "-o", "sid=,stat=,pid=,args="], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if line.split()[0] == str(session) and not line.split()[1].startswith("Z")]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupting_a_dask_batch_ends_with_one_line_and_a_resumable_output(signum, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for k, text in enumerate(_texts(700)):  # far more than labeled before the signal
        (folder / f"r{k:04d}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    cmd = [sys.executable, "-m", "cybertype", "batch", str(folder), "-o", str(out), "-q", "--workers", "2"]
    # A session of its own, so that the signal can go to every process of the run, as a terminal sends it.
    proc = subprocess.Popen(cmd + ["--engine", "dask"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    while (not out.exists() or out.stat().st_size == 0) and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signum)
    _, err = proc.communicate(timeout=120)
    assert err.decode() == "cybertype: interrupted\n"  # no worker tracebacks, no distributed.* log lines
    assert proc.returncode == 130
    deadline = time.time() + 30
    while _live_processes(proc.pid) and time.time() < deadline:
        time.sleep(0.1)
    assert _live_processes(proc.pid) == []  # no worker, nanny or scheduler left behind
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert 0 < len(lines) < 700
    assert all(line.endswith("\n") and json.loads(line)["error"] is None for line in lines)
    # --resume finishes the rest (here on the local engine: the settings are the same).
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    sources = [json.loads(line)["source"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sources == sorted(f"r{k:04d}.txt" for k in range(700))


# --- a worker dies midway (last: the cluster restarts that worker) ----------------------------

def test_a_worker_killed_midway_loses_nothing(client, tree, local_out):
    from cybertype.io.outputs import to_json

    items = list(walk([tree]))
    before = client.run(os.getpid)
    engine = D.DaskEngine(_options(), client=client, chunk=16)
    results = engine.results(units(items))
    got: list = []
    consumer = threading.Thread(target=lambda: got.extend(results))
    consumer.start()
    victim, deadline = None, time.time() + 30
    while victim is None and time.time() < deadline:  # the first worker seen with tasks in flight
        victim = next((addr for addr, keys in client.processing().items() if keys), None)
    assert victim is not None
    os.kill(before[victim], signal.SIGKILL)
    consumer.join(120)
    assert not consumer.is_alive()
    assert "".join(to_json(r) + "\n" for r in got).encode("utf-8") == local_out
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it
    assert before[victim] not in client.run(os.getpid).values()
