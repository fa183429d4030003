"""Local engine vs Dask, measured side by side (the table in the README's Dask section).

Builds 1,500 one-text files from samples/train.jsonl (seeded shuffle, 15 folders of 100),
then times `cybertype batch work/ -o OUT -q ENGINE_OPTIONS` for each configuration, interleaved,
from launch to exit, and prints the medians. Every configuration must write the same file.

    python benchmarks/engines.py [--reps 3] [--scheduler tcp://127.0.0.1:8786]

With --scheduler, an existing cluster is measured too (run once first to warm its workers).
Needs the dask extra: pip install '.[dask]'.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(work: Path, n: int = 1500) -> None:
    texts = [json.loads(line)["text"] for line in (ROOT / "samples" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    random.Random(7).shuffle(texts)
    shutil.rmtree(work, ignore_errors=True)
    for k, text in enumerate(texts[:n]):
        folder = work / f"{k // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{k:04d}.txt").write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scheduler", help="address of an existing Dask scheduler to measure as well")
    ap.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "engines")
    args = ap.parse_args()
    files = args.work / "files"
    build(files)
    configs = {
        "local, 1 worker": ["--engine", "local", "--workers", "1"],
        "local, 2 workers": ["--engine", "local", "--workers", "2"],
        "Dask LocalCluster, 1 worker": ["--engine", "dask", "--workers", "1"],
        "Dask LocalCluster, 2 workers": ["--engine", "dask", "--workers", "2"],
    }
    if args.scheduler:
        configs["Dask existing cluster"] = ["--engine", "dask", "--scheduler", args.scheduler]
    times: dict[str, list[float]] = {name: [] for name in configs}
    outputs = {}
    for _ in range(args.reps):
        for k, (name, opts) in enumerate(configs.items()):
            out = args.work / f"out-{k}.jsonl"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cybertype", "batch", str(files), "-o", str(out), "-q", *opts],
                           check=True)
            times[name].append(time.perf_counter() - start)
            outputs[name] = out.read_bytes()
    same = len(set(outputs.values())) == 1
    print(f"| engine | wall time (median of {args.reps}) | texts/s |\n|---|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.2f} s | {1500 / med:,.0f} |")
    print(f"\nall outputs identical: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
