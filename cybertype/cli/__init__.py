"""The `cybertype` command: the Typer app, a thin layer over the library API, one short function per command.

One module per command group (`classify`, `batch`, `model` for train/evaluate/model info, `info`, `rules`,
`report`, `config`, `review`), each
registering on the app in `cli/app.py`. Options that several commands take are declared once, as bundles
in `cli/options.py` (as sqlite-utils does with its `output_options` decorator); how the command ends (exit
codes) is in `cli/errors.py`.
"""
from __future__ import annotations

import os

# One BLAS thread: inference multiplies one small matrix per chunk, where OpenBLAS's thread pool only
# costs its start-up (about 50 ms of CPU in every run) and competes with batch workers for the cores.
# An explicit setting of the user's wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Each module registers its commands on the app; imported in the order `--help` lists them.
from cybertype.cli import classify  # noqa: F401
from cybertype.cli import batch  # noqa: F401
from cybertype.cli import model  # noqa: F401
from cybertype.cli import info  # noqa: F401
from cybertype.cli import rules  # noqa: F401
from cybertype.cli import report  # noqa: F401
from cybertype.cli import config  # noqa: F401
from cybertype.cli import review  # noqa: F401
from cybertype.cli.app import app
from cybertype.cli.errors import run

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app (see `errors.run` for how it ends)."""
    run(app)
