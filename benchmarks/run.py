"""cybertype benchmarks: five figures, each a ratio against a reference measured side by side in this run.

    python benchmarks/run.py                 # full run (a few minutes), writes benchmarks/results.json
    python benchmarks/run.py --tiny --output /tmp/r.json   # smoke run on a few dozen texts

1. cold start   `cybertype classify one.txt --format json`  vs  `python -c "import jieba; jieba.initialize()"`
2. throughput   `cybertype classify - --input-format jsonl` vs  jieba.lcut over the same texts (one process each)
3. scaling      `cybertype batch --workers 2`                vs  `--workers 1` over the workload as files
4. alternative  `cybertype batch` (default workers)          vs  TfidfVectorizer(jieba) + LogisticRegression,
                                                                 joblib-loaded, applied file by file
5. memory       peak RSS (VmHWM) of one `cybertype batch --workers 1` worker process

The workload is built deterministically from samples/train.jsonl and samples/test.jsonl
into --work (default benchmarks/work/, git-ignored). See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = [ROOT / "samples" / "train.jsonl", ROOT / "samples" / "test.jsonl"]
SEED = 20240611
FILES_PER_FOLDER = 500

TARGETS = {  # figure -> (comparison, threshold)
    "cold_start": ("<=", 1.2),
    "throughput": (">=", 0.7),
    "scaling": (">=", 1.7),
    "vs_notebook": (">=", 2.0),
    "memory_mb": ("<=", 250.0),
}


# --- workload -----------------------------------------------------------------------------------

def read_samples() -> list[dict]:
    rows = []
    for path in SAMPLES:
        with open(path, encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    rows.sort(key=lambda r: r["id"])
    return rows


def build_texts(rows: list[dict], tiny: bool) -> list[dict]:
    """Every sample text, plus long composite "case files" (4-10 texts of one language joined), shuffled.

    About 1 text in 12 is a composite, so the length mix runs from one-line chat excerpts
    to case files of several thousand characters, in Chinese (simplified and
    traditional) and English, as found in real folders.
    """
    rng = random.Random(SEED)
    if tiny:
        rows = rng.sample(rows, 36)
    texts = [{"id": r["id"], "text": r["text"], "lang": r.get("lang", "?")} for r in rows]
    by_lang: dict[str, list[dict]] = {}
    for r in rows:
        by_lang.setdefault(r.get("lang", "?"), []).append(r)
    n_composite = max(2, len(rows) // 11)
    langs = sorted(by_lang)
    weights = [len(by_lang[lang]) for lang in langs]
    for k in range(n_composite):
        lang = rng.choices(langs, weights)[0]
        parts = rng.sample(by_lang[lang], min(len(by_lang[lang]), rng.randint(4, 10)))
        sep = "\n\n" if lang == "en" else "\n"
        texts.append({"id": f"case-{k:04d}", "text": sep.join(p["text"] for p in parts), "lang": lang})
    rng.shuffle(texts)
    return texts


def build_workload(work: Path, tiny: bool) -> dict:
    """Write workload.jsonl, files/ (one .txt per text), one.txt and corpus.jsonl (training) under `work`."""
    rows = read_samples()
    texts = build_texts(rows, tiny)
    marker = work / ".cybertype-bench"
    if work.exists() and any(work.iterdir()):
        if not marker.exists():
            raise SystemExit(f"{work} is not empty and not a benchmark work folder: refusing to clear it")
        shutil.rmtree(work)
    files = work / "files"
    files.mkdir(parents=True)
    marker.write_text("work folder of benchmarks/run.py; cleared on every run\n")
    with open(work / "workload.jsonl", "w", encoding="utf-8") as fh:
        for t in texts:
            fh.write(json.dumps({"id": t["id"], "text": t["text"]}, ensure_ascii=False) + "\n")
    for k, t in enumerate(texts):
        folder = files / f"part-{k // FILES_PER_FOLDER:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"{k:05d}-{t['id']}.txt").write_text(t["text"], encoding="utf-8")
    # The cold-start text: the Chinese text of median length (a typical victim report).
    zh = sorted((t for t in texts if t["lang"] == "zh"), key=lambda t: (len(t["text"]), t["id"]))
    one = zh[len(zh) // 2]
    (work / "one.txt").write_text(one["text"], encoding="utf-8")
    # Training corpus of the notebook pipeline: samples/train.jsonl (a small slice of it for --tiny).
    train = [json.loads(line) for line in open(SAMPLES[0], encoding="utf-8") if line.strip()]
    if tiny:
        per_label: dict[str, int] = {}
        kept = []
        for r in train:
            if per_label.get(r["primary"], 0) < 25:
                per_label[r["primary"]] = per_label.get(r["primary"], 0) + 1
                kept.append(r)
        train = kept
    with open(work / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for r in train:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    lengths = sorted(len(t["text"]) for t in texts)
    langs: dict[str, int] = {}
    for t in texts:
        langs[t["lang"]] = langs.get(t["lang"], 0) + 1
    data = "".join(t["text"] for t in texts).encode("utf-8")
    return {
        "texts": len(texts),
        "text_bytes": len(data),
        "characters": sum(lengths),
        "length_chars": {"min": lengths[0], "median": lengths[len(lengths) // 2],
                         "p90": lengths[int(len(lengths) * 0.9)], "max": lengths[-1]},
        "languages": dict(sorted(langs.items())),
        "files": len(texts),
        "one_txt_chars": len(one["text"]),
        "sha256": hashlib.sha256(data).hexdigest(),
        "notebook_training_texts": len(train),
    }


# --- running and timing -------------------------------------------------------------------------

def cybertype_cmd() -> list[str]:
    """The installed `cybertype` script next to this Python, else `python -m cybertype`."""
    script = Path(sys.executable).parent / "cybertype"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "cybertype"]


last_cpu = 0.0  # CPU seconds of the last `timed` run


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], *, stdin: Path | None = None, stdout: Path | None = None,
          on_start=None, check: bool = True) -> float:
    """Wall time in seconds of one subprocess run (stderr kept for the error message).

    The run's CPU time (user + sys of the process and the children it waited for) is kept
    in `last_cpu`: on a busy machine it is the steadier figure.
    """
    global last_cpu
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        if on_start is not None:
            on_start(proc)
        _, err = proc.communicate()
        elapsed = time.perf_counter() - t0
        last_cpu = _children_cpu() - cpu0
    finally:
        for f in (fin, fout):
            if f is not subprocess.DEVNULL:
                f.close()
    if check and proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')[-2000:]}")
    return elapsed


def alternate(named: dict[str, list[str] | dict], reps: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Run each named command `reps` times, interleaved (a, b, a, b ...) so drift hits both alike.

    Returns wall times and CPU times (user + sys, workers included) per name."""
    times: dict[str, list[float]] = {name: [] for name in named}
    cpu: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(reps):
        for name, spec in named.items():
            spec = spec if isinstance(spec, dict) else {"cmd": spec}
            times[name].append(timed(**spec))
            cpu[name].append(last_cpu)
    return times, cpu


