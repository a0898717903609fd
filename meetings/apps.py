from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .store.schema import publish_capacity_budget

        publish_capacity_budget()
