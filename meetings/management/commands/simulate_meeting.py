"""Walk a meeting to completed, slowly, so the live pages can be watched."""

import time
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meetings import services
from meetings.domain import Access, MeetingError, Status, Viewer

# The demo's path to processing, from wherever the meeting is.
PATH = {
    Status.SCHEDULED: [Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING],
    Status.IN_PROGRESS: [Status.UPLOADED, Status.PROCESSING],
    Status.UPLOADED: [Status.PROCESSING],
    Status.FAILED: [Status.PROCESSING],
    Status.PROCESSING: [],
}
# Writes as staff would, so any meeting can be simulated.
STAFF = Viewer(user_id="simulate_meeting", reach=frozenset(Access))


class Command(BaseCommand):
    help = (
        "Walk a meeting through uploaded → processing (progress 0→100) → completed "
        "over about a minute, so the live pages can be watched updating."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("meeting_id", type=uuid.UUID)
        parser.add_argument(
            "--seconds",
            type=float,
            default=60.0,
            help="About how long the walk takes (default 60; 0 for no pauses).",
        )
        parser.add_argument(
            "--steps",
            type=int,
            default=10,
            help="How many progress reports while processing (default 10).",
        )

    def handle(
        self, *args, meeting_id: uuid.UUID, seconds: float, steps: int, **options
    ) -> None:
        if seconds < 0 or steps < 0:
            raise CommandError("--seconds and --steps cannot be negative.")
        try:
            meeting = services.get_meeting(STAFF, meeting_id)
        except MeetingError as error:
            raise CommandError(error.message) from error
        if meeting.status == Status.COMPLETED:
            raise CommandError("The meeting is already completed.")
        transitions = PATH[meeting.status]
        # A meeting already processing goes on from where it is.
        start = 0 if transitions else meeting.progress
        reports = [
            progress
            for step in range(1, steps + 1)
            if (progress := round(100 * step / (steps + 1))) > start
        ]
        pause = seconds / (len(transitions) + len(reports) + 1)
        self.stdout.write(f"Simulating “{meeting.title}” from {meeting.status.label}.")
        for status in transitions:
            self._update(meeting_id, {"status": status, "status_message": ""}, pause)
        for progress in reports:
            message = f"Transcribing… {progress}%"
            self._update(
                meeting_id, {"progress": progress, "status_message": message}, pause
            )
        self._update(
            meeting_id, {"status": Status.COMPLETED, "status_message": "Done"}, 0
        )
        self.stdout.write(self.style.SUCCESS("Completed."))

    def _update(self, meeting_id: uuid.UUID, changes: dict, pause: float) -> None:
        try:
            meeting = services.update_meeting(STAFF, meeting_id, changes)
        except MeetingError as error:
            # Deleted, or moved on by someone else, while the walk was going.
            raise CommandError(error.message) from error
        self.stdout.write(
            f"v{meeting.version:<4} {meeting.status.label:12} {meeting.progress:3}%  "
            f"{meeting.status_message}"
        )
        if pause:
            time.sleep(pause)
