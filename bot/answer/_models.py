"""The answer as data: what every renderer (terminal, Telegram HTML, JSON) draws from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class AnswerKind(StrEnum):
    """Why an answer looks the way it does; renderers and tests branch on it."""

    ANSWER = "answer"  # quoted sentences with citations
    NO_ANSWER = "no_answer"  # the corpus does not cover the question
    REFUSED = "refused"  # the question itself is unusable (empty, too long, only stopwords)
    SMALL_TALK = "small_talk"  # hello, thanks, "who are you?": an introduction, not a search


class Source(BaseModel):
    """One numbered source in the list under an answer."""

    n: int
    article_id: str
    title: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None


class Highlight(BaseModel):
    """A character span inside a quote that matches what the question asks for (bold when shown)."""

    start: int
    end: int


class Quote(BaseModel):
    """One quoted sentence of the answer, with the sources that say it ([n] markers)."""

    text: str
    citations: list[int] = Field(description="source numbers, in order")
    highlights: list[Highlight] = Field(default_factory=list)

    @property
    def markers(self) -> str:
        """The citation markers as shown after the quote: "[1][2]"."""
        return "".join(f"[{n}]" for n in self.citations)


class Citation(BaseModel):
    """A citation as the JSON output lists it: the exact sentence quoted from one article."""

    n: int
    article_id: str
    title: str
    quote: str
    score: float
    position: int = Field(description="sentence position within its article")


class ShortAnswer(BaseModel):
    """The answer phrase, verbatim from the first quote, shown before the quotes (bold)."""

    text: str
    citation: int = Field(description="the source number of the quote it comes from")
    lead: str | None = Field(default=None, description="a sentence around it made from the question "
                             "(\"Xavier Bertrand beat Le Pen in the north.\"), when the question reads as one")
    start: int = Field(default=0, description="where text starts in lead")

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class FollowUp(BaseModel):
    """How a follow-up question ("and in the south?") was read in the context of the one before it."""

    previous: str = Field(description="the question it follows up, as answered")
    question: str = Field(description="the follow-up as answered, in full (\"Who beat Le Pen in the south?\")")
    note: str = Field(description="the line every channel shows above the answer")


class Dates(BaseModel):
    """The time a question named and the publication dates the answer drew on (`bot/answer/_dated.py`)."""

    asked: str = Field(description="the time as the question wrote it (\"yesterday\", \"in March 2015\", \"latest\")")
    start: str | None = Field(default=None, description="the first day of the range asked (YYYY-MM-DD); null for "
                              "a wish for the newest")
    end: str | None = Field(default=None, description="its last day")
    recent: bool = Field(default=False, description="the newer stories were favoured")
    drawn: list[str] = Field(default_factory=list, description="the publication days of the articles the answer "
                             "cites (YYYY-MM-DD, oldest first); a file's time is none")
    note: str = Field(default="", description="the line every channel shows under the quotes (empty when the "
                      "notice says it)")


class Answer(BaseModel):
    """A composed answer: quotes with [n] markers and numbered sources, or a plain notice."""

    question: str
    kind: AnswerKind
    quotes: list[Quote] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    notice: str = Field(default="", description="the message shown when kind is not ANSWER")
    topics: list[str] = Field(default_factory=list, description="what the corpus covers, on NO_ANSWER")
    short: ShortAnswer | None = Field(default=None, description="the answer phrase, when the quotes hold one")
    understood: str | None = Field(default=None, description="the question as answered, when spelling was corrected")
    examples: list[str] = Field(default_factory=list, description="questions to try, on SMALL_TALK")
    follow_up: FollowUp | None = Field(default=None, description="set when the question was read as a follow-up")
    suggestions: list[str] = Field(default_factory=list, description="follow-up questions the corpus answers, "
                                   "each asked before it was offered")
    dates: Dates | None = Field(default=None, description="set when the question named a time")

    @property
    def found(self) -> bool:
        return self.kind is AnswerKind.ANSWER

    @property
    def text(self) -> str:
        """Plain-text answer body without the sources list: quotes with [n] markers, or the notice."""
        if not self.found:
            return self.notice
        return " ".join(f"{q.text} {q.markers}" for q in self.quotes)
