"""The Telegram bot: python-telegram-bot 22 (async) around `NewsService`.

``run_bot(settings)`` runs it (polling or webhook) until SIGINT/SIGTERM; ``check(settings,
online=...)`` is the health check. Handlers stay thin: deciding whether a group message is
for the bot, the flood guard, redaction and rendering are small functions of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from enum import Enum
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import render as render_html
from bot.answer import Answer, AnswerKind
from bot.render import esc
from bot.settings import Settings

log = logging.getLogger("newsbot.telegram")

COMMANDS: list[tuple[str, str]] = [
    ("start", "What I know, with example questions"),
    ("help", "How to ask me questions"),
    ("sources", "The articles I quote from"),
    ("about", "How I find and cite answers"),
]
ALLOWED_UPDATES = [Update.MESSAGE]
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about 5 s per chat action
BOOTSTRAP_RETRIES = 5  # network failures while starting (getMe, deleteWebhook/setWebhook)
POLL_TIMEOUT = 10  # seconds of getUpdates long polling

SORRY = "Sorry, something went wrong while I was answering. Please try again in a moment."
NON_TEXT_HINT = "I can only read text messages. Send me a question in words, for example: {example}"


class Service(Protocol):
    """What the bot needs from `bot.service.NewsService` (tests may stand in for it)."""

    def answer(self, question: str) -> Answer: ...

    def articles(self) -> list[Any]: ...

    def example_questions(self, n: int = 3) -> list[str]: ...

    def describe(self) -> str: ...


# =============================================================================================
# Pure logic


def addressed_question(
    text: str,
    *,
    chat_type: str,
    bot_username: str | None,
    bot_id: int | None,
    reply_to_user_id: int | None = None,
) -> str | None:
    """The question a message asks the bot, or None when it is not meant for the bot.

    Private chats: the whole text. Groups: only when the text mentions ``@bot_username`` (the
    mention is removed) or the message replies to one of the bot's messages. Channels: never.
    An empty string means "addressed, but no question" (e.g. a bare mention).
    """
    text = text.strip()
    if chat_type == ChatType.PRIVATE:
        return text
    if chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return None
    if bot_username:
        mention = re.compile(rf"(?<![\w@])@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)
        if mention.search(text):
            return _tidy(mention.sub("\x00", text))
    if bot_id is not None and reply_to_user_id == bot_id:
        return text
    return None


def _tidy(text: str) -> str:
    """Text with the mentions (NUL) removed along with the commas/colons around them."""
    text = re.sub(r"[\s,;:]*\x00[\s,;:]*", " ", text)
    text = re.sub(r"\s+([?!.])", r"\1", " ".join(text.split()))
    return text.strip(" ,:;-–—")


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, once
    DROP = "drop"  # still over the limit: stay quiet


class FloodGuard:
    """At most ``limit`` questions per user in any ``window`` seconds (a sliding window).

    The first question over the limit gets WARN (answer politely once), later ones DROP until
    the window has room again. Refused questions do not use up the window.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        self._checks += 1
        if self._checks % 1000 == 0:
            self._prune(now)
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def _prune(self, now: float) -> None:
        for user_id in [u for u, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            del self._hits[user_id]
            self._warned.discard(user_id)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret (bot token, webhook secret) in text by a placeholder."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def secrets_of(settings: Settings) -> list[str]:
    values = []
    for secret in (settings.telegram_token, settings.webhook_secret):
        if secret is not None and secret.get_secret_value():
            values.append(secret.get_secret_value())
    return values


class RedactingFormatter(logging.Formatter):
    """A formatter that never lets a secret through (messages, arguments and tracebacks)."""

    def __init__(self, fmt: str, secrets: Iterable[str]):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Log to stderr at settings.log_level, secrets redacted, httpx/httpcore quiet (URLs hold the token)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets_of(settings))
    )
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def file_url_for(api_url: str) -> str:
    """The Bot API file URL that goes with an API URL (``…/bot`` -> ``…/file/bot``)."""
    if api_url.endswith("/bot"):
        return api_url[: -len("/bot")] + "/file/bot"
    return api_url.rstrip("/") + "/file/bot"


