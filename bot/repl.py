"""The interactive terminal: ask questions, look at sources, leave with /quit, Ctrl-D or Ctrl-C."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.text import Text

from .answer import Answer
from .render import render_rich, source_text
from .service import NewsService

if TYPE_CHECKING:  # only for the annotation: prompt_toolkit loads when a terminal needs it
    from prompt_toolkit.history import History

PROMPT = "newsbot> "
HELP = """Ask a question about the news articles in plain words, e.g. "Who won in the north?".
Commands:
  /sources N   the sentence source N was quoted from, with its neighbours and headline
  /articles    what the corpus holds
  /help        this help
  /quit        leave (Ctrl-D and Ctrl-C work too)"""


class Repl:
    """Turns lines into output; the I/O loop around it is separate so a test can drive it whole."""

    def __init__(self, service: NewsService, console: Console) -> None:
        self.service = service
        self.console = console
        self.last: Answer | None = None
        self.exchanges: list[tuple[str, str]] = []  # (input line, output text) for recording

    def greeting(self) -> str:
        return (
            f"newsbot — answers from {self.service.describe()}.\n"
            "Type a question, or /help. /quit to leave."
        )

    def handle(self, line: str) -> Text | str | None:
        """Output for one input line; None means leave."""
        stripped = line.strip()
        if not stripped:
            return ""
        if stripped.startswith("/"):
            command, _, arg = stripped.partition(" ")
            command = command.lower()
            if command in ("/quit", "/exit", "/q"):
                return None
            if command == "/help":
                return HELP
            if command == "/articles":
                return self.articles()
            if command == "/sources":
                return self.sources(arg.strip())
            return f"Unknown command {command}. Type /help for the list."
        answer = self.service.answer(stripped)
        if answer.found:
            self.last = answer
        return render_rich(answer)

    def articles(self) -> str:
        rows = [f"{a.n}. {a.title}" + (f" — {a.outlet}" if a.outlet else "") for a in self.service.articles()]
        return f"{len(rows)} articles:\n" + "\n".join(rows)

    def sources(self, arg: str) -> str:
        if self.last is None or not self.last.sources:
            return "Ask a question first; then /sources N shows where source N's quote comes from."
        numbers = [s.n for s in self.last.sources]
        span = f"{numbers[0]}" if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"
        if not arg:
            return "\n".join(source_text(s) for s in self.last.sources) + f"\nType /sources N (N = {span}) for one."
        try:
            n = int(arg)
        except ValueError:
            return f"/sources takes a source number ({span}), not {arg[:40]!r}."
        source = next((s for s in self.last.sources if s.n == n), None)
        if source is None:
            return f"There is no source {n}; the last answer has source{'s' if len(numbers) > 1 else ''} {span}."
        citation = next(c for c in self.last.citations if c.n == n)
        lines = [source_text(source)]
        for position, text in self.service.context(source.article_id, citation.position):
            marker = "> " if position == citation.position else "  "
            lines.append(f"{marker}{text}")
        return "\n".join(lines)

    def run(self, lines: Iterable[str]) -> None:
        self.console.print(self.greeting(), highlight=False)
        for line in lines:
            out = self.handle(line)
            if out is None:
                break
            if out == "":
                continue
            if isinstance(out, str):
                self.console.print(out, highlight=False, markup=False)
            else:
                self.console.print(out, highlight=False)
            self.console.print()
            plain = out.plain if isinstance(out, Text) else out
            self.exchanges.append((line.strip(), plain))
        self.console.print("Bye.", highlight=False)


def quiet_history(path: Path | None) -> History:
    """The REPL's history: in the file when it can be read and written, silently in memory when not
    (a read-only cache directory must not print a traceback on every question)."""
    # imported here, not at the top: only an interactive terminal needs it (start-up time)
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    class QuietFileHistory(FileHistory):
        def load_history_strings(self) -> Iterable[str]:
            try:
                return list(super().load_history_strings())
            except OSError:
                return []

        def store_string(self, string: str) -> None:
            try:
                super().store_string(string)
            except OSError:
                pass  # the session keeps its history in memory all the same

    return QuietFileHistory(str(path)) if path else InMemoryHistory()


def terminal_lines(history: Path | None) -> Iterator[str]:
    """Lines from a prompt_toolkit prompt (history, editing); Ctrl-D and Ctrl-C end the stream."""
    from prompt_toolkit import PromptSession

    session: PromptSession[str] = PromptSession(history=quiet_history(history))
    while True:
        try:
            yield session.prompt(PROMPT)
        except (EOFError, KeyboardInterrupt):
            return


def piped_lines(stream: TextIO, echo: Callable[[str], None]) -> Iterator[str]:
    """Lines from a pipe or file: each is echoed after the prompt so the output reads as a session."""
    for line in stream:
        echo(PROMPT + line.rstrip("\n"))
        yield line.rstrip("\n")


def run_repl(service: NewsService, *, history: Path | None = None, stdin: TextIO | None = None,
             console: Console | None = None) -> Repl:
    console = console or Console(highlight=False, soft_wrap=True)
    repl = Repl(service, console)
    stream = stdin or sys.stdin
    try:
        if stream.isatty() and console.is_terminal:
            repl.run(terminal_lines(history))
        else:
            repl.run(piped_lines(stream, lambda s: console.print(s, highlight=False, markup=False)))
    except KeyboardInterrupt:
        console.print("\nBye.", highlight=False)
    return repl
