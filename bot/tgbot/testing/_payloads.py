"""What the fake Bot API checks in the payloads a bot sends besides message text: inline keyboards
and inline query results, refused with Telegram's own error descriptions. Also the error type every
fake method raises."""

from __future__ import annotations

from typing import Any

from ._html import EntityParseError, parse_html, utf16_len

TELEGRAM_LIMIT = 4096
CALLBACK_DATA_BYTES = 64
CALLBACK_TEXT_LIMIT = 200
MAX_INLINE_RESULTS = 50
INLINE_RESULT_ID_BYTES = 64


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def parse_text(raw: object, parse_mode: str | None, entities: object = None) -> tuple[str, list[dict[str, Any]]]:
    """A message text as Telegram takes it: (plain text, entities), or 400 with Telegram's reason."""
    if not isinstance(raw, str):
        raise bad("message text is empty")
    if parse_mode and parse_mode.lower() == "html":
        try:
            text, found = parse_html(raw)
        except EntityParseError as exc:
            raise bad(f"can't parse entities: {exc}") from None
    elif parse_mode:
        raise bad(f"unsupported parse_mode {parse_mode!r} in this fake")
    else:
        text, found = raw, list(entities or [])  # type: ignore[call-overload]
    if not text.strip():
        raise bad("message text is empty")
    if utf16_len(text) > TELEGRAM_LIMIT:
        raise bad("message is too long")
    return text, found


def check_reply_markup(markup: object) -> None:
    """An inline keyboard as Telegram accepts it: rows of buttons, each with a text and exactly one
    action; callback_data of 1-64 bytes."""
    if markup is None:
        return
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise bad("can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            actions = [k for k in button if k != "text"]
            if len(actions) != 1:
                raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            if actions == ["callback_data"]:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_BYTES:
                    raise bad("BUTTON_DATA_INVALID")


def check_inline_results(results: object) -> None:
    """answerInlineQuery's results: at most 50, unique ids of 1-64 bytes, and for the article
    results newsbot sends, a title and a message text Telegram would accept."""
    if not isinstance(results, list):
        raise bad("can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict):
            raise bad("can't parse inline query result")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode("utf-8")) <= INLINE_RESULT_ID_BYTES:
            raise bad("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result.get("type") != "article":
            raise bad(f"unsupported inline query result type {result.get('type')!r} in this fake")
        if not str(result.get("title", "")).strip():
            raise bad("RESULT_TITLE_EMPTY")
        content = result.get("input_message_content")
        if not isinstance(content, dict):
            raise bad("can't parse inline query result: input_message_content is required")
        parse_text(content.get("message_text"), content.get("parse_mode"), content.get("entities"))
        check_reply_markup(result.get("reply_markup"))
