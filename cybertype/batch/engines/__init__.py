"""The engines, by name: each takes work units and yields one `Line` per record, in input order (`base`).

Two engines: `local` (forked worker processes, engines/local.py) and `dask` (a Dask cluster,
engines/dask.py). Everything around the classifying (the output file, resume, the summary,
--sort-into, progress) is the run's job (batch/run.py), the same whatever the engine.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cybertype.batch.engines.base import Engine

ENGINES = ("local", "dask")


def open_engine(name: str, *, ruleset, rules_dirs: Iterable[Path], builtin_rules: bool, model: str,
                workers: int | None, scheduler: str | None = None) -> Engine:
    """The engine `name`, ready to run: `ruleset` is the loaded rules (the local engine hands them to its
    forked workers), `rules_dirs`/`builtin_rules`/`model` what they were loaded from (the Dask engine ships
    that content to its workers). Errors (no Dask, no scheduler) surface here, before any work."""
    if name == "dask":
        from cybertype.batch.engines.dask import DaskEngine  # imports Dask only when it runs

        return DaskEngine({"rules_dirs": [str(p) for p in rules_dirs], "builtin_rules": builtin_rules,
                           "model": model}, workers=workers, scheduler=scheduler)
    if name == "local":
        from cybertype.batch.engines.local import LocalEngine

        return LocalEngine({"rules": ruleset, "model": model}, workers=workers)
    raise ValueError(f"unknown engine {name!r} ({' or '.join(ENGINES)})")
