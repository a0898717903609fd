"""The devserver command: the whole app for development in one command."""

import signal
import sys
from urllib.parse import urlsplit

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from meetings.store.local import DynamoDBLocal, DynamoDBLocalError, is_listening

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DYNAMODB_STORE = "meetings.store.dynamodb"


class Command(BaseCommand):
    # What serves the app until Ctrl-C; a test passes a fake.
    serve = staticmethod(uvicorn.run)
    help = (
        "Run meetstream for development: DynamoDB Local on disk under var/, "
        "migrations, the table, demo data, and uvicorn. Ctrl-C stops it all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Skip demo data.")

    def handle(self, *args, host: str, port: int, no_demo: bool, **options) -> None:
        # uvicorn re-raises the signal that stopped it; make SIGTERM unwind like
        # Ctrl-C does, so the finally block below stops DynamoDB Local.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        dynamodb = self._start_dynamodb_local()
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("ensure_table")
            call_command("recount_statuses", verbosity=0)
            # The search index follows writes; this covers what is stored.
            call_command("rebuild_search_index", verbosity=0)
            if not no_demo:
                # The local demo: README promises admin / admin-password.
                call_command("seed_demo", with_superuser=True)
            self.stdout.write(
                self.style.SUCCESS(
                    f"meetstream is at http://{host}:{port}/ (Ctrl-C stops)"
                )
            )
            # The project's ASGI app, whose lifespan drains streams on Ctrl-C. A
            # developer watches the requests go by; production leaves it to nginx.
            self.serve(
                import_string(settings.ASGI_APPLICATION),
                host=host,
                port=port,
                access_log=True,
                **settings.ASGI_SERVER_OPTIONS,
            )
        finally:
            if dynamodb is not None:
                self.stdout.write("Stopping DynamoDB Local...")
                dynamodb.stop()

    def _start_dynamodb_local(self) -> DynamoDBLocal | None:
        if settings.MEETINGS_STORE != DYNAMODB_STORE:
            self.stdout.write(
                f"Meetings are kept by {settings.MEETINGS_STORE}: no DynamoDB to "
                "start, and nothing is kept after Ctrl-C."
            )
            return None
        endpoint = urlsplit(settings.DYNAMODB_ENDPOINT_URL)
        if endpoint.hostname not in LOCAL_HOSTS or not endpoint.port:
            return None  # A real or remote DynamoDB: nothing to start.
        if is_listening(endpoint.port):
            self.stdout.write(f"Using the DynamoDB already on port {endpoint.port}.")
            return None
        var = settings.BASE_DIR / "var"
        dynamodb = DynamoDBLocal(
            endpoint.port, db_path=var / "dynamodb", log_path=var / "dynamodb.log"
        )
        self.stdout.write(
            f"Starting DynamoDB Local on port {endpoint.port} "
            "(it listens on all interfaces; data in var/dynamodb)..."
        )
        try:
            return dynamodb.start()
        except DynamoDBLocalError as error:
            raise CommandError(str(error)) from error


def _exit_on_signal(signum, frame) -> None:
    sys.exit(128 + signum)
