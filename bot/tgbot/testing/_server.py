"""The fake Telegram Bot API server: aiohttp on 127.0.0.1, a free port, no internet (see the package
docstring for what it emulates). One class, `FakeBotAPI`: its lifecycle, the updates tests push, the
faults they inject, what they wait for, and the Bot API methods a bot calls."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from ._html import utf16_len
from ._payloads import ApiError, bad, check_inline_results, check_reply_markup, parse_text

DEFAULT_TOKEN = "7000001:AAFakeTokenForTests_abcdefghijklmnopqrstu"
QUERY_TTL = 10.0  # seconds: a callback or inline query answered later is "too old"
QUERY_TOO_OLD = "query is too old and response timeout expired or query id is invalid"

_JSON_FIELDS = {
    "allowed_updates",
    "commands",
    "entities",
    "link_preview_options",
    "reply_markup",
    "reply_parameters",
    "scope",
    "results",
    "button",
}
_INT_FIELDS = {"chat_id", "offset", "limit", "timeout", "message_id", "reply_to_message_id",
               "message_thread_id", "max_connections", "user_id", "cache_time"}
_BOOL_FIELDS = {"drop_pending_updates", "allow_sending_without_reply", "disable_notification",
                "disable_web_page_preview", "protect_content", "is_personal", "show_alert"}
_CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                 "upload_voice", "upload_document", "choose_sticker", "find_location",
                 "record_video_note", "upload_video_note"}
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TYPED_ENTITY_RE = re.compile(
    r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?|(?<!\w)@[A-Za-z0-9_]{3,32}|https?://\S+"
)


# ---------------------------------------------------------------------------------------------
# Records of what the bot did


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class SentMessage:
    """A message the bot sent successfully (text is the plain text after HTML parsing)."""

    chat_id: int
    message_id: int
    text: str
    html: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_to_message_id: int | None
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    def entity_texts(self, kind: str) -> list[str]:
        """The text under each entity of one type ("bold", "text_link", ...)."""
        raw = self.text.encode("utf-16-le")
        return [
            raw[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in self.entities
            if e["type"] == kind
        ]

    @property
    def links(self) -> list[str]:
        return [e["url"] for e in self.entities if e["type"] == "text_link"]


# ---------------------------------------------------------------------------------------------
# The server


class FakeBotAPI:
    """The fake server; see the module docstring. All methods run on the server's event loop."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        username: str = "newsbot_test_bot",
        first_name: str = "Newsbot",
        host: str = "127.0.0.1",
        supports_inline_queries: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self.host = host
        self.supports_inline_queries = supports_inline_queries
        self.port = 0
        # what the bot did
        self.calls: list[Call] = []
        self.sent_messages: list[SentMessage] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.confirmed_offset = 0  # every update below this id was confirmed by the bot
        self.delivered: set[int] = set()  # update ids handed out by getUpdates (or a webhook)
        self.served_429 = 0
        self.markups: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message) -> its inline keyboard
        self.markup_edits: list[dict[str, Any]] = []  # editMessageReplyMarkup calls that succeeded
        self.callback_queries: dict[str, dict[str, Any]] = {}  # id -> {"update", "at", "answer"}
        self.inline_queries: dict[str, dict[str, Any]] = {}  # id -> {"update", "at", "answer", ...}
        self.outage_refused = 0  # requests refused or answered 502 while an outage was on
        self.polls_waiting = 0  # getUpdates requests being held open right now
        # internal state
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[int, set[int]] = {}  # chat id -> message ids that exist
        self._sent: dict[tuple[int, int], SentMessage] = {}  # the bot's messages that exist
        self._query_ids = itertools.count(5_000_000_001)
        self._outage: str | None = None  # "refuse" or "502" while the API is down
        self._site: web.TCPSite | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._faults: list[tuple[str | None, int, ApiError]] = []  # method, remaining, error
        self._changed: asyncio.Condition | None = None
        self._poller: asyncio.Future[None] | None = None
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give PTB's ``ApplicationBuilder.base_url`` (the token is appended)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> FakeBotAPI:
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=0.5, handler_cancellation=True
        )
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, 0)
        await self._site.start()
        self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing.set()
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- building and pushing updates ----------------------------------------------------------

    def user(self, user_id: int = 42, first_name: str = "Ada", username: str | None = "ada") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name,
                                "language_code": "en"}
        if username:
            user["username"] = username
        return user

    def me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.supports_inline_queries,
        }

    def chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Ada"
        else:
            chat["title"] = title or f"Test {chat_type} {chat_id}"
        return chat

    def _register(self, chat: dict[str, Any], message_id: int) -> None:
        self._chats[chat["id"]] = chat
        self._messages.setdefault(chat["id"], set()).add(message_id)

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    @staticmethod
    def auto_entities(text: str) -> list[dict[str, Any]]:
        """The entities Telegram adds to a typed message: a leading /command, @mentions, URLs."""
        entities: list[dict[str, Any]] = []
        for match in _TYPED_ENTITY_RE.finditer(text):
            kind = ("bot_command" if match.group().startswith("/")
                    else "mention" if match.group().startswith("@") else "url")
            if kind == "bot_command" and match.start() != 0:
                continue
            entities.append({"type": kind, "offset": utf16_len(text[: match.start()]),
                             "length": utf16_len(match.group())})
        return entities

    def message(
        self,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int = 42,
        first_name: str = "Ada",
        username: str | None = "ada",
        reply_to: dict[str, Any] | SentMessage | None = None,
        entities: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Message object as Telegram would send it (registered, so the bot can reply to it)."""
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -1000000000000 - user_id
        chat = self._chats.get(chat_id) or self.chat(chat_id, chat_type)
        message_id = self._next_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id, first_name, username),
        }
        if text is not None:
            message["text"] = text
            found = self.auto_entities(text) if entities is None else entities
            if found:
                message["entities"] = found
        if isinstance(reply_to, SentMessage):
            reply_to = {
                "message_id": reply_to.message_id,
                "date": int(time.time()),
                "chat": self._chats.get(reply_to.chat_id, self.chat(reply_to.chat_id)),
                "from": self.me(),
                "text": reply_to.text,
            }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra)
        self._register(chat, message_id)
        return message

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; gives it the next update_id unless it has one."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        task = asyncio.get_running_loop().create_task(self._notify())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return update

    def push_message(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Queue a message update (see :meth:`message` for the arguments); returns the update."""
        return self.push_update({"message": self.message(text, **kwargs)})

    def update_for(self, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """A message update with a fresh update_id, not queued (for webhook deliveries)."""
        return {"update_id": next(self._update_ids), "message": self.message(text, **kwargs)}

    def forget_message(self, chat_id: int, message_id: int) -> None:
        """The user deleted a message: replying to it now needs allow_sending_without_reply."""
        self._messages.get(chat_id, set()).discard(message_id)

    def buttons(self, message: SentMessage) -> list[dict[str, Any]]:
        """The inline keyboard buttons under one of the bot's messages now (after any edits)."""
        markup = self.markups.get((message.chat_id, message.message_id)) or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def press(self, message: SentMessage, label: str, *, user_id: int = 42, first_name: str = "Ada",
              username: str | None = "ada") -> dict[str, Any]:
        """A user presses the button whose text starts with ``label`` under one of the bot's messages:
        queues the callback query update Telegram sends; returns it."""
        found = [b for b in self.buttons(message) if str(b.get("text", "")).startswith(label)]
        if len(found) != 1:
            raise AssertionError(f"{len(found)} buttons starting with {label!r} under message "
                                 f"{message.message_id}: {[b.get('text') for b in self.buttons(message)]}")
        return self.push_callback_query(message, str(found[0]["callback_data"]), user_id=user_id,
                                        first_name=first_name, username=username)

    def push_callback_query(self, message: SentMessage, data: str, *, user_id: int = 42, first_name: str = "Ada",
                            username: str | None = "ada") -> dict[str, Any]:
        """Queue a callback query with any data (what a client sends for a callback button)."""
        query_id = str(next(self._query_ids))
        query = {
            "id": query_id,
            "from": self.user(user_id, first_name, username),
            "message": self._message_json(message),
            "chat_instance": str(abs(message.chat_id) * 7919),
            "data": data,
        }
        return self._push_query("callback_query", query)

    def callback_answer(self, update: dict[str, Any]) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery parameters for a callback query update, if it answered."""
        return self._query_answer("callback_query", update)

    def push_inline_query(self, query: str, *, user_id: int = 42, chat_type: str = "private", offset: str = "",
                          first_name: str = "Ada", username: str | None = "ada") -> dict[str, Any]:
        """Queue an inline query (the user typed ``@bot query`` in a chat of ``chat_type``)."""
        query_id = str(next(self._query_ids))
        inline = {"id": query_id, "from": self.user(user_id, first_name, username), "query": query,
                  "offset": offset, "chat_type": chat_type}
        return self._push_query("inline_query", inline)

    def inline_answer(self, update: dict[str, Any]) -> dict[str, Any] | None:
        """The bot's answerInlineQuery parameters for an inline query update, if it answered."""
        return self._query_answer("inline_query", update)

    async def wait_inline_answer(self, update: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        return await self._wait_query_answer("inline_query", update, timeout)

    async def wait_callback_answer(self, update: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        return await self._wait_query_answer("callback_query", update, timeout)

    def _queries(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.callback_queries if kind == "callback_query" else self.inline_queries

    def _push_query(self, kind: str, query: dict[str, Any]) -> dict[str, Any]:
        update = self.push_update({kind: query})
        self._queries(kind)[query["id"]] = {"update": update, "at": time.monotonic(), "answer": None}
        return update

    def _open_query(self, kind: str, query_id: object) -> dict[str, Any]:
        """A query the bot may still answer: known, not answered yet, not older than QUERY_TTL."""
        query = self._queries(kind).get(str(query_id))
        if query is None or query["answer"] is not None or time.monotonic() - query["at"] > QUERY_TTL:
            raise bad(QUERY_TOO_OLD)
        return query

    def _query_answer(self, kind: str, update: dict[str, Any]) -> dict[str, Any] | None:
        answer: dict[str, Any] | None = self._queries(kind)[update[kind]["id"]]["answer"]
        return answer

    async def _wait_query_answer(self, kind: str, update: dict[str, Any], timeout: float) -> dict[str, Any]:
        await self.wait_until(lambda: self._query_answer(kind, update) is not None, timeout,
                              f"the bot's answer to {kind} {update[kind].get('query', update[kind].get('data'))!r}")
        answer = self._query_answer(kind, update)
        assert answer is not None
        return answer

    # -- faults --------------------------------------------------------------------------------

    def inject_429(self, count: int = 1, retry_after: int = 1, method: str | None = "sendMessage") -> None:
        """The next ``count`` calls of ``method`` (any method if None) get 429 retry_after."""
        error = ApiError(429, f"Too Many Requests: retry after {retry_after}",
                         {"retry_after": retry_after})
        self._faults.append((method, count, error))

    def inject_error(self, method: str | None, status: int, description: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` fail with this status and description."""
        self._faults.append((method, count, ApiError(status, description)))

    def _fault_for(self, method: str) -> ApiError | None:
        for i, (target, remaining, error) in enumerate(self._faults):
            if target is None or target.lower() == method.lower():
                if remaining <= 1:
                    del self._faults[i]
                else:
                    self._faults[i] = (target, remaining - 1, error)
                if error.status == 429:
                    self.served_429 += 1
                return error
        return None

    # -- outages -------------------------------------------------------------------------------

    @property
    def down(self) -> bool:
        return self._outage is not None

    async def outage(self, mode: str = "refuse") -> None:
        """Take the Bot API down until :meth:`restore`: ``"refuse"`` closes the listening socket and
        every open connection (connection refused, as when the network is gone); ``"502"`` keeps
        listening and answers every request ``502 Bad Gateway`` (as a proxy in front of a dead
        server does). Long polls in progress end the same way."""
        if mode not in ("refuse", "502"):
            raise ValueError(f"outage mode must be 'refuse' or '502', not {mode!r}")
        self._outage = mode
        await self._notify()
        if mode == "refuse" and self._site is not None and self._runner is not None:
            await self._site.stop()
            self._site = None
            server = self._runner.server
            for handler in list(server.connections if server is not None else []):
                handler.force_close()

    async def restore(self) -> None:
        """End an outage: listen on the same port again and answer normally."""
        if self._outage == "refuse" and self._runner is not None:
            self._site = web.TCPSite(self._runner, self.host, self.port)
            await self._site.start()
        self._outage = None
        await self._notify()

    def _outage_response(self, method: str) -> web.Response:
        self.outage_refused += 1
        self.calls.append(Call(method, {}, 502))
        if self._outage == "refuse" and self._runner is not None and self._runner.server is not None:
            for handler in list(self._runner.server.connections):  # a connection opened just before
                handler.force_close()
        return web.Response(status=502, text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                            content_type="text/html")

    # -- waiting -------------------------------------------------------------------------------

    async def _notify(self) -> None:
        if self._changed is None:
            return
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        assert self._changed is not None, "the fake server is not started"
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(predicate)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}; sent so far: "
                f"{[m.text[:80] for m in self.sent_messages]}; calls: "
                f"{[(c.method, c.status) for c in self.calls[-15:]]}"
            ) from None

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent_messages if m.chat_id == chat_id]

    async def wait_for_messages(
        self, n: int = 1, timeout: float = 5.0, *, chat_id: int | None = None
    ) -> list[SentMessage]:
        """Wait until at least ``n`` messages were sent (to ``chat_id`` if given); returns them."""
        def pick() -> list[SentMessage]:
            return self.sent_messages if chat_id is None else self.messages_to(chat_id)

        await self.wait_until(lambda: len(pick()) >= n, timeout, f"{n} sent message(s)")
        return list(pick())

    async def wait_for_call(self, method: str, timeout: float = 5.0, count: int = 1) -> list[Call]:
        def found() -> list[Call]:
            return [c for c in self.calls if c.method.lower() == method.lower()]

        await self.wait_until(lambda: len(found()) >= count, timeout, f"{count} {method} call(s)")
        return found()

    async def wait_polling(self, timeout: float = 5.0) -> None:
        """Wait until the bot holds a getUpdates long poll open (it is up and listening)."""
        await self.wait_until(lambda: self.polls_waiting > 0, timeout, "a getUpdates long poll")

    async def wait_delivered(self, update: dict[str, Any] | int, timeout: float = 5.0) -> None:
        """Wait until the bot fetched this update with getUpdates."""
        update_id = update if isinstance(update, int) else update["update_id"]
        await self.wait_until(lambda: update_id in self.delivered, timeout, f"update {update_id} fetched")

    async def wait_confirmed(self, update: dict[str, Any] | int, timeout: float = 5.0) -> None:
        """Wait until the bot confirmed this update (a getUpdates with a higher offset)."""
        update_id = update if isinstance(update, int) else update["update_id"]
        await self.wait_until(lambda: self.confirmed_offset > update_id, timeout, f"update {update_id} confirmed")

    # -- webhook deliveries ---------------------------------------------------------------------

    _REGISTERED = object()

    async def deliver_webhook(self, url: str, update: dict[str, Any], secret_token: Any = _REGISTERED) -> int:
        """POST an update to a bot's webhook server as Telegram does; returns the HTTP status.

        ``secret_token`` defaults to the one the bot registered with setWebhook; pass None to
        send no secret header, or any string to send that one.
        """
        secret = self.webhook.get("secret_token") if secret_token is self._REGISTERED else secret_token
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with ClientSession(timeout=ClientTimeout(total=5)) as session:
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                await response.read()
                if response.status == 200:
                    self.delivered.add(update["update_id"])
                    await self._notify()
                return response.status

    # -- HTTP ----------------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        return self._error(ApiError(404, "Not Found"))

    @staticmethod
    def _error(error: ApiError) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                raw.update(await request.json())
            else:
                form = await request.post()
                raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str):
                if key in _JSON_FIELDS:
                    value = json.loads(value)
                elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
                    value = int(value)
                elif key in _BOOL_FIELDS:
                    value = value.lower() == "true"
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self._outage is not None:
            return self._outage_response(method)
        if request.match_info["token"] != self.token:
            self.calls.append(Call(method, {}, 401))
            await self._notify()
            return self._error(ApiError(401, "Unauthorized"))
        params = await self._params(request)
        handler = getattr(self, f"_api_{method.lower()}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            fault = self._fault_for(method)
            if fault is not None:
                raise fault
            result = await handler(params)
            if self._outage is not None:  # the API went down while the call was held (long poll)
                return self._outage_response(method)
        except ApiError as error:
            self.calls.append(Call(method, params, error.status))
            await self._notify()
            return self._error(error)
        self.calls.append(Call(method, params, 200))
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    # -- methods -------------------------------------------------------------------------------

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return self.me()

    async def _api_logout(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)  # a newer poll ends the older one with 409
            await self._notify()
        poller: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poller = poller
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0, int(params.get("timeout") or 0))
        allowed = params.get("allowed_updates") or None
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if offset > self.confirmed_offset:
                self.confirmed_offset = offset
                await self._notify()

        def ready() -> list[dict[str, Any]]:
            found = [u for u in self._updates if u["update_id"] >= offset]
            if allowed:
                found = [u for u in found if any(k in u for k in allowed)]
            return found[:limit]

        deadline = time.monotonic() + timeout
        assert self._changed is not None
        self.polls_waiting += 1
        await self._notify()
        try:
            while (not (found := ready()) and time.monotonic() < deadline and not self._closing.is_set()
                   and self._outage is None):
                if poller.done():
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
                async with self._changed:
                    try:
                        await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                    except TimeoutError:
                        pass
        finally:
            self.polls_waiting -= 1
        if poller.done() and poller is not self._poller:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                "make sure that only one bot instance is running")
        if self._outage is not None:
            return []  # _handle answers 502 instead; nothing was delivered
        self.delivered.update(u["update_id"] for u in found)
        for update in found:  # queries count from when the bot got them, as in Telegram
            for kind in ("callback_query", "inline_query"):
                if kind in update:
                    self._queries(kind)[update[kind]["id"]]["at"] = time.monotonic()
        return found

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url", "")
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {k: v for k, v in params.items()}
        self.webhook.setdefault("url", "")
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": ""}
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            "max_connections": self.webhook.get("max_connections", 40),
        }

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}"

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("commands must be an array of at most 100 commands")
        for command in commands:
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = commands
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _api_deletemycommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _known_chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad("chat not found")
        return chat_id

    async def _api_sendchataction(self, params: dict[str, Any]) -> Any:
        self._known_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self.chat_actions.append(params)
        return True

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._known_chat(params)
        parse_mode = params.get("parse_mode")
        text, entities = parse_text(params.get("text"), parse_mode, params.get("entities"))
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id", params.get("reply_to_message_id"))
        allow_without = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
        if reply_to is not None and reply_to not in self._messages.get(chat_id, set()):
            if not allow_without:
                raise bad("message to be replied not found")
            reply_to = None
        message_id = self._next_message_id(chat_id)
        self._register(self._chats[chat_id], message_id)
        sent = SentMessage(chat_id, message_id, text, str(params["text"]), parse_mode, entities, reply_to, params)
        self.sent_messages.append(sent)
        self._sent[(chat_id, message_id)] = sent
        if markup:
            self.markups[(chat_id, message_id)] = markup
        return self._message_json(sent)

    def _message_json(self, sent: SentMessage) -> dict[str, Any]:
        """A message the bot sent, as Telegram returns it (and embeds it in callback queries)."""
        result: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chats[sent.chat_id],
            "from": self.me(),
            "text": sent.text,
        }
        if sent.entities:
            result["entities"] = sent.entities
        markup = self.markups.get((sent.chat_id, sent.message_id))
        if markup:
            result["reply_markup"] = markup
        return result

    # -- inline keyboards and callback queries ----------------------------------------------------

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            raise bad("inline messages are not emulated by this fake")
        chat_id = self._known_chat(params)
        key = (chat_id, params.get("message_id"))
        if key not in self._sent:
            raise bad("message to edit not found")
        markup = params.get("reply_markup") or None
        check_reply_markup(markup)
        if markup == self.markups.get(key):
            raise bad("message is not modified: specified new message content and reply markup are exactly "
                      "the same as a current content and reply markup of the message")
        if markup:
            self.markups[key] = markup
        else:
            self.markups.pop(key, None)
        self.markup_edits.append(params)
        return self._message_json(self._sent[key])

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query = self._open_query("callback_query", params.get("callback_query_id"))
        if len(str(params.get("text", ""))) > 200:
            raise bad("MESSAGE_TOO_LONG")
        query["answer"] = params
        return True

    # -- inline mode -----------------------------------------------------------------------------

    async def _api_answerinlinequery(self, params: dict[str, Any]) -> Any:
        query = self._open_query("inline_query", params.get("inline_query_id"))
        check_inline_results(params.get("results"))
        cache_time = params.get("cache_time", 300)
        if not isinstance(cache_time, int) or cache_time < 0:
            raise bad("cache_time must be a non-negative integer")
        query["answer"] = params
        query["answered_at"] = time.monotonic()
        return True
