"""The meetings domain: plain Python rules, one concept per module, named here.

It imports neither Django nor boto3, so every layer above it (services, store
backends, the ways in) can share it. As django.db.models does, this package
names the public parts of its modules, so callers import from meetings.domain:

- meeting.py: the Meeting entity, its limits and the rules of changing it;
- lifecycle.py: the statuses and the steps allowed between them;
- text.py: which characters a meeting's free texts may hold;
- errors.py: every error the domain raises;
- access.py: Access and Viewer, who may do what with whose meetings;
- repository.py: the store's contract (Repository, ListQuery, Page, Change,
  ScanPage).
"""

from .access import Access, Viewer
from .errors import (
    CreateQuotaExceeded,
    DuplicateMeeting,
    InvalidChange,
    InvalidCursor,
    InvalidMeeting,
    InvalidTransition,
    MeetingError,
    MeetingNotFound,
    PreconditionFailed,
    StoreThrottled,
    StoreUnavailable,
    VersionConflict,
)
from .lifecycle import ALLOWED_TRANSITIONS, Status
from .meeting import (
    DESCRIPTION_MAX_LENGTH,
    EDITABLE_FIELDS,
    EMAIL_MAX_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_PARTICIPANTS,
    OWNER_ID_MAX_LENGTH,
    PROGRESS_MAX,
    PROGRESS_MIN,
    STATUS_MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Meeting,
    normalise_participants,
    utcnow,
)
from .repository import (
    MAX_CURSOR_LENGTH,
    MAX_PAGE_SIZE,
    MAX_SEARCH_LENGTH,
    Change,
    ListQuery,
    Page,
    Repository,
    ScanPage,
)
from .text import (
    CONTROL_CHARACTERS_MESSAGE,
    INVISIBLE_CHARACTERS_MESSAGE,
    MULTI_LINE_CHARACTERS,
    MULTI_LINE_TEXT,
    ONE_LINE_CHARACTERS,
    ONE_LINE_TEXT,
    text_problem,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CONTROL_CHARACTERS_MESSAGE",
    "DESCRIPTION_MAX_LENGTH",
    "EDITABLE_FIELDS",
    "EMAIL_MAX_LENGTH",
    "INVISIBLE_CHARACTERS_MESSAGE",
    "MAX_CURSOR_LENGTH",
    "MAX_DURATION_MINUTES",
    "MAX_PAGE_SIZE",
    "MAX_PARTICIPANTS",
    "MAX_SEARCH_LENGTH",
    "MULTI_LINE_CHARACTERS",
    "MULTI_LINE_TEXT",
    "ONE_LINE_CHARACTERS",
    "ONE_LINE_TEXT",
    "OWNER_ID_MAX_LENGTH",
    "PROGRESS_MAX",
    "PROGRESS_MIN",
    "STATUS_MESSAGE_MAX_LENGTH",
    "TITLE_MAX_LENGTH",
    "Access",
    "Change",
    "CreateQuotaExceeded",
    "DuplicateMeeting",
    "InvalidChange",
    "InvalidCursor",
    "InvalidMeeting",
    "InvalidTransition",
    "ListQuery",
    "Meeting",
    "MeetingError",
    "MeetingNotFound",
    "Page",
    "PreconditionFailed",
    "Repository",
    "ScanPage",
    "Status",
    "StoreThrottled",
    "StoreUnavailable",
    "VersionConflict",
    "Viewer",
    "normalise_participants",
    "text_problem",
    "utcnow",
]
