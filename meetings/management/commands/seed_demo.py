from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from meetings import services
from meetings.domain import MeetingNotFound, Status, Viewer, utcnow

DEMO_USERS = [
    # username, password, is_staff
    ("demo", "demo-password", False),
    ("admin", "admin-password", True),
]
DEMO_MEETINGS = [
    ("demo-weekly-sync", "Weekly sync", Status.SCHEDULED, 2),
    ("demo-design-review", "Design review", Status.UPLOADED, -1),
    ("demo-customer-call", "Customer call", Status.COMPLETED, -3),
]


class Command(BaseCommand):
    help = "Create the demo users and meetings, if they do not exist yet."

    def handle(self, *args, **options) -> None:
        owner = None
        for username, password, is_staff in DEMO_USERS:
            user = self._ensure_user(username, password, is_staff)
            owner = owner or user
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
                    "scheduled_start": (utcnow() + timedelta(days=days)).replace(
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
