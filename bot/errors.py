"""Every error newsbot raises on purpose, in one tree rooted at `index.NewsbotError`.

Code below the command line raises these; only `bot.cli` turns them into a one-line message
(``newsbot: error: <message>``) and an exit status, so a caller can always catch what it means
(``except QueryError``) or everything newsbot reports (``except NewsbotError``)::

    NewsbotError               index   the root; its message is one line meant for the user
    ├── CorpusError            index   the corpus is missing, empty or holds no readable article
    ├── ArticleError           index   one article cannot be read (the build skips it with a warning)
    │   └── ExtractError               a fetched page or file holds no article text (navigation only, not HTML)
    ├── FetchError             index   a URL could not be fetched (HTTP status, timeout, too large, redirects)
    │   └── FetchRefusedError          not http(s), or a private / loopback / link-local address
    ├── FeedError              index   a feed or OPML file that cannot be used, or a feed not followed
    ├── IndexFileError         index   a persisted index is missing, corrupt or stale (it is rebuilt)
    │   └── IndexLockedError           another process writes the index and did not finish in time
    ├── QueryError             index   a question that cannot be searched
    │   ├── EmptyQueryError            empty or blank
    │   ├── QueryTooLongError          longer than index.MAX_QUERY_CHARS
    │   └── NoContentWordsError        only stopwords ("what is it?")
    ├── SettingsError          bot     a setting or command-line argument that cannot work
    ├── TranscriptError        bot     a transcript that cannot be read, written or replayed
    ├── EvalFileError          bot     a questions file `newsbot eval` cannot use
    ├── StateError             bot     the conversation and feedback store cannot be opened or written
    └── BotRunError            bot     the Telegram bot could not start, or stopped on an error

Exit status: ``exit_code`` of the error's class when it has one, else 2 (`EXIT_ERROR`).
"""

from __future__ import annotations

from typing import ClassVar

from index import (
    ArticleError,
    CorpusError,
    EmptyQueryError,
    ExtractError,
    FeedError,
    FetchError,
    FetchRefusedError,
    IndexFileError,
    IndexLockedError,
    NewsbotError,
    NoContentWordsError,
    QueryError,
    QueryTooLongError,
)

EXIT_ERROR = 2
"""The exit status of a NewsbotError whose class names no other."""


class SettingsError(NewsbotError):
    """Settings that cannot work; the message is one line naming the variable (or argument)."""


class TranscriptError(NewsbotError):
    """A transcript that cannot be read, written or replayed; the message names the file and line."""


class EvalFileError(NewsbotError):
    """A questions file that cannot be evaluated; the message names the line."""


class StateError(NewsbotError):
    """The SQLite file of conversations and feedback cannot be opened, read or written; the message
    names the file."""


class BotRunError(NewsbotError):
    """The Telegram bot could not start (token rejected, Bot API unreachable, port taken, no index)
    or stopped on an unexpected error; the message never holds a secret."""

    exit_code: ClassVar[int] = 1


def exit_code(error: NewsbotError) -> int:
    """The exit status the command line gives for this error."""
    code = getattr(error, "exit_code", EXIT_ERROR)
    return code if isinstance(code, int) else EXIT_ERROR


__all__ = [
    "EXIT_ERROR", "ArticleError", "BotRunError", "CorpusError", "EmptyQueryError", "EvalFileError", "ExtractError",
    "FeedError", "FetchError", "FetchRefusedError", "IndexFileError", "IndexLockedError", "NewsbotError",
    "NoContentWordsError", "QueryError", "QueryTooLongError", "SettingsError", "StateError", "TranscriptError",
    "exit_code",
]
