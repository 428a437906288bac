"""`newsbot index [--force]`: build (or rebuild) the index explicitly."""

from __future__ import annotations

import argparse
from typing import Any

from bot.settings import Settings
from index import wait_for_merges

from ._common import add_common_args, open_service, say


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    index = sub.add_parser("index", help="build (or rebuild) the index explicitly")
    add_common_args(index)
    index.add_argument("--force", action="store_true", help="rebuild even when the index is current")
    index.set_defaults(func=cmd_index)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    service = open_service(settings, force=args.force)
    if service.build_report is None:
        say(f"index is current: {service.article_count():,} articles, "
            f"{service.sentence_count():,} sentences (use --force to rebuild)")
    wait_for_merges()  # segments merged now, not left to the next process
    return 0
