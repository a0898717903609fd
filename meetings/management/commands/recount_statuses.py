"""The recount_statuses command: count meetings per status again."""

from django.core.management.base import BaseCommand

from meetings import services


class Command(BaseCommand):
    help = (
        "Count meetings per status with a full Scan and store the counts. Writes "
        "keep them current; run this after importing data or restoring a backup."
    )

    def handle(self, *args, **options) -> None:
        counts = services.recount_statuses()
        for status, count in counts.items():
            self.stdout.write(f"  {status.label:12} {count}")
