"""The accounts app: JWT log-in, refresh, log-out and revocation."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from . import revocation

        revocation.connect()
