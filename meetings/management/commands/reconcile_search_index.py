"""The reconcile_search_index command: repair the search index from the change index."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import indexing
from meetings.indexing.follow import DEFAULT_INTERVAL


class Command(BaseCommand):
    help = (
        "Apply to the search index what the change index holds and the index "
        "lacks (a write-through that was lost), one window per pass. Any number "
        "may run: a lease lets one apply each window."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run one pass, then stop."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help=f"Seconds between passes (default {DEFAULT_INTERVAL:g}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval must be more than 0.")
        reconciler = indexing.Reconciler()
        if options["once"]:
            done = reconciler.run_once()
            if done is None:
                self.stdout.write("Another instance holds the lease, or no index.")
            else:
                self.stdout.write(
                    f"{done.changes} changes since {done.since.isoformat()}, "
                    f"{done.repaired} entries repaired."
                )
            return
        try:
            reconciler.run(options["interval"], threading.Event())
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
