"""The ensure_table command: create the meetings table if missing."""

from django.conf import settings
from django.core.management.base import BaseCommand

from meetings import services


class Command(BaseCommand):
    help = "Create the meetings table and its indexes if missing; wait until active."

    def handle(self, *args, **options) -> None:
        created = services.ensure_store()
        if created:
            self.stdout.write(f"Created: {', '.join(created)}")
        self.stdout.write(
            self.style.SUCCESS(f"Table {settings.DYNAMODB_TABLE} is ready.")
        )
