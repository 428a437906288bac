"""The bot keeps its corpus current on PTB's JobQueue: a round every NEWSBOT_FEED_INTERVAL."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from tests.telegram.test_tg_bot import Wrapped


class Refreshing(Wrapped):
    """The real service, counting the refreshes the job queue asks for."""

    def __init__(self, real: Any) -> None:
        super().__init__(real)
        self.refreshes = 0
        self.called = threading.Event()

    def refresh(self, warn: Any = None) -> bool:
        self.refreshes += 1
        self.called.set()
        return False


async def test_the_job_queue_runs_live_rounds(start_bot: Any, news_service: Any) -> None:
    service = Refreshing(news_service)
    app = await start_bot(service=service, feed_interval="0.1s")
    [job] = app.job_queue.get_jobs_by_name("newsbot-live")
    assert job is not None
    assert await asyncio.to_thread(service.called.wait, 20)


async def test_no_job_when_the_interval_is_zero(start_bot: Any, news_service: Any) -> None:
    app = await start_bot(service=Refreshing(news_service), feed_interval=0)
    assert app.job_queue.get_jobs_by_name("newsbot-live") == ()
