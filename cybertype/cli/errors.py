"""How the command ends: usage errors as one line and exit code 2, a closed pipe or Ctrl-C quietly, never a traceback."""
from __future__ import annotations

import errno
import functools
import os
import sys

import typer

# Typer (>= 0.2x) ships its own copy of click: take its exception base from Typer, not from `import click`
# (click is not even installed unless something else needs it).
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

state = {"debug": False, "fast_exit": False}  # debug: the app's --debug; fast_exit: see `run`
_WRITE_FAILURES = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG, errno.EIO}


class UsageProblem(Exception):
    """A usage or configuration error: one line on stderr, exit code 2."""


def errors(func):
    """Turn configuration and usage errors into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from cybertype.corpus import CorpusError
        from cybertype.rules import RuleSetError

        try:
            return func(*args, **kwargs)
        except RuleSetError as exc:
            if state["debug"]:
                raise
            for line in exc.problems:
                typer.echo(f"cybertype: rule error: {_one_line(line)}", err=True)
            raise typer.Exit(2) from None
        except (UsageProblem, CorpusError, ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            if state["debug"]:
                raise
            typer.echo(f"cybertype: {_one_line(exc)}", err=True)
            raise typer.Exit(2) from None
        except BrokenPipeError:
            # The reader of stdout went away (`| head -1`): a normal end, not an error. Caught here because
            # Typer would otherwise turn it into exit code 1.
            _quiet_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:
            if state["debug"] or exc.errno not in _WRITE_FAILURES:
                raise
            # A full disk, a read-only file system, a quota: the environment, not a bug (exit 1, not 3).
            where = f" {exc.filename}" if exc.filename else ""
            typer.echo(f"cybertype: cannot write{where}: {exc.strerror}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def _one_line(message: object) -> str:
    from cybertype.text.quote import printable

    return printable(" ".join(str(message).split()))


def _quiet_stdout() -> None:
    """The reader of stdout went away: send whatever is still buffered to /dev/null, silently."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run(app) -> None:
    """Run the app and exit with its code; a closed pipe or Ctrl-C ends quietly, never with a traceback."""
    state["fast_exit"] = False
    try:
        # In this mode click returns the exit code of `typer.Exit` (and 130 for Ctrl-C) instead of exiting.
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except BrokenPipeError:
        _quiet_stdout()  # the reader went away (e.g. `| head -1`): stop quietly
        code = 0
    except (KeyboardInterrupt, typer.Abort):
        code = 130
    except _ClickException as exc:
        exc.show()
        code = exc.exit_code
    except Exception as exc:  # noqa: BLE001 - every error ends in a clear line, never a traceback
        if state["debug"]:
            raise
        sys.stderr.write(f"cybertype: unexpected error: {type(exc).__name__}: {_one_line(exc)} "
                         "(run with --debug for details)\n")
        code = 3
    if code == 130:
        sys.stderr.write("cybertype: interrupted\n")
    code = code if isinstance(code, int) else 0
    if state["fast_exit"] and code in (0, 1):
        _fast_exit(code)
    sys.exit(code)


def _fast_exit(code: int) -> None:
    """End a command that holds no resources (classify) without tearing the interpreter down.

    Freeing every module and object of numpy, pydantic and the loaded rules and model costs 60-100 ms
    of CPU for nothing; the output is the same once both streams are flushed. If a flush fails, the
    normal exit path reports it as before.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)
