"""cybertype benchmarks: the seven figures of issue 13, each measured side by side in one interleaved run.

    python benchmarks/run.py                 # full run (about 20 minutes), writes benchmarks/results.json
    python benchmarks/run.py --markdown      # the same, and prints the README table
    python benchmarks/run.py --render benchmarks/results.json   # only print the README table of a past run
    python benchmarks/run.py --tiny --output /tmp/r.json         # smoke run on a few dozen texts

1. vs_jieba         `classify - --input-format jsonl < workload.jsonl` vs jieba.lcut of the same texts, CPU time
2. vs_notebook      the same cybertype run vs TfidfVectorizer(jieba) + LogisticRegression loaded with joblib,
                    predicting text by text over the same file, CPU time
3. cold_start       `classify one.txt --format json` vs `python -c "import jieba; jieba.initialize()"`, CPU time
4. memory_10mb      peak RSS of `classify FILE --format json` on one 10 MB text (benchmarks/memory.py)
5. stdin_flat       peak RSS over 100k JSONL records on stdin / the same over 1k (benchmarks/memory.py)
6. scaling          `batch --workers 2` vs `--workers 1` over 10,000 one-text files, wall time
7. vs_aho_corasick  texts/s of run 1 vs a bare pyahocorasick scan of the rules' keywords (ac_scan.py), CPU time

Every timed program is a fresh subprocess, timed from launch to exit. Each figure is the median of the
per-repetition ratios (a, b, a, b ... interleaved, so drift hits both alike), with their min and max.
The workload is built deterministically from samples/train.jsonl and samples/test.jsonl into --work
(default benchmarks/work/, git-ignored). See benchmarks/README.md.
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = [ROOT / "samples" / "train.jsonl", ROOT / "samples" / "test.jsonl"]
SEED = 20240611
FILES_PER_FOLDER = 500
SCALING_FILES = 10_000

# figure -> (number in issue 13, what, comparison, target, the figure the issue gives for before)
TARGETS = {
    "vs_jieba": (1, "throughput vs `jieba.lcut` alone, one process, same texts (CPU time)", ">=", 3.0, "0.80x"),
    "vs_notebook": (2, "vs the notebook pipeline, predict only (model loaded from joblib; CPU time)", ">=", 6.0, "2.0x"),
    "cold_start": (3, "cold start, `classify one.txt --format json`, vs `import jieba; jieba.initialize()` (CPU time)",
                   "<=", 0.3, "0.53x"),
    "memory_10mb": (4, "peak RSS for one 10 MB text (MB)", "<=", 300.0, "849 MB"),
    "stdin_flat": (5, "peak RSS over 100k JSONL records on stdin, / the figure for 1k", "<=", 1.10, "-"),
    "scaling": (6, "`batch --workers 2` vs `--workers 1`, 10k one-text files (wall time)", ">=", 1.9, "1.70-1.75x"),
    "vs_aho_corasick": (7, "texts/s of the whole pipeline vs a bare Aho-Corasick scan of the rules' keywords (CPU time)",
                        ">=", 0.25, "0.05x"),
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
    """Write workload.jsonl, files/ (10,000 one-text files), one.txt and corpus.jsonl (training) under `work`."""
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
    n_files = 40 if tiny else SCALING_FILES  # the texts again and again, up to this many files
    for k in range(n_files):
        t = texts[k % len(texts)]
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
        "files": n_files,
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


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], *, stdin: Path | None = None, stdout: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one subprocess run; CPU is user + sys of it and the children it waited for."""
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t0
        cpu = _children_cpu() - cpu0
    finally:
        for f in (fin, fout):
            if f is not subprocess.DEVNULL:
                f.close()
    if proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, cpu


def alternate(named: dict[str, dict], reps: int) -> dict[str, dict[str, list[float]]]:
    """Run each named command `reps` times, interleaved (a, b, c, a, b, c ...); wall and CPU seconds per name."""
    out = {name: {"wall_s": [], "cpu_s": []} for name in named}
    for _ in range(reps):
        for name, spec in named.items():
            wall, cpu = timed(**spec)
            out[name]["wall_s"].append(round(wall, 4))
            out[name]["cpu_s"].append(round(cpu, 4))
    return out


def spread(ratios: list[float]) -> dict:
    """The figure (median of the per-repetition ratios) and its spread."""
    return {"value": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
            "runs": [round(r, 4) for r in ratios]}


def per_run(runs: dict, num: str, den: str, key: str = "cpu_s") -> list[float]:
    return [a / b for a, b in zip(runs[num][key], runs[den][key])]


# --- the seven figures --------------------------------------------------------------------------

