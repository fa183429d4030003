"""Peak memory (RSS) of cybertype on long and streamed inputs: issue 13 figures 4 and 5, issue 12 items 11-13.

    python benchmarks/memory.py                    # all figures, printed as JSON
    python benchmarks/memory.py --only long_text   # one of: long_text, stdin_1k, stdin_100k, nfkc_batch
    python benchmarks/memory.py --tiny             # small inputs (a smoke run: the figures mean nothing)

For `run.py` (or anyone), the functions return plain dicts:

    peak_rss_long_text(mb=10)        `classify FILE.txt --format json` on one text of `mb` MB
    peak_rss_stdin(records)          `classify - --input-format jsonl` with `records` JSONL lines piped in
    stdin_flatness(small, large)     both of those, and large / small (target: within 1.10)
    peak_rss_nfkc_batch(files, mb)   `batch --workers 1` over files of U+FDFA (the NFKC expansion worst case)
    measure(tiny=False, only=None)   all of them, keyed by the names above

Each runs cybertype as a fresh subprocess (`python -m cybertype`) and reads the peak RSS from `wait4`, which
covers the process and the worker processes it waited for. Inputs are built deterministically from
samples/train.jsonl and samples/test.jsonl in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = [ROOT / "samples" / "train.jsonl", ROOT / "samples" / "test.jsonl"]
CLI = [sys.executable, "-m", "cybertype"]


def _texts() -> list[str]:
    out = []
    for path in SAMPLES:
        with open(path, encoding="utf-8") as fh:
            out.extend(json.loads(line)["text"] for line in fh if line.strip())
    return out


def _run(args: list[str], stdin_feed=None) -> dict:
    """Run `python -m cybertype ARGS`; its peak RSS (MB), wall and CPU seconds, and exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen([*CLI, *args], cwd=ROOT, stdin=subprocess.PIPE if stdin_feed else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    feeder = None
    if stdin_feed is not None:
        def feed():
            try:
                for chunk in stdin_feed:
                    proc.stdin.write(chunk)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
    err = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if feeder is not None:
        feeder.join()
    reader.join()
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "seconds": round(wall, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "exit_code": proc.returncode,
            "stderr_tail": err[0][-300:].decode("utf-8", "replace") if err and proc.returncode else ""}


def long_text(mb: float) -> str:
    """A text of about `mb` MB of UTF-8: every sample text, joined by newlines, repeated."""
    joined = ("\n".join(_texts()) + "\n").encode("utf-8")
    target = int(mb * 1_000_000)
    return (joined * (target // len(joined) + 1))[:target].decode("utf-8", "ignore")


def peak_rss_long_text(mb: float = 10.0) -> dict:
    """Peak RSS of `classify FILE --format json` on one text of `mb` MB (issue 13 figure 4: <= 300 MB for 10)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.txt"
        path.write_text(long_text(mb), encoding="utf-8")
        size = path.stat().st_size
        result = _run(["classify", str(path), "--format", "json", "--max-bytes", str(size + 1)])
    return {"bytes": size, **result}


def _records(n: int):
    texts = _texts()
    for i in range(n):
        yield (json.dumps({"id": f"r{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n").encode()


def peak_rss_stdin(records: int) -> dict:
    """Peak RSS of `classify - --input-format jsonl` with `records` JSONL records piped in (flat memory)."""
    size = sum(len(r) for r in _records(records))
    return {"records": records, "bytes": size,
            **_run(["classify", "-", "--input-format", "jsonl", "--format", "jsonl"], stdin_feed=_records(records))}


def stdin_flatness(small: int = 1_000, large: int = 100_000) -> dict:
    """Both stdin figures and their ratio (issue 13 figure 5: large within 10% of small, ratio <= 1.10)."""
    a, b = peak_rss_stdin(small), peak_rss_stdin(large)
    return {"small": a, "large": b, "ratio": round(b["peak_rss_mb"] / a["peak_rss_mb"], 3)}


def peak_rss_nfkc_batch(files: int = 2, mb: float = 4.0) -> dict:
    """Peak RSS of `batch --workers 1` over `files` files of `mb` MB of U+FDFA each (issue 12 item 12)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for k in range(files):
            (folder / f"fdfa-{k}.txt").write_text("\ufdfa" * int(mb * (1 << 20) / 3), encoding="utf-8")
        result = _run(["batch", str(folder), "-o", str(Path(tmp) / "out.jsonl"), "--workers", "1", "--quiet"])
    return {"files": files, "mb_each": mb, **result}


def measure(tiny: bool = False, only: list[str] | None = None) -> dict:
    """Every figure (or those in `only`); `tiny` for a smoke run on small inputs."""
    plan = {
        "long_text": lambda: peak_rss_long_text(0.2 if tiny else 10.0),
        "stdin_1k": lambda: peak_rss_stdin(20 if tiny else 1_000),
        "stdin_100k": lambda: peak_rss_stdin(200 if tiny else 100_000),
        "nfkc_batch": lambda: peak_rss_nfkc_batch(2, 0.1 if tiny else 4.0),
    }
    out = {name: fn() for name, fn in plan.items() if not only or name in only}
    if "stdin_1k" in out and "stdin_100k" in out:
        out["stdin_flat"] = round(out["stdin_100k"]["peak_rss_mb"] / out["stdin_1k"]["peak_rss_mb"], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--only", action="append", choices=["long_text", "stdin_1k", "stdin_100k", "nfkc_batch"])
    args = parser.parse_args()
    print(json.dumps({"load_average": os.getloadavg(), **measure(args.tiny, args.only)}, indent=2))


if __name__ == "__main__":
    main()
