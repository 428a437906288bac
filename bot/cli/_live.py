"""Live news from the command line: `add URL|PATH...`, `follow FEED_URL`, `unfollow FEED_URL`,
`feeds [--import FILE.opml | --export FILE.opml]` and `poll`.

Articles and the feed list live in the corpus folder (index.LiveCorpus); after adding, the index is
brought up to date so the next question sees the new articles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.errors import NewsbotError, SettingsError
from bot.live import fetch_policy
from bot.settings import Settings
from index import (
    FeedError,
    FeedState,
    Fetcher,
    LiveCorpus,
    add_sources,
    atomic_write_text,
    check_url,
    parse_feed,
    poll_feeds,
    read_opml,
    write_opml,
)

from ._common import add_common_args, open_service, say

EXIT_FAILED = 1


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    add = sub.add_parser("add", help="add articles from web pages (URLs) or files (.html, .txt, .md) to the corpus")
    add_common_args(add)
    add.add_argument("sources", nargs="+", metavar="URL|PATH", help="a web page's URL, or a file")
    add.set_defaults(func=cmd_add)

    follow = sub.add_parser("follow", help="follow an RSS or Atom feed (its new articles are added by `poll`)")
    add_common_args(follow)
    follow.add_argument("url", metavar="FEED_URL")
    follow.add_argument("--no-check", action="store_true", help="follow without fetching the feed first")
    follow.set_defaults(func=cmd_follow)

    unfollow = sub.add_parser("unfollow", help="stop following a feed (its articles stay in the corpus)")
    add_common_args(unfollow)
    unfollow.add_argument("url", metavar="FEED_URL")
    unfollow.set_defaults(func=cmd_unfollow)

    feeds = sub.add_parser("feeds", help="the followed feeds: last fetch, articles, errors; OPML import and export")
    add_common_args(feeds)
    group = feeds.add_mutually_exclusive_group()
    group.add_argument("--import", dest="import_file", type=Path, metavar="FILE.opml",
                       help="follow every feed of an OPML file")
    group.add_argument("--export", dest="export_file", metavar="FILE.opml",
                       help="write the followed feeds as OPML ('-' = stdout)")
    feeds.set_defaults(func=cmd_feeds)

    poll = sub.add_parser("poll", help="fetch every followed feed once, add the new articles, update the index")
    add_common_args(poll)
    poll.set_defaults(func=cmd_poll)


def _index(settings: Settings) -> None:
    """Bring the index up to date with the corpus (it says what changed)."""
    open_service(settings)


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    with LiveCorpus(settings.corpus) as live, Fetcher(fetch_policy(settings)) as fetcher:
        outcomes = add_sources(live, fetcher, args.sources)
    for outcome in outcomes:
        print(outcome.line())
    if any(o.status == "added" for o in outcomes):
        _index(settings)
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else 0


def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    url = str(check_url(args.url))
    title: str | None = None
    items = None
    if not args.no_check:
        with Fetcher(fetch_policy(settings)) as fetcher:
            result = fetcher.get(url)
        feed = parse_feed(result.content, result.url, result.content_type)
        title, items = feed.title, len(feed.items)
    with LiveCorpus(settings.corpus) as live:
        if not live.follow(url, title):
            print(f"already following {url}")
            return 0
    about = ", ".join(x for x in (title, f"{items} items now" if items is not None else None) if x)
    print(f"following {url}" + (f" ({about})" if about else "") + "; `newsbot poll` adds its articles")
    return 0


def cmd_unfollow(args: argparse.Namespace, settings: Settings) -> int:
    with LiveCorpus(settings.corpus) as live:
        url = live.unfollow(args.url)
    print(f"no longer following {url} (its articles stay in the corpus)")
    return 0


def feed_lines(feeds: list[FeedState]) -> list[str]:
    """Two lines a feed: its URL and title, then its last fetch, articles and errors."""
    lines = []
    for f in feeds:
        lines.append(f.url + (f"  {f.title}" if f.title else ""))
        last = f"last fetch {f.last_fetch}" if f.last_fetch else "never fetched"
        status = (f"  {last}; {f.articles} articles; {f.errors} errors in {f.fetches} fetches; "
                  f"{f.item_errors} pages not taken; {f.pending} pending")
        if f.last_error and (f.last_ok is None or (f.last_fetch or "") > f.last_ok):
            status += f"; last error: {f.last_error}"
        lines.append(status)
    return lines


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    if args.import_file is not None:
        try:
            data = args.import_file.read_bytes()
        except OSError as exc:
            raise SettingsError(f"cannot read {args.import_file}: {exc.strerror}") from None
        feeds = read_opml(data)
        if not feeds:
            raise FeedError(f"no feed in {args.import_file} (no outline with an xmlUrl)")
        added = refused = 0
        with LiveCorpus(settings.corpus) as live:
            for url, title in feeds:
                try:
                    check_url(url)
                except NewsbotError as exc:
                    say(f"not following {url}: {exc}")
                    refused += 1
                    continue
                added += live.follow(url, title)
        print(f"imported {added} feeds from {args.import_file} "
              f"({len(feeds) - added - refused} already followed, {refused} refused)")
        return 0
    with LiveCorpus(settings.corpus) as live:
        feeds_now = live.feeds()
    if args.export_file is not None:
        opml = write_opml([(f.url, f.title) for f in feeds_now])
        if args.export_file == "-":
            sys.stdout.write(opml)
        else:
            atomic_write_text(Path(args.export_file), opml)
            say(f"exported {len(feeds_now)} feeds to {args.export_file}")
        return 0
    if not feeds_now:
        print("no feeds followed (newsbot follow FEED_URL, or newsbot feeds --import FILE.opml)")
        return 0
    print("\n".join(feed_lines(feeds_now)))
    return 0


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    with LiveCorpus(settings.corpus) as live, Fetcher(fetch_policy(settings)) as fetcher:
        if not live.feeds():
            print("no feeds followed (newsbot follow FEED_URL)")
            return 0
        report = poll_feeds(live, fetcher, workers=settings.poll_workers)
    print(report.line())
    if report.added:
        _index(settings)
    return EXIT_FAILED if report.all_feeds_failed else 0
