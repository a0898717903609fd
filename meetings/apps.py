"""The meetings app: the domain, its services, store and doors."""

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .store.dynamodb.client import publish_capacity_budget

        publish_capacity_budget()
