"""`cybertype review` in a real terminal (tmux), as a user runs it: keys typed, quit, resume, killed mid-way."""
import json
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TEXTS = Path(__file__).resolve().parent.parent / "data" / "review" / "user-texts.jsonl"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install -y tmux)")


class Terminal:
    """One tmux server on a private socket, running one command in a 120x40 pane."""

    def __init__(self, sock: Path, command: list[str]):
        self.base = ["tmux", "-S", str(sock)]
        line = " ".join(map(shlex.quote, command)) + "; echo EXITED $?; sleep 600"
        subprocess.run([*self.base, "new-session", "-d", "-x", "120", "-y", "40", line], check=True)

    def screen(self) -> str:
        return subprocess.run([*self.base, "capture-pane", "-p"], capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", *keys], check=True)

    def wait_for(self, what, timeout: float = 90.0):
        """Wait until `what()` is true (or the screen shows the string `what`); fail with the screen."""
        check = (lambda: what in self.screen()) if isinstance(what, str) else what
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if check():
                return
            time.sleep(0.2)
        pytest.fail(f"waited for {what!r}; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def answers(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_review_in_a_terminal_quit_resume_and_kill(tmp_path):
    out = tmp_path / "labels.jsonl"
    command = [sys.executable, "-m", "cybertype", "review", str(TEXTS), "-o", str(out), "--limit", "5"]
    term = Terminal(tmp_path / "sock", command)
    try:
        term.wait_for("text 1 of 5")
        term.keys("a")
        term.wait_for(lambda: len(answers(out)) == 1)
        term.keys("0")
        term.wait_for(lambda: len(answers(out)) == 2)
        term.keys("d")
        term.wait_for("杀猪盘")  # the definitions panel
        term.keys("C-c")  # Ctrl-C quits as `q` does: every answer given is already on disk
        term.wait_for("EXITED 0")
        assert "2 answered, 0 skipped, 3 left" in term.screen()
    finally:
        term.close()
    first = answers(out)
    assert first[1]["labels"] == [] and first[1]["primary"] == "none"

    term = Terminal(tmp_path / "sock2", command)  # resume: the two answered texts are not asked again
    try:
        term.wait_for("text 1 of 5")
        term.keys("a")
        term.wait_for(lambda: len(answers(out)) == 3)
        term.keys("2")  # an answer being typed when the terminal goes away: only it is lost
    finally:
        term.close()  # kills the pane's processes (SIGHUP), as closing the terminal window does
    got = answers(out)
    assert len(got) == 3 and len({a["id"] for a in got}) == 3 and got[:2] == first