def webhook_path(settings: Settings) -> str:
    """The path the local webhook server listens on: the path of the public webhook URL."""
    return urlsplit(settings.webhook_url or "").path.rstrip("/") or "/"


def polling_kwargs(settings: Settings) -> dict[str, Any]:
    """Arguments shared by ``Application.run_polling`` and ``Updater.start_polling``."""
    return {
        "timeout": POLL_TIMEOUT,
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": False,
        "bootstrap_retries": BOOTSTRAP_RETRIES,
    }


def webhook_kwargs(settings: Settings) -> dict[str, Any]:
    """Arguments shared by ``Application.run_webhook`` and ``Updater.start_webhook``."""
    assert settings.webhook_url and settings.webhook_secret, "validated by Settings"
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": webhook_path(settings),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.get_secret_value(),
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": False,
        "bootstrap_retries": BOOTSTRAP_RETRIES,
    }


def api_host(settings: Settings) -> str:
    parts = urlsplit(settings.telegram_api_url)
    return f"{parts.scheme}://{parts.netloc}"


# =============================================================================================
# Texts


def start_text(service: Service, bot_username: str | None) -> str:
    examples = service.example_questions(3)
    lines = [
        "Hi! I answer questions about the news articles I have: " + esc(service.describe()),
        "",
        "I reply with sentences quoted from the articles, each marked with its source [1], "
        "so you can check every word. Try one of these:",
        *(f"• <code>{esc(q)}</code>" for q in examples),
        "",
        "/sources lists the articles, /help explains the rest.",
    ]
    if bot_username:
        lines.append(f"In a group, mention me (@{esc(bot_username)}) or reply to one of my messages.")
    return "\n".join(lines)


def help_text(bot_username: str | None, flood_limit: int) -> str:
    mention = f"@{esc(bot_username)}" if bot_username else "me"
    return "\n".join([
        "<b>How to ask</b>",
        "Send a question as a normal message, e.g. <i>Who won the regional election in the north?</i>",
        "I answer only with sentences quoted from my articles; the numbers in brackets point to "
        "the sources listed under the answer. When the articles don't cover a question, I say so.",
        "",
        f"<b>In groups</b> I stay quiet unless a message mentions {mention} or replies to me.",
        "",
        "<b>Commands</b>",
        *(f"/{name} — {esc(description)}" for name, description in COMMANDS),
        "",
        f"Please ask at most {flood_limit} questions a minute.",
    ])


def about_text(service: Service) -> str:
    return "\n".join([
        "<b>newsbot</b> answers questions about a fixed set of news articles: "
        + esc(service.describe()) + ".",
        "",
        "It finds the sentences that best match your question (BM25 ranking over every sentence) "
        "and answers by quoting them, with numbered citations. Nothing is generated or "
        "paraphrased, so every statement can be checked against its source.",
    ])


def flood_text(limit: int) -> str:
    return (
        f"You're asking faster than I can keep up: at most {limit} questions a minute. "
        "Please wait a moment, then ask again."
    )


# =============================================================================================
# Handlers


def _service(context: ContextTypes.DEFAULT_TYPE) -> Service:
    return context.bot_data["service"]


def _reply_params(message: Message) -> ReplyParameters:
    return ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first (group -1): drops updates from chats outside the allow-list, silently."""
    allowed: list[int] = context.bot_data["settings"].allowed_chats
    if not allowed:
        return
    chat = update.effective_chat
    if chat is None or chat.id not in allowed:
        log.info(
            "update %s from chat %s ignored: not in NEWSBOT_ALLOWED_CHATS",
            update.update_id, chat.id if chat else None,
        )
        raise ApplicationHandlerStop


async def within_flood_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Count this message against its sender's flood limit; over it, say so once, then stay quiet.

    Every kind of message counts (questions, commands, stickers), so no handler can be used to
    make the bot talk without limit."""
    message = update.effective_message
    if message is None:
        return False
    user_id = update.effective_user.id if update.effective_user else message.chat.id
    verdict = context.bot_data["flood"].check(user_id)
    if verdict is Verdict.ALLOW:
        return True
    if verdict is Verdict.WARN:
        settings: Settings = context.bot_data["settings"]
        await message.reply_html(flood_text(settings.flood_limit), reply_parameters=_reply_params(message))
    else:
        log.debug("update %s: user over the flood limit, dropped", update.update_id)
    return False


