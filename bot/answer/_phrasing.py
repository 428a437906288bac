"""Ordinary phrasing around a question: lead-ins ("Quick question:", "Hey, can you tell me", "I
wonder") that change nothing, and small talk (greetings, thanks, "who are you?") that is no question
about the news at all."""

from __future__ import annotations

import re
from enum import StrEnum

from index import fold

_LEAD_INS = (
    r"(?:(?:a|one|another|my|quick|short|simple|silly|random|follow-up|next|last)\s+)*question\s*"
    r"(?:(?:no\.?|number|#)\s*)?\d*\s*(?:for you)?\s*[:.\-–—,]\s*",
    r"(?:hey|hi|hello|hiya|ok|okay|so|well|um+|uh+|yo|oh|right|alright|and|also|now|newsbot|bot)\s*[,!.:;-]*\s+",
    r"(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell\s+me|show\s+me|let\s+me\s+know|find\s+out|explain|"
    r"say|check)\s*[,:]?\s*",
    r"(?:please|pls|plz|kindly)\s*[,:]?\s+(?:tell\s+me\s*[,:]?\s*)?",
    r"i\s+(?:wonder|was\s+wondering|am\s+wondering|'m\s+wondering|want\s+to\s+know|wanted\s+to\s+know|"
    r"would\s+like\s+to\s+know|'d\s+like\s+to\s+know|need\s+to\s+know)\s*(?:if|whether)?\s*[,:]?\s*",
    r"(?:do|does|did)\s+(?:you|anyone|anybody)\s+know\s*[,:]?\s*",
    r"(?:any|got\s+any)\s+idea\s*[,:]?\s*",
    r"tell\s+me\s*[,:]?\s*",
)
_LEAD_IN = re.compile(r"^(?:" + "|".join(_LEAD_INS) + r")", re.IGNORECASE)
_TRAILER = re.compile(r"(?:^|[\s,]+)(?:please|pls|plz|thanks|thank\s+you|thx|ty|cheers)\s*[.!?]*\s*$", re.IGNORECASE)


def strip_lead_in(question: str) -> str:
    """'Quick question: who beat Le Pen?' → 'who beat Le Pen?'. Never strips a question to nothing."""
    text = question.strip()
    for _ in range(4):  # "Hey, quick question: can you tell me …"
        match = _LEAD_IN.match(text)
        if not match or not text[match.end():].strip():
            break
        text = text[match.end():].lstrip()
    trimmed = _TRAILER.sub("", text).rstrip(" ,")
    if trimmed and trimmed != text:
        text = trimmed + ("?" if text.rstrip().endswith("?") else "")
    return text


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    IDENTITY = "identity"  # who are you, what can you do, help
    BYE = "bye"


_SMALL_TALK = {
    SmallTalk.GREETING: r"(?:hi|hello|hey|hiya|howdy|yo|hola|good (?:morning|afternoon|evening|day)|greetings|sup|"
                        r"what'?s up|hey there|hi there|hello there)",
    SmallTalk.THANKS: r"(?:thanks?(?: you)?(?: (?:so|very) much)?|thx|ty|cheers|great|cool|nice|ok(?:ay)?|perfect|"
                      r"awesome|got it)(?:,? thanks?(?: you)?)?",
    SmallTalk.IDENTITY: r"(?:who|what) (?:are|r) (?:you|u)|what (?:can|do) you do|what do you know(?: about)?|"
                        r"how do(?:es)? (?:you|this|it) work|what is this|help|what are you for|who made you|"
                        r"are you a (?:bot|robot|human)",
    SmallTalk.BYE: r"(?:bye|goodbye|good night|see you|see ya|later|cya)",
}
_SMALL_TALK_RE = {kind: re.compile(rf"^(?:{pattern})(?:\s+(?:newsbot|bot|there))?$")
                  for kind, pattern in _SMALL_TALK.items()}


def small_talk(text: str) -> SmallTalk | None:
    """What kind of small talk the whole message is, or None when it may be a question about the news."""
    words = " ".join(re.sub(r"[^\w' ]+", " ", fold(text)).split())
    for kind, pattern in _SMALL_TALK_RE.items():
        if pattern.match(words):
            return kind
    return None