def bench_pipeline(work: Path, reps: int, workload: dict) -> dict[str, dict]:
    """Figures 1, 2 and 7: one cybertype process over workload.jsonl against three references, interleaved."""
    wl = work / "workload.jsonl"
    model = work / "notebook.joblib"
    timed([sys.executable, str(HERE / "notebook.py"), "train", str(work / "corpus.jsonl"), str(model)])  # setup
    named = {
        # --encoding utf-8: the workload is UTF-8, and line-by-line detection misreads some English lines
        # of it as GB18030 (and the lines after them): a bug of its own, reported, not measured here.
        "cybertype": {"cmd": cybertype_cmd() + ["classify", "-", "--input-format", "jsonl", "--encoding", "utf-8"],
                      "stdin": wl,
                      "stdout": work / "out-classify.jsonl"},
        "jieba": {"cmd": [sys.executable, str(HERE / "jieba_segment.py"), str(wl)], "stdout": work / "out-jieba.txt"},
        "notebook": {"cmd": [sys.executable, str(HERE / "notebook.py"), "predict", str(model), str(wl),
                             str(work / "out-notebook.jsonl")]},
        "aho_corasick": {"cmd": [sys.executable, str(HERE / "ac_scan.py"), str(wl)], "stdout": work / "out-ac.txt"},
    }
    for spec in named.values():  # warm-up: page cache, jieba's own cache
        timed(**spec)
    runs = alternate(named, reps)
    n = workload["texts"]
    cpu = {name: statistics.median(r["cpu_s"]) for name, r in runs.items()}
    rates = {f"{name}_texts_per_cpu_s": round(n / c, 1) for name, c in cpu.items()}
    common = {"runs_s": runs, **rates, "cybertype_cmd": "cybertype classify - --input-format jsonl --encoding utf-8 < workload.jsonl"}
    return {
        "vs_jieba": {**spread(per_run(runs, "jieba", "cybertype")), **common,
                     "reference_cmd": "python benchmarks/jieba_segment.py workload.jsonl (jieba.lcut per text)"},
        "vs_notebook": {**spread(per_run(runs, "notebook", "cybertype")), **common,
                        "reference_cmd": "python benchmarks/notebook.py predict notebook.joblib workload.jsonl out.jsonl"},
        "vs_aho_corasick": {**spread(per_run(runs, "aho_corasick", "cybertype")), **common,
                            "reference_cmd": "python benchmarks/ac_scan.py workload.jsonl"},
    }


def bench_cold_start(work: Path, reps: int) -> dict:
    named = {"cybertype": {"cmd": cybertype_cmd() + ["classify", str(work / "one.txt"), "--format", "json"]},
             "jieba": {"cmd": [sys.executable, "-c", "import jieba; jieba.initialize()"]}}
    for spec in named.values():  # warm jieba's cache and the page cache
        timed(**spec)
    runs = alternate(named, reps)
    return {**spread(per_run(runs, "cybertype", "jieba")), "runs_s": runs,
            "cybertype_cpu_s": statistics.median(runs["cybertype"]["cpu_s"]),
            "jieba_cpu_s": statistics.median(runs["jieba"]["cpu_s"]),
            "cybertype_cmd": "cybertype classify one.txt --format json",
            "reference_cmd": 'python -c "import jieba; jieba.initialize()"'}


def bench_memory(reps: int, tiny: bool) -> dict[str, dict]:
    """Figures 4 and 5 from benchmarks/memory.py, `reps` times each (1k and 100k interleaved)."""
    sys.path.insert(0, str(HERE))
    import memory

    mb, small, large = (0.2, 20, 200) if tiny else (10.0, 1_000, 100_000)
    longs, flat, smalls, larges = [], [], [], []
    for _ in range(reps):
        longs.append(memory.peak_rss_long_text(mb))
        a, b = memory.peak_rss_stdin(small), memory.peak_rss_stdin(large)
        smalls.append(a)
        larges.append(b)
        flat.append(b["peak_rss_mb"] / a["peak_rss_mb"])
    return {
        "memory_10mb": {**spread([r["peak_rss_mb"] for r in longs]), "text_bytes": longs[0]["bytes"],
                        "cpu_s": [r["cpu_seconds"] for r in longs],
                        "cybertype_cmd": f"cybertype classify long.txt --format json --max-bytes N ({mb:g} MB text)"},
        "stdin_flat": {**spread(flat), "small_records": small, "large_records": large,
                       "small_peak_rss_mb": [r["peak_rss_mb"] for r in smalls],
                       "large_peak_rss_mb": [r["peak_rss_mb"] for r in larges],
                       "cybertype_cmd": "cybertype classify - --input-format jsonl --format jsonl < N records"},
    }


def bench_scaling(work: Path, reps: int, workload: dict) -> dict:
    def batch(out: str, workers: int) -> dict:
        return {"cmd": cybertype_cmd() + ["batch", str(work / "files"), "-o", str(work / out), "--quiet",
                                          "--workers", str(workers)]}

    runs = alternate({"workers_1": batch("out-w1.jsonl", 1), "workers_2": batch("out-w2.jsonl", 2)}, reps)
    n = workload["files"]
    w1, w2 = (statistics.median(runs[k]["wall_s"]) for k in ("workers_1", "workers_2"))
    return {**spread(per_run(runs, "workers_1", "workers_2", "wall_s")), "runs_s": runs,
            "workers_1_texts_per_s": round(n / w1, 1), "workers_2_texts_per_s": round(n / w2, 1),
            "cybertype_cmd": f"cybertype batch files/ -o out.jsonl --workers 2  vs  --workers 1 ({n} files)"}


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
    for name in ("cybertype", "rjieba", "jieba", "numpy", "pydantic", "pyahocorasick", "scikit-learn", "joblib"):
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
    _, _, op, target, _ = TARGETS[name]
    return value <= target if op == "<=" else value >= target


