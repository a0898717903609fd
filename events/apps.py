"""The events app: the live status streams."""

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