def chat_lock(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> asyncio.Lock:
    """One lock per chat, so a chat's questions are answered in the order they were asked while
    other chats go on concurrently. Locks nobody holds or waits for are dropped (weak values)."""
    locks: weakref.WeakValueDictionary[int, asyncio.Lock] = context.bot_data.setdefault(
        "chat_locks", weakref.WeakValueDictionary()
    )
    lock = locks.get(chat_id)
    if lock is None:
        lock = asyncio.Lock()
        locks[chat_id] = lock
    return lock


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = await asyncio.to_thread(start_text, _service(context), context.bot.username)
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = help_text(context.bot.username, context.bot_data["settings"].flood_limit)
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    articles = await asyncio.to_thread(_service(context).articles)
    for chunk in render_html.render_articles(articles):
        await update.effective_message.reply_html(chunk)  # type: ignore[union-attr]


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_flood_limit(update, context):
        return
    text = await asyncio.to_thread(about_text, _service(context))
    await update.effective_message.reply_html(text)  # type: ignore[union-attr]


@contextlib.asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Show "typing…" now, and keep showing it while the body runs."""

    async def send() -> None:
        try:
            await message.reply_chat_action(ChatAction.TYPING)
        except TelegramError as exc:  # the answer matters more than the indicator
            log.debug("chat action failed: %s", exc)

    async def repeat() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY)
            await send()

    await send()
    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: answer it when it is for the bot, as HTML replies to the message."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    replied = message.reply_to_message
    asked = addressed_question(
        message.text,
        chat_type=message.chat.type,
        bot_username=context.bot.username,
        bot_id=context.bot.id,
        reply_to_user_id=replied.from_user.id if replied and replied.from_user else None,
    )
    if asked is None:
        return
    service = _service(context)
    if not asked:
        examples = await asyncio.to_thread(service.example_questions, 1)
        example = f" For example: <code>{esc(examples[0])}</code>" if examples else ""
        await message.reply_html("Ask me a question after the mention." + example,
                                 reply_parameters=_reply_params(message))
        return
    if not await within_flood_limit(update, context):
        return
    async with chat_lock(context, message.chat.id):
        async with typing(message):
            answer = await asyncio.to_thread(service.answer, asked)
        log.info("update %s: %s with %d quote(s)", update.update_id, answer.kind.value, len(answer.quotes))
        for chunk in render_html.render_answer(answer):
            await message.reply_html(chunk, reply_parameters=_reply_params(message))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command the bot does not have, in a private chat: say which ones it has."""
    if not await within_flood_limit(update, context):
        return
    await update.effective_message.reply_html(  # type: ignore[union-attr]
        "I don't know that command. Try /help, or just ask a question."
    )


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice note… in a private chat: one line saying what works."""
    if not await within_flood_limit(update, context):
        return
    examples = await asyncio.to_thread(_service(context).example_questions, 1)
    example = f"<code>{esc(examples[0])}</code>" if examples else "<i>What happened in the election?</i>"
    await update.effective_message.reply_html(NON_TEXT_HINT.format(example=example))  # type: ignore[union-attr]


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and the error (the formatter redacts secrets); tell the user, politely."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error("update %s failed: %s: %s", update_id, type(error).__name__, error, exc_info=error)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    message = update.effective_message
    if message is None:
        return
    try:
        await message.reply_html(esc(SORRY), reply_parameters=_reply_params(message))
    except TelegramError as exc:
        log.warning("update %s: could not send the error notice either: %s", update_id, exc)


# =============================================================================================
# The application


def open_service(settings: Settings) -> Service:
    """Load (or build) the index once; raises index.NewsbotError subclasses with clear messages."""
    from bot.service import NewsService

    return NewsService.open(settings.corpus, settings.index_dir, warn=log.warning)


def _warm_up(service: Service) -> None:
    """Answer one question before the first user does, so lazy loading is not their wait."""
    try:
        for example in service.example_questions(1):
            service.answer(example)
    except Exception:  # a broken service shows itself on real questions, with the error handler
        log.warning("warm-up question failed", exc_info=True)


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    if app.bot_data.get("service") is None:
        log.info("loading the index for %s", settings.corpus)
        app.bot_data["service"] = await asyncio.to_thread(open_service, settings)
        await asyncio.to_thread(_warm_up, app.bot_data["service"])
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    description = await asyncio.to_thread(app.bot_data["service"].describe)
    log.info("@%s ready (%s): %s", app.bot.username, settings.telegram_mode, description)


async def _post_shutdown(app: Application) -> None:
    service = app.bot_data.pop("service", None)
    close = getattr(service, "close", None)
    if callable(close):
        await asyncio.to_thread(close)
    log.info("stopped")


def build_application(settings: Settings, *, service: Service | None = None) -> Application:
    """The PTB Application with every handler; the service is opened in post_init unless given."""
    if settings.telegram_token is None:
        raise ValueError("NEWSBOT_TELEGRAM_TOKEN is not set")
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=settings.telegram_max_retries))
        .concurrent_updates(settings.concurrent_updates)
        .connect_timeout(10)
        .read_timeout(20)
        .write_timeout(20)
        .pool_timeout(10)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["flood"] = FloodGuard(settings.flood_limit)
    if service is not None:
        app.bot_data["service"] = service

    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("sources", sources))
    app.add_handler(CommandHandler("about", about))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, question))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND,
                                   unknown_command))
    app.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
        non_text,
    ))
    app.add_error_handler(on_error)
    return app


@contextlib.asynccontextmanager
async def serve(app: Application) -> AsyncIterator[Application]:
    """Run the application inside an already running event loop, as ``run_polling`` /
    ``run_webhook`` would (same hooks, same updater arguments), until the block exits.

    For tests and for embedding; ``run_bot`` uses PTB's own runners (signal handling).
    """
    settings: Settings = app.bot_data["settings"]
    assert app.updater is not None
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if settings.telegram_mode == "webhook":
            await app.updater.start_webhook(**webhook_kwargs(settings))
        else:
            await app.updater.start_polling(**polling_kwargs(settings))
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def _fail(message: str) -> int:
    print(f"newsbot: error: {message}", file=sys.stderr)
    return 1


def run_bot(settings: Settings) -> int:
    """Run the Telegram bot until SIGINT/SIGTERM; returns the exit status (one-line errors)."""
    if settings.telegram_token is None:
        print(
            "newsbot: error: NEWSBOT_TELEGRAM_TOKEN is not set; create a bot with @BotFather "
            "and put its token in the environment or in .env",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings)
    secrets = secrets_of(settings)
    app = build_application(settings)
    try:
        if settings.telegram_mode == "webhook":
            log.info("webhook mode: listening on %s:%s%s for %s", settings.webhook_listen,
                     settings.webhook_port, webhook_path(settings), settings.webhook_url)
            app.run_webhook(**webhook_kwargs(settings))
        else:
            log.info("polling mode: %s", api_host(settings))
            app.run_polling(**polling_kwargs(settings))
    except InvalidToken:
        return _fail("Telegram rejected NEWSBOT_TELEGRAM_TOKEN (Unauthorized); check the token from @BotFather")
    except NetworkError as exc:
        return _fail(f"cannot reach the Telegram Bot API at {api_host(settings)}: {redact(str(exc), secrets)}")
    except TelegramError as exc:
        return _fail(f"Telegram: {redact(str(exc), secrets)}")
    except OSError as exc:  # e.g. the webhook port is taken
        return _fail(redact(str(exc), secrets))
    except Exception as exc:
        from index import NewsbotError

        if isinstance(exc, NewsbotError):
            return _fail(str(exc))
        log.exception("the bot stopped on an unexpected error")
        return _fail(f"the bot stopped: {type(exc).__name__}: {redact(str(exc), secrets)}")
    return 0


# =============================================================================================
# Health check


def check(settings: Settings, *, online: bool = False, out: IO[str] | None = None) -> int:
    """Validate settings, corpus and index (and with online=True, the token via getMe).

    Prints one line per item ("ok", "warn" or "FAIL"); returns 0 when nothing failed, else 1.
    """
    out = out or sys.stdout
    secrets = secrets_of(settings)
    failures = 0

    def say(status: str, text: str) -> None:
        nonlocal failures
        failures += status == "FAIL"
        print(f"{status:<5} {redact(text, secrets)}", file=out, flush=True)

    token = "set" if settings.telegram_token else "not set"
    say("ok", f"settings: {settings.telegram_mode} mode, token {token}, API {api_host(settings)}, "
              f"log level {settings.log_level}")
    if settings.telegram_mode == "webhook":
        say("ok", f"webhook: {settings.webhook_url} -> {settings.webhook_listen}:{settings.webhook_port}"
                  f"{webhook_path(settings)}, secret token set")
    if settings.allowed_chats:
        say("ok", f"allow-list: {len(settings.allowed_chats)} chat(s)")
    if settings.telegram_token is None:
        say("FAIL" if online else "warn", "NEWSBOT_TELEGRAM_TOKEN is not set: the Telegram bot cannot start")

    try:
        service = open_service(settings)
    except Exception as exc:  # NewsbotError and anything else: the check reports, never raises
        say("FAIL", f"corpus/index ({settings.corpus}): {exc}")
    else:
        say("ok", f"index: {service.describe()}")
        try:
            examples = service.example_questions(1)
            if examples:
                answer = service.answer(examples[0])
                status = "ok" if answer.kind is AnswerKind.ANSWER else "warn"
                say(status, f"answer: {examples[0]!r} -> {answer.kind.value}, {len(answer.sources)} source(s)")
        except Exception as exc:
            say("FAIL", f"answering: {type(exc).__name__}: {exc}")

    if online and settings.telegram_token is not None:
        try:
            with _quiet("telegram", "httpx", "httpcore"):  # their DEBUG lines hold the token
                results = asyncio.run(_online(settings))
            for status, text in results:
                say(status, text)
        except InvalidToken:
            say("FAIL", "Telegram rejected NEWSBOT_TELEGRAM_TOKEN (Unauthorized)")
        except TelegramError as exc:
            say("FAIL", f"Telegram Bot API at {api_host(settings)}: {exc}")
    return 1 if failures else 0


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Loggers at WARNING or above for the block (check() runs under the CLI's plain logging)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


async def _online(settings: Settings) -> list[tuple[str, str]]:
    assert settings.telegram_token is not None
    request = HTTPXRequest(connect_timeout=5, read_timeout=10)
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=file_url_for(settings.telegram_api_url),
        request=request,
        get_updates_request=HTTPXRequest(connect_timeout=5, read_timeout=10),
    )
    async with bot:  # initialize() calls getMe
        info = await bot.get_webhook_info()
    results = [("ok", f"Telegram: token accepted, bot @{bot.username} (id {bot.id})")]
    if settings.telegram_mode == "webhook":
        if info.url == settings.webhook_url:
            results.append(("ok", f"webhook registered: {info.url} ({info.pending_update_count} pending)"))
        else:
            results.append(("warn", f"webhook registered is {info.url or 'none'!s}; "
                                    "the bot sets it to NEWSBOT_WEBHOOK_URL when it starts"))
    elif info.url:
        results.append(("warn", f"a webhook is set ({info.url}); polling deletes it when the bot starts"))
    if info.last_error_message:
        results.append(("warn", f"Telegram's last webhook error: {info.last_error_message}"))
    return results
