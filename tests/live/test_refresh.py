"""A running service answers from new articles without a restart, and switches corpus atomically."""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot import NewsService
from bot.live import LiveUpdater
from bot.repl import Repl
from bot.settings import Settings, load_settings
from index import STATE_FILE, LiveCorpus
from tests.newsweb import RSS, Item, NewsWeb, article_html, rss

QUESTION = "Where did the zebras parade?"
ZEBRA = ("Zebras parade through Paris\n\nThousands of people watched as two hundred zebras paraded down the "
         "Champs-Elysees on Saturday in the first zebra festival held in the French capital.\n\nThe mayor said the "
         "zebra festival would return next year.\n")


def cites_zebras(answer: Any) -> bool:
    return answer.found and any("Zebras" in s.title for s in answer.sources)


@pytest.fixture
def service(corpus_copy: Path, tmp_path: Path) -> NewsService:
    return NewsService.open(corpus_copy, tmp_path / "cache")


def test_refresh_picks_up_a_file_added_by_hand(service: NewsService, corpus_copy: Path) -> None:
    assert not cites_zebras(service.answer(QUESTION))
    assert service.refresh() is False  # nothing changed
    (corpus_copy / "zebras.txt").write_text(ZEBRA, encoding="utf-8")
    assert service.refresh() is True
    assert cites_zebras(service.answer(QUESTION))
    assert service.article_count() == 5 and service.build_report is not None
    assert service.build_report.changes == ["added zebras.txt"]
    os.utime(corpus_copy / "zebras.txt", (time.time() + 5, time.time() + 5))  # touched, not changed
    assert service.refresh() is False
    (corpus_copy / "zebras.txt").unlink()
    assert service.refresh() is True and not cites_zebras(service.answer(QUESTION))


def test_a_question_in_flight_keeps_the_corpus_it_started_with(service: NewsService, corpus_copy: Path) -> None:
    old = service.composer
    started, go_on = threading.Event(), threading.Event()
    original = old.answer

    def slow_answer(question: str) -> Any:
        started.set()
        go_on.wait(10)
        return original(question)

    old.answer = slow_answer  # type: ignore[method-assign]
    in_flight: list[Any] = []
    asker = threading.Thread(target=lambda: in_flight.append(service.answer(QUESTION)))
    asker.start()
    assert started.wait(10)
    (corpus_copy / "zebras.txt").write_text(ZEBRA, encoding="utf-8")
    assert service.refresh()
    assert cites_zebras(service.answer(QUESTION))  # a new question: the new corpus
    go_on.set()
    asker.join(10)
    assert not cites_zebras(in_flight[0])  # the question in flight: the old corpus, whole


def test_questions_during_refreshes_never_fail(service: NewsService, corpus_copy: Path) -> None:
    errors: list[BaseException] = []
    answers: list[Any] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                answer = service.answer(QUESTION)
                answers.append(answer)
                for source in answer.sources:
                    assert source.title
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(4):
            zebra = corpus_copy / "zebras.txt"
            zebra.write_text(ZEBRA, encoding="utf-8") if i % 2 == 0 else zebra.unlink()
            assert service.refresh()
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert errors == [] and answers


def test_the_repl_answers_from_new_articles_without_a_restart(service: NewsService, corpus_copy: Path,
                                                               tmp_path: Path) -> None:
    from rich.console import Console

    repl = Repl(service, Console(file=io.StringIO(), width=200))
    settings = _settings(corpus_copy, tmp_path)
    assert "Zebras" not in str(repl.handle(QUESTION))
    (corpus_copy / "zebras.txt").write_text(ZEBRA, encoding="utf-8")
    assert LiveUpdater(service, settings).run_once() is True
    assert "Champs-Elysees" in str(repl.handle(QUESTION))


def _settings(corpus: Path, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"corpus": corpus, "cache_dir": tmp_path / "cache", "fetch_allow_private": True,
                              "fetch_host_delay": 0, "fetch_timeout": 5, "_env_file": None}
    values.update(overrides)
    return load_settings(**values)


