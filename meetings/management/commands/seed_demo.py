"""Seed the demo: its user, its meetings, and its superuser when asked."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from meetings import services
from meetings.domain import MeetingNotFound, Status, Viewer, utcnow

DEMO_USER = ("demo", "demo-password")
# Anyone who reads the README knows this password: only on request, or in DEBUG.
DEMO_SUPERUSER = ("admin", "admin-password")
DEMO_MEETINGS = [
    ("demo-weekly-sync", "Weekly sync", Status.SCHEDULED, 2),
    ("demo-design-review", "Design review", Status.UPLOADED, -1),
    ("demo-customer-call", "Customer call", Status.COMPLETED, -3),
]


class Command(BaseCommand):
    help = (
        "Create the demo user and meetings, if they do not exist yet, and the "
        "demo superuser with --with-superuser or when DEBUG is on."
    )
    # The clock the demo schedule is set by; tests set their own.
    clock = staticmethod(utcnow)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--with-superuser",
            action="store_true",
            help=f"Also create the superuser {DEMO_SUPERUSER[0]} (DEBUG does too).",
        )

    def handle(self, *args, with_superuser: bool, **options) -> None:
        owner = self._ensure_user(*DEMO_USER, is_staff=False)
        if with_superuser or settings.DEBUG:
            self._ensure_user(*DEMO_SUPERUSER, is_staff=True)
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"  Skipped the superuser {DEMO_SUPERUSER[0]}: its password is "
                    "public and DEBUG is off. Run `manage.py seed_demo "
                    "--with-superuser` to create it anyway."
                )
            )
        viewer = services.viewer_for(owner)
        for key, title, status, days in DEMO_MEETINGS:
            try:
                meeting = services.get_meeting(
                    viewer, services.meeting_id_for_key(str(owner.pk), key)
                )
            except MeetingNotFound:
                pass
            else:
                self.stdout.write(f"  meeting {meeting.id}  {meeting.title}")
                continue
            meeting = services.create_meeting(
                str(owner.pk),
                {
                    "title": title,
                    "scheduled_start": (self.clock() + timedelta(days=days)).replace(
                        minute=0, second=0, microsecond=0
                    ),
                    "duration_minutes": 45,
                    "participants": ["alice@example.com", "bob@example.com"],
                },
                idempotency_key=key,
            )
            if status != Status.SCHEDULED:
                self._walk_to(viewer, meeting, status)
            self.stdout.write(f"  meeting {meeting.id}  {title}")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))

    def _ensure_user(self, username: str, password: str, is_staff: bool):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"is_staff": is_staff, "is_superuser": is_staff},
        )
        if created:
            user.set_password(password)
            user.save()
        self.stdout.write(
            f"  user {username} / {password}" + (" (staff)" if is_staff else "")
        )
        return user

    def _walk_to(self, viewer: Viewer, meeting, status: Status) -> None:
        path = [
            Status.IN_PROGRESS,
            Status.UPLOADED,
            Status.PROCESSING,
            Status.COMPLETED,
        ]
        for step in path[: path.index(status) + 1]:
            services.update_meeting(viewer, meeting.id, {"status": step})
