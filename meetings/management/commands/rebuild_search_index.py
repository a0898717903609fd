"""The rebuild_search_index command: the whole table into the search index."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import indexing, services
from meetings.indexing.rebuild import PAGE_SIZE

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Read every meeting from the table, a Scan page at a time, into the search "
        "index. Stopped (Ctrl-C, --pages), it resumes where it was; --restart "
        "starts over. Writes made meanwhile are kept: an entry replaces only an "
        "older one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Start over instead of resuming an unfinished rebuild.",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Empty the index first when starting afresh (searches find less "
            "until the rebuild ends); else entries of meetings gone stay until "
            "reconciled, dropped from results meanwhile.",
        )
        parser.add_argument(
            "--pages",
            type=int,
            default=None,
            help="Stop after this many pages (resume later).",
        )
        parser.add_argument(
            "--page-size",
            type=int,
            default=PAGE_SIZE,
            help=f"Items read per Scan call (default {PAGE_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["page_size"] < 1 or (options["pages"] or 1) < 1:
            raise CommandError("--pages and --page-size must be at least 1.")
        total = sum(services.status_counts().values())
        started = time.monotonic()
        tty = self.stdout.isatty()

        def show(progress: dict[str, Any]) -> None:
            self.stdout.write(
                bar(progress, total, time.monotonic() - started),
                ending="\r" if tty and not progress["done"] else "\n",
            )

        try:
            progress = indexing.rebuild(
                restart=options["restart"],
                clear=options["clear"],
                page_size=options["page_size"],
                max_pages=options["pages"],
                on_page=show if options["verbosity"] else None,
            )
        except indexing.RebuildError as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            self.stdout.write("\nStopped; run the command again to resume.")
            return
        if not options["verbosity"]:
            return
        if progress["done"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rebuilt the search index: {progress['entries']:,} meetings "
                    f"in {progress['pages']:,} pages."
                )
            )
        else:
            self.stdout.write("Paused; run the command again to resume.")


def bar(progress: dict[str, Any], total: int, seconds: float) -> str:
    """Return one line of progress: a bar against total, counts and the rate."""
    entries = progress["entries"]
    share = 1.0 if progress["done"] else min(entries / total, 1.0) if total else 0.0
    filled = round(share * BAR_WIDTH)
    rate = entries / seconds if seconds > 0 else 0.0
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} "
        f"{entries:,}/{total:,} meetings, {progress['pages']:,} pages, "
        f"{rate:,.0f}/s"
    )
