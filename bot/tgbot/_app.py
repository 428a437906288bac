"""The Telegram bot's lifecycle: building the python-telegram-bot 22 (async) Application around a
`NewsService`, running it (polling or webhook) until SIGINT/SIGTERM, and the Bot API URLs and
runner arguments both ways of running share."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.errors import BotRunError, NewsbotError, SettingsError, StateError
from bot.live import LiveUpdater
from bot.logs import configure_logging, redact, secrets_of
from bot.service import NewsService, Service
from bot.settings import Settings
from bot.state import StateStore

from ._feedback import CALLBACK_PATTERN, on_feedback, stats
from ._flood import FloodGuard
from ._follow import SUGGESTION_PATTERN
from ._handlers import (
    about,
    articles,
    gate,
    help_command,
    non_text,
    on_error,
    question,
    sources,
    start,
    suggested,
    unknown_command,
)
from ._inline import QUERIES_PER_QUESTION, inline_query
from ._network import MonitoredRequest, OutageMonitor, PatientRateLimiter, QuietTelegramLogs
from ._texts import COMMANDS

log = logging.getLogger("newsbot.telegram")

ALLOWED_UPDATES = [Update.MESSAGE, Update.INLINE_QUERY, Update.CALLBACK_QUERY]
BOOTSTRAP_RETRIES = 5  # network failures while starting (getMe, deleteWebhook/setWebhook)
POLL_TIMEOUT = 10  # seconds of getUpdates long polling
RETENTION_EVERY = 6 * 3600  # seconds between two runs of the retention job (the first runs at start)
NO_TOKEN = "NEWSBOT_TELEGRAM_TOKEN is not set"


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


def load_service(settings: Settings) -> NewsService:
    """Load (or build) the index once, warnings to the log (no terminal: the bot runs as a service);
    raises NewsbotError subclasses with clear messages."""
    return NewsService.open(settings.corpus, settings.index_dir, warn=log.warning, lock_timeout=settings.lock_timeout,
                            now=settings.now)


def _warm_up(service: Service) -> None:
    """Answer one question before the first user does, so lazy loading is not their wait."""
    try:
        for example in service.example_questions(1):
            service.answer(example)
    except Exception:  # a broken service shows itself on real questions, with the error handler
        log.warning("warm-up question failed", exc_info=True)


def open_state(settings: Settings) -> StateStore:
    """The state store at settings.state_file; if that cannot be used, one in memory (with a warning:
    the bot still works, it only forgets at a restart)."""
    try:
        return StateStore(settings.state_file)
    except StateError as exc:
        log.warning("%s; conversations and feedback are kept in memory until the bot stops", exc)
        return StateStore.in_memory()


async def prune_state(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The retention job: delete answers and votes older than NEWSBOT_RETENTION_DAYS."""
    state: StateStore | None = context.bot_data.get("state")
    days = context.bot_data["settings"].retention_days
    if state is None:
        return
    try:
        removed = await asyncio.to_thread(state.prune, days)
    except StateError as exc:
        log.warning("retention: %s", exc)
        return
    if removed:
        log.info("retention: %d answer(s) older than %d days deleted, with their votes", removed, days)


def _where(settings: Settings) -> str:
    if settings.telegram_mode == "webhook":
        return (f"webhook, listening on {settings.webhook_listen}:{settings.webhook_port}{webhook_path(settings)} "
                f"for {settings.webhook_url}")
    return f"polling {api_host(settings)}"


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    if app.bot_data.get("service") is None:
        log.info("loading the index for %s", settings.corpus)
        app.bot_data["service"] = await asyncio.to_thread(load_service, settings)
        await asyncio.to_thread(_warm_up, app.bot_data["service"])
    if app.bot_data.get("state") is None:
        app.bot_data["state"] = await asyncio.to_thread(open_state, settings)
    if settings.feed_interval > 0 and app.job_queue is not None:
        # feeds polled and new corpus files picked up in the background (bot/live.py)
        app.bot_data["live"] = LiveUpdater(app.bot_data["service"], settings)
        app.job_queue.run_repeating(_live_round, interval=settings.feed_interval, first=settings.feed_interval,
                                    name="newsbot-live")
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    description = await asyncio.to_thread(app.bot_data["service"].describe)
    app.bot_data["ready"] = True
    log.info("@%s ready (%s): %s", app.bot.username, _where(settings), description)


