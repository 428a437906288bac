"""Telegram's HTML parse mode, as the fake Bot API applies it to every message the bot sends: only
Telegram's tags, balanced, every ``<`` and ``&`` escaped. Written from Telegram's documentation and
observed errors, independently of `bot.render`, so it can judge what the renderer writes."""

from __future__ import annotations

import re
from typing import Any


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2



class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is the part after "can't parse entities: "."""


_TAG_ENTITY = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9_-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _unescape_attr(value: str) -> str:
    return _ENTITY_RE.sub(
        lambda m: _NAMED[m.group(1)] if m.group(1) else chr(int(m.group(2) or m.group(3), 16 if m.group(3) else 10)),
        value,
    )


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram HTML -> (plain text, entities with UTF-16 offsets); raises EntityParseError."""
    out: list[str] = []
    out_len = 0  # UTF-16 units written so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    pos = 0

    def offset() -> int:
        return len(text[:pos].encode("utf-8"))

    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG_RE.match(text, pos)
            if match is None:
                if ">" not in text[pos:]:
                    raise EntityParseError(f"Unclosed start tag at byte offset {offset()}")
                name = re.match(r"</?([^\s>]*)", text[pos:]).group(1)  # type: ignore[union-attr]
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset()}')
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in _TAG_ENTITY:
                kind = "end" if closing else "start"
                raise EntityParseError(f'Unsupported {kind} tag "{name}" at byte offset {offset()}')
            if closing:
                if not stack:
                    raise EntityParseError(f"Unexpected end tag at byte offset {offset()}")
                open_name, start, attrs = stack.pop()
                if open_name != name:
                    raise EntityParseError(
                        f'Unmatched end tag at byte offset {offset()}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                if out_len > start:
                    entity: dict[str, Any] = {"type": _TAG_ENTITY[name], "offset": start,
                                              "length": out_len - start}
                    if name == "a":
                        entity["url"] = attrs["href"]
                    if name == "blockquote" and "expandable" in attrs:
                        entity["type"] = "expandable_blockquote"
                    if name == "pre" and attrs.get("language"):
                        entity["language"] = attrs["language"]
                    entities.append(entity)
            else:
                attrs = {
                    m.group(1).lower(): _unescape_attr(m.group(2) or m.group(3) or m.group(4) or "")
                    for m in _ATTR_RE.finditer(match.group(3))
                }
                if name == "a" and not attrs.get("href"):
                    raise EntityParseError(f'Tag "a" must have attribute "href" at byte offset {offset()}')
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset()}')
                stack.append((name, out_len, attrs))
            pos = match.end()
            continue
        if char == "&":
            match = _ENTITY_RE.match(text, pos)
            if match is None:
                raise EntityParseError(f"Unsupported HTML entity at byte offset {offset()}")
            decoded = _unescape_attr(match.group(0))
            out.append(decoded)
            out_len += utf16_len(decoded)
            pos = match.end()
            continue
        out.append(char)
        out_len += utf16_len(char)
        pos += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
