"""The interactive terminal: ask questions, look at sources, leave with /quit, Ctrl-D or Ctrl-C.

In a terminal, answers wrap at its width between words; Ctrl-C clears a half-typed line, and on an
empty line (like Ctrl-D) leaves. Piped input and output are not wrapped (scripts, transcripts)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.text import Text

from .answer import Answer
from .conversation import Thread
from .render import render_rich, source_text
from .service import NewsService
from .sources import SourceList, sources_reply

if TYPE_CHECKING:  # only for the annotation: prompt_toolkit loads when a terminal needs it
    from prompt_toolkit.history import History

PROMPT = "newsbot> "
HELP = """Ask a question about the news articles in plain words{example}.
Follow up on an answer with "and in the south?" or "how old is she?": I read it in that context.
Commands:
  /sources N   the sentence source N was quoted from, with its neighbours and headline
  /articles    what the corpus holds
  /help        this help
  /quit        leave (Ctrl-D and Ctrl-C work too)"""


THREAD_SECONDS = 600.0  # a question within ten minutes of the last answer may follow it up (NEWSBOT_THREAD_MINUTES)


class Repl:
    """Turns lines into output; the I/O loop around it is separate so a test can drive it whole.

    The session is one conversation (`bot.conversation.Thread`): a follow-up ("and in the south?")
    is read against the last answer while it is recent, and answers end with suggested follow-ups."""

    def __init__(self, service: NewsService, console: Console, *, thread_seconds: float = THREAD_SECONDS) -> None:
        self.service = service
        self.console = console
        self.thread = Thread(service, max_age=thread_seconds)
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
                examples = self.service.example_questions(1)
                return HELP.format(example=f', e.g. "{examples[0]}"' if examples else "")
            if command == "/articles":
                return self.articles()
            if command == "/sources":
                return self.sources(arg.strip())
            return f"Unknown command {command}. Type /help for the list."
        answer = self.thread.ask(stripped)
        if answer.found:
            self.last = answer
        return render_rich(answer)

    def articles(self) -> str:
        rows = [f"{a.n}. {a.title}" + (f" — {a.outlet}" if a.outlet else "") for a in self.service.articles()]
        return f"{len(rows)} articles:\n" + "\n".join(rows)

    def sources(self, arg: str) -> str:
        reply = sources_reply(self.last, arg, self.service.context)
        if isinstance(reply, str):
            return reply
        if isinstance(reply, SourceList):
            return "\n".join(source_text(s) for s in reply.sources) + "\n" + reply.hint
        return "\n".join([source_text(reply.source)]
                         + [("> " if quoted else "  ") + text for quoted, text in reply.lines])

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


def terminal_lines(history: Path | None, **session_args: Any) -> Iterator[str]:
    """Lines from a prompt_toolkit prompt (history, editing). Ctrl-C on a half-typed line clears it;
    Ctrl-C on an empty line, or Ctrl-D, ends the stream. ``session_args`` go to the PromptSession
    (tests give it a pipe as input)."""
    # imported here, not at the top: only an interactive terminal needs it (start-up time)
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    bindings = KeyBindings()

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.app.current_buffer
        if buffer.text:
            buffer.reset()  # a fresh line at the same prompt
        else:
            event.app.exit(exception=KeyboardInterrupt())

    session: PromptSession[str] = PromptSession(
        history=quiet_history(history), key_bindings=bindings,
        **session_args,
    )
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


def repl_console(*, terminal: bool, **console_args: Any) -> Console:
    """The REPL's console: in a terminal, output wraps at its width between words (a word longer
    than a line, e.g. a URL, is folded); otherwise lines are never wrapped (pipes, transcripts)."""
    return Console(highlight=False, soft_wrap=not terminal, **console_args)


def run_repl(service: NewsService, *, history: Path | None = None, stdin: TextIO | None = None,
             console: Console | None = None, thread_seconds: float = THREAD_SECONDS) -> Repl:
    stream = stdin or sys.stdin
    console = console or repl_console(terminal=stream.isatty() and sys.stdout.isatty())
    repl = Repl(service, console, thread_seconds=thread_seconds)
    try:
        if stream.isatty() and console.is_terminal:
            repl.run(terminal_lines(history))
        else:
            repl.run(piped_lines(stream, lambda s: console.print(s, highlight=False, markup=False)))
    except KeyboardInterrupt:
        console.print("\nBye.", highlight=False)
    return repl
