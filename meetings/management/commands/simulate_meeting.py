import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from meetings import services
from meetings.domain import MeetingError, Status, Viewer
from meetings.repository import get_repository

# The demo's path to completion, from wherever the meeting is.
PATH = {
    Status.SCHEDULED: [Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING],
    Status.IN_PROGRESS: [Status.UPLOADED, Status.PROCESSING],
    Status.UPLOADED: [Status.PROCESSING],
    Status.FAILED: [Status.PROCESSING],
    Status.PROCESSING: [],
    Status.COMPLETED: [],
}
STAFF = Viewer(user_id="simulate_meeting", is_staff=True)


class Command(BaseCommand):
    help = (
        "Walk a meeting through uploaded → processing (progress 0→100) → completed "
        "over about a minute, so the live pages can be watched updating."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("meeting_id", type=uuid.UUID)
        parser.add_argument(
            "--seconds", type=float, default=60.0, help="Total duration (default 60)."
        )
        parser.add_argument(
            "--steps", type=int, default=10, help="Progress updates while processing."
        )

    def handle(
        self, *args, meeting_id: uuid.UUID, seconds: float, steps: int, **options
    ):
        repository = get_repository()
        try:
            meeting = services.get_meeting(repository, STAFF, meeting_id)
        except MeetingError as error:
            raise CommandError(error.message) from error
        if meeting.status == Status.COMPLETED:
            raise CommandError("The meeting is already completed.")
        pause = seconds / (len(PATH[meeting.status]) + steps + 1)
        for status in PATH[meeting.status]:
            self._update(meeting_id, {"status": status, "status_message": ""}, pause)
        for step in range(1, steps + 1):
            progress = round(100 * step / (steps + 1))
            message = f"Transcribing… {progress}%"
            self._update(
                meeting_id, {"progress": progress, "status_message": message}, pause
            )
        self._update(
            meeting_id, {"status": Status.COMPLETED, "status_message": "Done"}, 0
        )
        self.stdout.write(self.style.SUCCESS("Completed."))

    def _update(self, meeting_id: uuid.UUID, changes: dict, pause: float) -> None:
        meeting = services.update_meeting(get_repository(), STAFF, meeting_id, changes)
        self.stdout.write(
            f"v{meeting.version}  {meeting.status.label:12} {meeting.progress:3}%  "
            f"{meeting.status_message}"
        )
        time.sleep(pause)
