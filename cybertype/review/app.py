"""The review UI (Textual): one text at a time, its evidence highlighted, the labels and scores beside it.

Keys: `a`/Enter accept the labels shown (at first the model's), `1`-`5` toggle a label, `p` moves the
primary to the next chosen label, `0` answers `none`, `s` skips, `u` undoes the last answer or skip,
`n` adds a note (Enter keeps it, Escape drops it), `d` shows the label definitions, `q` or Ctrl-C quits.
Each answer is written to the answers file (durably) the moment it is given.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from cybertype.labels import LABEL_IDS, NONE, all_labels
from cybertype.review.answers import Answers, make_answer

RULE_STYLE, COUNTER_STYLE, MODEL_STYLE = "bold black on yellow", "bold white on red", "underline bold cyan"


@dataclass
class Draft:
    """The answer being typed for the current text (lost on Ctrl-C, and only it)."""

    labels: list[str]
    primary: str
    note: str = ""


@dataclass
class Outcome:
    """What a review session did: answers written, texts skipped, texts left unseen."""

    answered: int = 0
    skipped: int = 0
    left: int = 0
    history: list = field(default_factory=list)


def highlighted(text: str, evidence) -> Text:
    """The text with rule hits, counter-evidence and model features styled at their offsets."""
    out = Text(text)
    for e in sorted(evidence, key=lambda e: e.source == "rule"):  # rule styles drawn last, on top
        style = MODEL_STYLE if e.source == "model" else COUNTER_STYLE if e.counter else RULE_STYLE
        out.stylize(style, e.start, e.end)
    return out


def definitions() -> Text:
    """The label definitions of the taxonomy (`cybertype labels`)."""
    out = Text()
    for k, label in enumerate(all_labels(), 1):
        key = str(k) if label.id in LABEL_IDS else "0"
        out.append(f"[{key}] {label.id} {label.zh} — {label.en}\n", style="bold")
        out.append(f"    {label.definition}\n")
    return out


class ReviewApp(App):
    """Label the chosen texts one by one; answers go to `answers` at once."""

    CSS = """
    #status { height: 1; background: $boost; }
    #text { height: 1fr; border: round $primary; padding: 0 1; }
    #labels { height: auto; border: round $secondary; padding: 0 1; }
    #definitions { height: auto; max-height: 60%; border: round $accent; padding: 0 1; display: none; }
    #note { display: none; }
    """
    BINDINGS = [
        Binding("a", "accept", "accept"),
        Binding("enter", "accept", "accept", show=False),
        *(Binding(str(k), f"toggle({k - 1})", "toggle label", show=k == 1, key_display="1-5" if k == 1 else None)
          for k in range(1, 6)),
        Binding("p", "primary", "primary"),
        Binding("0", "none", "none"),
        Binding("s", "skip", "skip"),
        Binding("u", "undo", "undo"),
        Binding("n", "note", "note"),
        Binding("d", "definitions", "definitions"),
        Binding("q", "quit_review", "quit"),
        Binding("ctrl+c", "quit_review", "quit", show=False, priority=True),
    ]

    def __init__(self, items: list, answers: Answers):
        super().__init__()
        self.items, self.answers = items, answers
        self.pos = 0
        self.outcome = Outcome(left=len(items))
        self.draft: Draft | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with VerticalScroll(id="text"):
            yield Static(id="body")
        yield Static(id="labels")
        yield Static(definitions(), id="definitions")
        yield Input(placeholder="note for this text (Enter keeps it, Escape drops it)", id="note")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "cybertype review"
        self._show()

    # What is on screen.
    def _show(self) -> None:
        if self.pos >= len(self.items):
            self.exit(self.outcome)
            return
        item = self.items[self.pos]
        if self.draft is None:
            self.draft = Draft(list(item.result.labels), item.result.primary)
        self.query_one("#status", Static).update(
            f" text {self.pos + 1} of {len(self.items)} · {self.outcome.answered} answered · {item.key}")
        self.query_one("#body", Static).update(highlighted(item.record.text, item.result.evidence))
        self.query_one("#labels", Static).update(self._labels_panel(item))

    def _labels_panel(self, item) -> Text:
        out = Text()
        res, d = item.result, self.draft
        for k, label in enumerate(LABEL_IDS, 1):
            on = label in d.labels
            out.append(f"[{k}] {'[x]' if on else '[ ]'} ", style="bold green" if on else "")
            out.append(f"{label:<20}", style="bold" if on else "dim")
            out.append(f" score {res.scores.get(label, 0.0):.2f}")
            out.append("  model: yes" if label in res.labels else "  model: no ", style="cyan")
            if label in res.uncertain:
                out.append("  uncertain", style="yellow")
            if on and d.primary == label:
                out.append("  ★ primary", style="bold magenta")
            out.append("\n")
        answer = ", ".join(d.labels) if d.labels else NONE
        out.append(f"answer: {answer}" + (f" · note: {d.note}" if d.note else ""), style="bold")
        return out

    def _next(self) -> None:
        self.pos += 1
        self.outcome.left = len(self.items) - self.pos
        self.draft = None
        self._show()

    # Actions.
    def _save(self, labels: list[str], primary: str | None) -> None:
        item = self.items[self.pos]
        self.answers.add(make_answer(item.key, item.record, item.result, labels, primary,
                                     note=self.draft.note if self.draft else ""))
        self.outcome.answered += 1
        self.outcome.history.append(("answer", self.pos))
        self._next()

    def action_accept(self) -> None:
        self._save(self.draft.labels, self.draft.primary)

    def action_none(self) -> None:
        self._save([], NONE)

    def action_toggle(self, k: int) -> None:
        label = LABEL_IDS[k]
        d = self.draft
        if label in d.labels:
            d.labels.remove(label)
            if d.primary == label:
                d.primary = d.labels[0] if d.labels else NONE
        else:
            d.labels = [x for x in LABEL_IDS if x in d.labels or x == label]
            if d.primary not in d.labels:
                d.primary = label
        self._show()

    def action_primary(self) -> None:
        d = self.draft
        if len(d.labels) > 1:
            d.primary = d.labels[(d.labels.index(d.primary) + 1) % len(d.labels)] if d.primary in d.labels \
                else d.labels[0]
            self._show()

    def action_skip(self) -> None:
        self.outcome.skipped += 1
        self.outcome.history.append(("skip", self.pos))
        self._next()

    def action_undo(self) -> None:
        if not self.outcome.history:
            self.notify("nothing to undo in this session")
            return
        kind, pos = self.outcome.history.pop()
        self.pos, self.outcome.left = pos, len(self.items) - pos
        if kind == "answer":
            answer = self.answers.undo()
            self.outcome.answered -= 1
            self.draft = Draft(list(answer["labels"]), answer["primary"], answer.get("note", ""))
        else:
            self.outcome.skipped -= 1
            self.draft = None
        self._show()

    def action_note(self) -> None:
        box = self.query_one("#note", Input)
        box.value = self.draft.note
        box.display = True
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.draft.note = event.value.strip()
        self._close_note()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.query_one("#note", Input).display:
            self._close_note()
            event.stop()

    def _close_note(self) -> None:
        box = self.query_one("#note", Input)
        box.display = False
        self.set_focus(None)
        self._show()

    def action_definitions(self) -> None:
        panel = self.query_one("#definitions", Static)
        panel.display = not panel.display

    def action_quit_review(self) -> None:
        self.exit(self.outcome)
