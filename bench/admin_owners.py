"""How fast the admin's owner search answers among many users, in process.

    .venv/bin/python -m bench.admin_owners
    .venv/bin/python -m bench.admin_owners --users 10000 --requests 200 --json var/bench/admin-owners.json

Creates --users users (user00000, …; every 50th deactivated) on a scratch
SQLite database (or on --database-url), logs a superuser in with Django's test
client, and times --requests requests of each kind through the whole Django
stack (middleware, the admin's login check, the view, the ORM): the owner
search the autocomplete asks (a common prefix, one user, nobody, a deep page,
an e-mail address, no term), the changelist's owner filter searched without
JavaScript, and the add form. It prints the median, p95 and the slowest in
milliseconds, beside GET /healthz as the floor of a request in this process.
The target (issue 20): every search under 300 ms.
"""

from __future__ import annotations

import os
import statistics
import time

from bench import cli
from bench.harness import WORK_DIR

OWNERS = "/admin/meetings/meetingrecord/owners/"
KINDS = {
    "floor: GET /healthz": ("/healthz", {}),
    "search, a common prefix (page 1)": (OWNERS, {"term": "user0", "active": "1"}),
    "search, one user": (OWNERS, {"term": "user04321", "active": "1"}),
    "search, nobody (every row read)": (OWNERS, {"term": "nobody", "active": "1"}),
    "search, page 100 of a prefix": (OWNERS, {"term": "user", "page": "100"}),
    "search, an e-mail address": (OWNERS, {"term": "person04321@"}),
    "search, no term (everyone)": (OWNERS, {}),
    "changelist, filter searched by username": (
        "/admin/meetings/meetingrecord/",
        {"owner_username": "user042"},
    ),
    "add form": ("/admin/meetings/meetingrecord/add/", {}),
}


def setup(users: int, database_url: str | None) -> None:
    """Configure Django on a scratch database with users, and the memory store."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    database = WORK_DIR / "admin-owners.sqlite3"
    database.unlink(missing_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url or f"sqlite:///{database}",
            "MEETINGS_STORE": "meetings.store.memory",
            "DJANGO_SECURE_COOKIES": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from meetings import services

    call_command("migrate", verbosity=0)
    services.ensure_store()
    user_model = get_user_model()
    user_model.objects.all().delete()
    password = make_password("pw-12345678")
    user_model.objects.bulk_create(
        (
            user_model(
                username=f"user{n:05}",
                email=f"person{n:05}@example.com",
                password=password,
                is_active=n % 50 != 0,
            )
            for n in range(users)
        ),
        batch_size=1000,
    )
    user_model.objects.create_superuser("bench-admin", password="pw-12345678")


def time_kind(client, path: str, params: dict, requests: int) -> list[float]:
    """Return the seconds each of requests GETs of path took, after a warm-up."""
    for _ in range(5):
        assert client.get(path, params).status_code == 200, path
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, params)
        took.append(time.perf_counter() - started)
        assert response.status_code == 200, path
    return took


def main() -> None:
    parser = cli.parser(__doc__, requests=200)
    parser.add_argument("--users", type=int, default=10_000, help="users to create")
    parser.add_argument(
        "--database-url", help="a database other than a scratch SQLite file"
    )
    args = parser.parse_args()
    setup(args.users, args.database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    # Plain static names, as in the tests: no collectstatic manifest needed.
    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    override_settings(STORAGES={"staticfiles": {"BACKEND": plain}}).enable()
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    rows = [["request", "p50 ms", "p95 ms", "max ms"]]
    figures = {}
    for kind, (path, params) in KINDS.items():
        took = sorted(time_kind(client, path, params, args.requests))
        p50, p95 = statistics.median(took), took[int(0.95 * (len(took) - 1))]
        figures[kind] = {"p50": p50, "p95": p95, "max": took[-1]}
        rows.append([kind, cli.ms(p50), cli.ms(p95), cli.ms(took[-1])])
    print(f"\n== admin owner search, {args.users:,} users, {args.requests} each ==")
    cli.print_table(rows)
    cli.write_json(args.json, {"args": vars(args), **figures})


if __name__ == "__main__":
    main()