def test_the_updater_polls_the_feeds_then_refreshes(web: NewsWeb, service: NewsService, corpus_copy: Path,
                                                    tmp_path: Path) -> None:
    web.page("/zebra.html", article_html("Zebras parade through Paris", ZEBRA.split("\n\n")[1:]))
    feed = web.page("/feed.xml", rss([Item(web.url("/zebra.html"), "Zebras")]), content_type=RSS)
    with LiveCorpus(corpus_copy) as live:
        live.follow(feed)
    updater = LiveUpdater(service, _settings(corpus_copy, tmp_path))
    assert updater.run_once() is True
    assert cites_zebras(service.answer(QUESTION))
    assert updater.run_once() is False  # nothing new


def test_a_polls_articles_are_added_by_name_then_the_folder_is_looked_at(
        web: NewsWeb, service: NewsService, corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web.page("/zebra.html", article_html("Zebras parade through Paris", ZEBRA.split("\n\n")[1:]))
    feed = web.page("/feed.xml", rss([Item(web.url("/zebra.html"), "Zebras")]), content_type=RSS)
    with LiveCorpus(corpus_copy) as live:
        live.follow(feed)
    (corpus_copy / "otters.txt").write_text("Otters return to the Thames\n\nOtters were seen in the Thames at "
                                           "Richmond for the first time in a century.\n", encoding="utf-8")
    calls: list[tuple[list[str], int]] = []
    real = service.refresh

    def spy(*, warn: Any = None, added: Any = ()) -> bool:
        changed = real(warn=warn, added=added)
        calls.append(([p.name for p in added], service.article_count()))
        return changed

    monkeypatch.setattr(service, "refresh", spy)
    assert LiveUpdater(service, _settings(corpus_copy, tmp_path)).run_once() is True
    [(added, after_add), ([], after_look)] = calls
    assert len(added) == 1 and added[0].endswith(".md") and (corpus_copy / added[0]).exists()
    assert after_add == 5  # the written article only: the file put there by hand was not looked at
    assert after_look == 6 and service.build_report is not None and service.build_report.changes == ["added otters.txt"]
    assert cites_zebras(service.answer(QUESTION))


def test_a_corpus_that_follows_nothing_is_not_written_to(service: NewsService, corpus_copy: Path,
                                                         tmp_path: Path) -> None:
    LiveUpdater(service, _settings(corpus_copy, tmp_path)).run_once()
    assert not (corpus_copy / STATE_FILE).exists()


def test_a_failing_round_is_a_log_line_not_a_crash(tmp_path: Path, corpus_copy: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def refresh(self, warn: Any = None) -> bool:
            raise OSError("disk on fire")

    with caplog.at_level(logging.WARNING, logger="newsbot.live"):
        assert LiveUpdater(Broken(), _settings(corpus_copy, tmp_path)).run_once() is False
    [record] = caplog.records
    assert "still answering from the old one" in record.getMessage() and "disk on fire" in record.getMessage()


def test_the_background_thread_picks_up_new_files(service: NewsService, corpus_copy: Path, tmp_path: Path) -> None:
    updater = LiveUpdater(service, _settings(corpus_copy, tmp_path, feed_interval=0.05)).start()
    try:
        (corpus_copy / "zebras.txt").write_text(ZEBRA, encoding="utf-8")
        deadline = time.monotonic() + 30
        while service.article_count() == 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.article_count() == 5
    finally:
        updater.stop()
    assert updater._thread is not None and not updater._thread.is_alive()


def test_no_thread_when_the_interval_is_zero(service: NewsService, corpus_copy: Path, tmp_path: Path) -> None:
    updater = LiveUpdater(service, _settings(corpus_copy, tmp_path, feed_interval=0)).start()
    assert updater._thread is None
    updater.stop()
