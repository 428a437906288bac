"""Conversations: a question read in the context of the one before it ("and in the south?"), the
thread state that makes it possible, and follow-up questions to suggest under an answer.

`follow_up(previous, question)` is pure: it decides whether a question is elliptical and rewrites it
whole (`Rewritten`: the question to ask, the story to prefer, the note to show). `converse` asks a
question as the next turn of a conversation (every channel goes through it); `Thread` keeps one in
memory. `suggest_follow_ups` writes and checks the questions offered under an answer."""

from ._follow_up import Rewritten, Rule, follow_up, is_follow_up, names, word_class
from ._suggest import MAX_ASKED, MAX_SUGGESTIONS, more_candidates, suggest_follow_ups
from ._thread import NOTE, Asker, Thread, converse
from ._turn import THREAD_KINDS, Turn, answer_citation, answered_from

__all__ = [
    "MAX_ASKED", "MAX_SUGGESTIONS", "NOTE", "THREAD_KINDS", "Asker", "Rewritten", "Rule", "Thread", "Turn",
    "answer_citation", "answered_from", "converse", "follow_up", "is_follow_up", "more_candidates", "names",
    "suggest_follow_ups", "word_class",
]