def _fmt(name: str, x: float) -> str:
    return f"{x:.0f} MB" if name == "memory_10mb" else f"{x:.2f}x"


def rows(result: dict) -> list[tuple[str, ...]]:
    out = []
    for name, (num, what, op, target, before) in TARGETS.items():
        f = result["figures"].get(name)
        if f is None:
            continue
        out.append((str(num), what, before, _fmt(name, f["value"]), f"{_fmt(name, f['min'])} - {_fmt(name, f['max'])}",
                    f"{op.replace('<=', '≤').replace('>=', '≥')} {_fmt(name, target)}", "yes" if f["pass"] else "no"))
    return out


HEADER = ("#", "figure", "before (issue 13)", "now (median)", f"spread (min - max)", "target", "met")


def markdown(result: dict) -> str:
    """The README table of a run, with the machine and the load average under it."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows(result)]
    m, w = result["machine"], result["workload"]
    lines += ["", f"{result['command']}: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
              f"{m['date']}; load average {m['load_average_start'][0]:.2f} at the start, "
              f"{m['load_average_end'][0]:.2f} at the end; {result['repetitions']} repetitions per figure; workload "
              f"{w['texts']} texts, {w['text_bytes'] / 1e6:.2f} MB, {w['files']} files for figure 6."]
    return "\n".join(lines)


def text_table(result: dict) -> str:
    table = [HEADER, *rows(result)]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiny", action="store_true", help="a few dozen texts, two repetitions: checks the script runs")
    ap.add_argument("--output", type=Path, default=HERE / "results.json", help="results JSON (default: %(default)s)")
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: benchmarks/work, or beside --output with --tiny)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions of every figure (default 5; 2 with --tiny)")
    ap.add_argument("--only", action="append", choices=list(TARGETS), help="run only these figures (repeatable)")
    ap.add_argument("--markdown", action="store_true", help="also print the README table (Markdown)")
    ap.add_argument("--render", type=Path, metavar="RESULTS", help="print the README table of a results file; run nothing")
    args = ap.parse_args(argv)
    if args.render:
        print(markdown(json.loads(args.render.read_text(encoding="utf-8"))))
        return 0

    work = args.work or (args.output.resolve().parent / "cybertype-bench-work" if args.tiny else HERE / "work")
    reps = args.reps or (2 if args.tiny else 5)
    only = set(args.only or TARGETS)
    load_start = os.getloadavg()
    print(f"building the workload in {work} ...", file=sys.stderr)
    workload = build_workload(work, args.tiny)
    print(f"  {workload['texts']} texts, {workload['text_bytes'] / 1e6:.2f} MB, {workload['languages']}", file=sys.stderr)
    steps = [
        ({"vs_jieba", "vs_notebook", "vs_aho_corasick"}, lambda: bench_pipeline(work, reps, workload)),
        ({"cold_start"}, lambda: {"cold_start": bench_cold_start(work, reps)}),
        ({"memory_10mb", "stdin_flat"}, lambda: bench_memory(reps, args.tiny)),
        ({"scaling"}, lambda: {"scaling": bench_scaling(work, reps, workload)}),
    ]
    figures = {}
    for names, run in steps:
        if not names & only:
            continue
        print(f"running {', '.join(sorted(names))} ...", file=sys.stderr)
        load = os.getloadavg()[0]
        for name, res in run().items():
            num, what, op, target, before = TARGETS[name]
            figures[name] = {"number": num, "figure": what, "before_issue_13": before, "target": f"{op} {target:g}",
                             "pass": verdict(name, res["value"]), "load_average_1min": round(load, 2), **res}
    figures = {name: figures[name] for name in TARGETS if name in figures}  # in the order
    result = {
        "command": "python benchmarks/run.py" + (" --tiny" if args.tiny else ""),
        "tiny": args.tiny,
        "machine": dict(machine_info(), load_average_start=[round(x, 2) for x in load_start],
                        load_average_end=[round(x, 2) for x in os.getloadavg()]),
        "versions": versions(),
        "workload": workload,
        "repetitions": reps,
        "figures": figures,
        "all_pass": all(f["pass"] for f in figures.values()),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m = result["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, {m['date']}")
    print(f"workload: {workload['texts']} texts, {workload['text_bytes'] / 1e6:.2f} MB "
          f"(median {workload['length_chars']['median']} chars, max {workload['length_chars']['max']})\n")
    print(text_table(result))
    if max(load_start[0], os.getloadavg()[0]) > 0.5 * (os.cpu_count() or 1):
        print(f"\nnote: the machine was busy (load average {load_start[0]:.1f} at start, "
              f"{os.getloadavg()[0]:.1f} at end, {os.cpu_count()} cores): CPU-time ratios hold up, scaling does not")
    if args.markdown:
        print("\n" + markdown(result))
    print(f"\nresults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