class WorkerMemory:
    """Polls /proc for the forked worker processes of one command and keeps each one's VmHWM."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peaks_kb: dict[int, int] = {}
        self.main_kb = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, proc: subprocess.Popen) -> None:
        self._thread = threading.Thread(target=self._poll, args=(proc.pid,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @staticmethod
    def _hwm_kb(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    @staticmethod
    def _children(pid: int) -> list[int]:
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == pid:
                kids.append(int(entry))
        return kids

    @staticmethod
    def _cmdline(pid: int) -> bytes | None:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def _poll(self, pid: int) -> None:
        main_cmd = self._cmdline(pid)
        while not self._stop.is_set():
            main = self._hwm_kb(pid)
            if main is None:
                break
            self.main_kb = max(self.main_kb, main)
            for kid in self._children(pid):
                # Pool workers are forks: same command line. Anything else (a helper) is not a worker.
                if self._cmdline(kid) != main_cmd:
                    continue
                hwm = self._hwm_kb(kid)
                if hwm is not None:
                    self.peaks_kb[kid] = max(self.peaks_kb.get(kid, 0), hwm)
            time.sleep(self.interval)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


# --- the five figures ---------------------------------------------------------------------------

def bench_cold_start(work: Path, reps: int) -> dict:
    ct = cybertype_cmd() + ["classify", str(work / "one.txt"), "--format", "json"]
    jb = [sys.executable, "-c", "import jieba; jieba.initialize()"]
    for cmd in (ct, jb):  # warm jieba's caches (cybertype's own and jieba's default) and the page cache
        timed(cmd)
    times, cpu = alternate({"cybertype": ct, "jieba": jb}, reps)
    c, j = median(times["cybertype"]), median(times["jieba"])
    return {"value": c / j, "cybertype_s": c, "jieba_s": j, "runs_s": times,
            "cpu_ratio": median(cpu["cybertype"]) / median(cpu["jieba"]), "cpu_s": cpu,
            "cybertype_cmd": "cybertype classify one.txt --format json",
            "reference_cmd": 'python -c "import jieba; jieba.initialize()"'}


def bench_throughput(work: Path, reps: int, workload: dict) -> dict:
    wl = work / "workload.jsonl"
    ct = {"cmd": cybertype_cmd() + ["classify", "-", "--input-format", "jsonl"], "stdin": wl,
          "stdout": work / "out-classify.jsonl"}
    jb = {"cmd": [sys.executable, str(HERE / "jieba_segment.py"), str(wl)], "stdout": work / "out-jieba.txt"}
    times, cpu = alternate({"cybertype": ct, "jieba": jb}, reps)
    c, j = median(times["cybertype"]), median(times["jieba"])
    n, mb = workload["texts"], workload["text_bytes"] / 1e6
    return {"value": j / c, "cybertype_s": c, "jieba_s": j, "runs_s": times,
            "cpu_ratio": median(cpu["jieba"]) / median(cpu["cybertype"]), "cpu_s": cpu,
            "cybertype_texts_per_s": n / c, "jieba_texts_per_s": n / j,
            "cybertype_mb_per_s": mb / c, "jieba_mb_per_s": mb / j,
            "cybertype_cmd": "cybertype classify - --input-format jsonl < workload.jsonl",
            "reference_cmd": "python benchmarks/jieba_segment.py workload.jsonl (jieba.lcut per text)"}


def batch_cmd(work: Path, out: str, workers: int | None) -> list[str]:
    cmd = cybertype_cmd() + ["batch", str(work / "files"), "-o", str(work / out), "--quiet"]
    return cmd + (["--workers", str(workers)] if workers else [])


def bench_scaling(work: Path, reps: int, workload: dict) -> dict:
    times, cpu = alternate({"workers_1": batch_cmd(work, "out-w1.jsonl", 1),
                            "workers_2": batch_cmd(work, "out-w2.jsonl", 2)}, reps)
    one, two = median(times["workers_1"]), median(times["workers_2"])
    n = workload["texts"]
    return {"value": one / two, "workers_1_s": one, "workers_2_s": two, "runs_s": times, "cpu_s": cpu,
            "workers_1_texts_per_s": n / one, "workers_2_texts_per_s": n / two,
            "cybertype_cmd": "cybertype batch files/ -o out.jsonl --workers 2  vs  --workers 1"}


def bench_vs_notebook(work: Path, reps: int, workload: dict) -> dict:
    model = work / "notebook.joblib"
    t0 = time.perf_counter()
    timed([sys.executable, str(HERE / "notebook.py"), "train", str(work / "corpus.jsonl"), str(model)])
    train_s = time.perf_counter() - t0
    nb = [sys.executable, str(HERE / "notebook.py"), "predict", str(model), str(work / "files"),
          str(work / "out-notebook.jsonl")]
    timed(nb)  # warm-up: scikit-learn's and jieba's files into the page cache
    times, cpu = alternate({"cybertype": batch_cmd(work, "out-default.jsonl", None), "notebook": nb}, reps)
    c, nbt = median(times["cybertype"]), median(times["notebook"])
    n = workload["texts"]
    return {"value": nbt / c, "cybertype_s": c, "notebook_s": nbt, "runs_s": times, "cpu_s": cpu,
            "cpu_ratio": median(cpu["notebook"]) / median(cpu["cybertype"]),
            "cybertype_texts_per_s": n / c, "notebook_texts_per_s": n / nbt,
            "notebook_train_s": train_s, "default_workers": os.cpu_count(),
            "cybertype_cmd": "cybertype batch files/ -o out.jsonl (default workers)",
            "reference_cmd": "python benchmarks/notebook.py predict notebook.joblib files/ out.jsonl"}


def bench_memory(work: Path) -> dict:
    mon = WorkerMemory()
    try:
        timed(batch_cmd(work, "out-mem.jsonl", 1), on_start=mon.start)
    finally:
        mon.stop()
    if not mon.peaks_kb:
        raise RuntimeError("no batch worker process seen: cannot measure its memory")
    peak = max(mon.peaks_kb.values()) / 1024
    return {"value": peak, "workers_seen": len(mon.peaks_kb), "main_process_mb": mon.main_kb / 1024,
            "cybertype_cmd": "cybertype batch files/ -o out.jsonl --workers 1 (VmHWM of the worker)"}


# --- report -------------------------------------------------------------------------------------

def machine_info() -> dict:
    cpu = platform.processor() or "?"
    virtual = None
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                virtual = " hypervisor" in line
    except OSError:
        pass
    ram_gb = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable, "virtual_machine": virtual, "ram_gb": ram_gb,
            "python": platform.python_version(), "platform": platform.platform(),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("cybertype", "jieba", "numpy", "pydantic", "scikit-learn", "joblib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    try:
        from cybertype.model.linear import default_model_path

        out["model_sha256"] = hashlib.sha256(default_model_path().read_bytes()).hexdigest()
    except Exception:  # noqa: BLE001 - informative only
        out["model_sha256"] = None
    return out


def verdict(name: str, value: float) -> bool:
    op, target = TARGETS[name]
    return value <= target if op == "<=" else value >= target


def table(figures: dict) -> str:
    rows = [("figure", "cybertype", "reference", "ratio", "target", "pass", "CPU-time ratio")]
    f = figures

    def cpu(x):
        return f"{x['cpu_ratio']:.2f}x" if "cpu_ratio" in x else "-"

    if "cold_start" in f:
        x = f["cold_start"]
        rows.append(("1 cold start", f"{x['cybertype_s']:.3f} s", f"{x['jieba_s']:.3f} s (jieba init)",
                     f"{x['value']:.2f}x", "<= 1.2x", x["pass"], cpu(x)))
    if "throughput" in f:
        x = f["throughput"]
        rows.append(("2 throughput, 1 process",
                     f"{x['cybertype_texts_per_s']:.0f} texts/s, {x['cybertype_mb_per_s']:.2f} MB/s",
                     f"{x['jieba_texts_per_s']:.0f} texts/s, {x['jieba_mb_per_s']:.2f} MB/s (jieba.lcut)",
                     f"{x['value']:.2f}x", ">= 0.7x", x["pass"], cpu(x)))
    if "scaling" in f:
        x = f["scaling"]
        rows.append(("3 scaling, batch", f"{x['workers_2_s']:.2f} s (2 workers)", f"{x['workers_1_s']:.2f} s (1 worker)",
                     f"{x['value']:.2f}x", ">= 1.7x", x["pass"], "-"))
    if "vs_notebook" in f:
        x = f["vs_notebook"]
        rows.append(("4 vs notebook pipeline", f"{x['cybertype_s']:.2f} s (batch)",
                     f"{x['notebook_s']:.2f} s (tf-idf+LR, joblib)", f"{x['value']:.2f}x", ">= 2x", x["pass"], cpu(x)))
    if "memory_mb" in f:
        x = f["memory_mb"]
        rows.append(("5 memory, one worker", f"{x['value']:.0f} MB peak RSS", "-", "-", "<= 250 MB", x["pass"], "-"))
    rows = [tuple("PASS" if c is True else "FAIL" if c is False else c for c in r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiny", action="store_true", help="a few dozen texts, one repetition: checks the script runs")
    ap.add_argument("--output", type=Path, default=HERE / "results.json", help="results JSON (default: %(default)s)")
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: benchmarks/work, or beside --output with --tiny)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions of the timed runs (median is reported)")
    ap.add_argument("--only", action="append", choices=list(TARGETS), help="run only these figures (repeatable)")
    args = ap.parse_args(argv)

    work = args.work or (args.output.resolve().parent / "cybertype-bench-work" if args.tiny else HERE / "work")
    reps = args.reps or (1 if args.tiny else 3)
    cold_reps = args.reps or (2 if args.tiny else 11)
    only = set(args.only or TARGETS)

    load_start = os.getloadavg()
    print(f"building the workload in {work} ...", file=sys.stderr)
    workload = build_workload(work, args.tiny)
    print(f"  {workload['texts']} texts, {workload['text_bytes'] / 1e6:.2f} MB, {workload['languages']}", file=sys.stderr)
    steps = [
        ("cold_start", lambda: bench_cold_start(work, cold_reps)),
        ("throughput", lambda: bench_throughput(work, reps, workload)),
        ("scaling", lambda: bench_scaling(work, reps, workload)),
        ("vs_notebook", lambda: bench_vs_notebook(work, reps, workload)),
        ("memory_mb", lambda: bench_memory(work)),
    ]
    figures = {}
    for name, run in steps:
        if name not in only:
            continue
        print(f"running {name} ...", file=sys.stderr)
        res = run()
        op, target = TARGETS[name]
        res["target"] = f"{op} {target:g}"
        res["pass"] = verdict(name, res["value"])
        figures[name] = res
    result = {
        "command": "python benchmarks/run.py" + (" --tiny" if args.tiny else ""),
        "tiny": args.tiny,
        "machine": dict(machine_info(), load_average_start=[round(x, 2) for x in load_start],
                        load_average_end=[round(x, 2) for x in os.getloadavg()]),
        "versions": versions(),
        "workload": workload,
        "repetitions": {"cold_start": cold_reps, "others": reps},
        "figures": figures,
        "all_pass": all(f["pass"] for f in figures.values()),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m = result["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, {m['date']}")
    print(f"workload: {workload['texts']} texts, {workload['text_bytes'] / 1e6:.2f} MB "
          f"(median {workload['length_chars']['median']} chars, max {workload['length_chars']['max']})\n")
    print(table(figures))
    if max(load_start[0], os.getloadavg()[0]) > 0.5 * (os.cpu_count() or 1):
        print(f"\nnote: the machine was busy (load average {load_start[0]:.1f} at start, "
              f"{os.getloadavg()[0]:.1f} at end, {os.cpu_count()} cores): ratios, scaling above all, are unreliable")
    print(f"\nresults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
