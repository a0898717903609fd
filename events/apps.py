"""The events app: the live status streams."""

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        from meetings.signals import meeting_written

        from .broker import wake_watchers

        # A write made through this process wakes its watchers at once.
        meeting_written.connect(wake_watchers, dispatch_uid="events.wake_watchers")
