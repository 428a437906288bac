"""The REPL in a terminal: answers wrap at its width between words; Ctrl-C clears a half-typed line,
and on an empty line (like Ctrl-D) leaves. Keys go through prompt_toolkit's own input parser."""

from __future__ import annotations

import io
from typing import Any

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from bot.repl import Repl, repl_console, terminal_lines

QUESTION = "Who beat Le Pen in the north?"


def keys(typed: str) -> list[str]:
    """The lines the REPL's prompt yields for these keystrokes (\\x03 = Ctrl-C, \\x04 = Ctrl-D)."""
    with create_pipe_input() as pipe:
        pipe.send_text(typed)
        return list(terminal_lines(None, input=pipe, output=DummyOutput()))


def test_ctrl_c_clears_a_half_typed_line_and_the_next_question_goes_through() -> None:
    assert keys(f"who beat Le P\x03{QUESTION}\r\x04") == [QUESTION]


def test_ctrl_c_on_an_empty_line_leaves() -> None:
    assert keys(f"{QUESTION}\r\x03/help\r") == [QUESTION]
    assert keys("half\x03\x03/help\r") == [], "a second Ctrl-C, now on an empty line, leaves"


def test_ctrl_d_on_an_empty_line_leaves() -> None:
    assert keys(f"{QUESTION}\r\x04/help\r") == [QUESTION]


def test_answers_wrap_at_the_terminal_width_between_words(seed_service: Any) -> None:
    out = io.StringIO()
    console = repl_console(terminal=True, file=out, width=50, force_terminal=True, color_system=None)
    Repl(seed_service, console).run([QUESTION, "/sources 1"])
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 50
    assert sum(len(line) > 40 for line in lines) > 10, "the lines are filled, not cut short"
    answer = seed_service.answer(QUESTION)
    shown = " ".join(out.getvalue().split())
    for quote in answer.quotes:  # every word whole, in order: wrapping only replaced spaces
        assert quote.text in shown


def test_piped_output_is_never_wrapped(seed_service: Any) -> None:
    out = io.StringIO()
    Repl(seed_service, repl_console(terminal=False, file=out, width=50)).run([QUESTION])
    assert max(len(line) for line in out.getvalue().splitlines()) > 150, "one line per quote"