async def _live_round(context: Any) -> None:
    """A JobQueue job: one LiveUpdater round in a worker thread (the event loop keeps answering)."""
    await asyncio.to_thread(context.application.bot_data["live"].run_once)


async def _post_shutdown(app: Application) -> None:
    for name in ("service", "state"):
        close = getattr(app.bot_data.pop(name, None), "close", None)
        if callable(close):
            await asyncio.to_thread(close)
    if app.bot_data.pop("ready", False):  # a bot that never started (e.g. token refused) says nothing
        log.info("stopped")


def build_application(settings: Settings, *, service: Service | None = None,
                      state: StateStore | None = None) -> Application:
    """The PTB Application with every handler and the retention job; the service and the state store
    are opened in post_init unless given, and closed in post_shutdown."""
    if settings.telegram_token is None:
        raise SettingsError(NO_TOKEN)
    monitor = OutageMonitor()
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(PatientRateLimiter(max_retries=settings.telegram_max_retries))
        .concurrent_updates(settings.concurrent_updates)
        .request(MonitoredRequest(monitor, connection_pool_size=256, connect_timeout=10, read_timeout=20,
                                  write_timeout=20, pool_timeout=10))
        .get_updates_request(MonitoredRequest(monitor, wait_out=True, connection_pool_size=1))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["outage"] = monitor
    app.bot_data["flood"] = FloodGuard(settings.flood_limit)
    app.bot_data["button_flood"] = FloodGuard(settings.flood_limit)
    app.bot_data["inline_flood"] = FloodGuard(settings.flood_limit * QUERIES_PER_QUESTION)
    if service is not None:
        app.bot_data["service"] = service
    if state is not None:
        app.bot_data["state"] = state

    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("sources", sources))
    app.add_handler(CommandHandler("articles", articles))
    app.add_handler(CommandHandler("about", about))
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CallbackQueryHandler(on_feedback, pattern=CALLBACK_PATTERN))
    app.add_handler(CallbackQueryHandler(suggested, pattern=SUGGESTION_PATTERN))
    app.add_handler(InlineQueryHandler(inline_query))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, question))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND,
                                   unknown_command))
    app.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
        non_text,
    ))
    app.add_error_handler(on_error)
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    app.job_queue.run_repeating(prune_state, interval=RETENTION_EVERY, first=0, name="retention")
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
            def polling_error(exc: TelegramError) -> None:  # what run_polling does: to the error handler
                app.create_task(app.process_error(error=exc, update=None))

            await app.updater.start_polling(**polling_kwargs(settings), error_callback=polling_error)
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


def run_bot(settings: Settings) -> None:
    """Run the Telegram bot until SIGINT/SIGTERM. Raises SettingsError without a token and BotRunError
    when the bot cannot start or stops on an error (messages redacted, one line each)."""
    if settings.telegram_token is None:
        raise SettingsError(f"{NO_TOKEN}; create a bot with @BotFather and put its token in the environment or in .env")
    configure_logging(settings)
    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietTelegramLogs())
    secrets = secrets_of(settings)
    app = build_application(settings)
    try:
        if settings.telegram_mode == "webhook":
            app.run_webhook(**webhook_kwargs(settings))
        else:
            app.run_polling(**polling_kwargs(settings))
    except InvalidToken:
        failure = "Telegram rejected NEWSBOT_TELEGRAM_TOKEN (Unauthorized); check the token from @BotFather"
    except NetworkError as exc:
        failure = f"cannot reach the Telegram Bot API at {api_host(settings)}: {redact(str(exc), secrets)}"
    except TelegramError as exc:
        failure = f"Telegram: {redact(str(exc), secrets)}"
    except OSError as exc:  # e.g. the webhook port is taken
        failure = redact(str(exc), secrets)
    except NewsbotError as exc:  # e.g. no corpus: the index is loaded in post_init, once PTB runs
        failure = str(exc)
    except Exception as exc:
        log.exception("the bot stopped on an unexpected error")
        failure = f"the bot stopped: {type(exc).__name__}: {redact(str(exc), secrets)}"
    else:
        return
    raise BotRunError(failure)
