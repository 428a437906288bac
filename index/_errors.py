"""One hierarchy for everything that can go wrong in retrieval, so callers catch what they mean."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base of every newsbot error; the message is meant for the user, on one line."""


class CorpusError(NewsbotError):
    """The corpus path is missing, empty, or holds no readable article."""


class ArticleError(NewsbotError):
    """One article could not be read; the build skips it with a warning naming it."""


class ExtractError(ArticleError):
    """A fetched page or file holds no article text (navigation only, not HTML): that item is skipped."""


class FetchError(NewsbotError):
    """A URL could not be fetched: an HTTP error status, a timeout, a connection failure, a body over the
    size cap, too many redirects."""


class FetchRefusedError(FetchError):
    """A URL newsbot will not fetch: not http(s), or a host with an address that is not public (private,
    loopback, link-local, …) while private addresses are not allowed (NEWSBOT_FETCH_ALLOW_PRIVATE)."""


class FeedError(NewsbotError):
    """A feed or OPML file that cannot be used (malformed XML, not RSS or Atom), or a feed that is not
    followed."""


class IndexFileError(NewsbotError):
    """A persisted index is missing, corrupt or built differently; the caller rebuilds."""


class QueryError(NewsbotError):
    """A question that cannot be searched: empty, too long, or without a usable word."""


class EmptyQueryError(QueryError):
    """The question is empty or blank."""


class QueryTooLongError(QueryError):
    """The question is longer than the limit."""


class NoContentWordsError(QueryError):
    """Every word of the question is a stopword (e.g. "what is it?")."""


class IndexLockedError(IndexFileError):
    """Another process (named in the message) is writing the index and did not finish in time."""
