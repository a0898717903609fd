"""Access to meetings: who is asking, and what they may do with whose meetings."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .meeting import Meeting


class Access(enum.StrEnum):
    """What someone does with a meeting; owners may do all of it with their own."""

    VIEW = "view"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True)
class Viewer:
    """Who is asking, and what they may do with other users' meetings (reach).

    Enough to decide access without touching the database; services.viewer_for
    builds it from the user's permissions.
    """

    user_id: str
    reach: frozenset[Access] = frozenset()

    def may(self, access: Access, meeting: Meeting) -> bool:
        """Return whether this viewer may do access with meeting."""
        return self.may_with_owner(access, meeting.owner_id)

    def may_with_owner(self, access: Access, owner_id: str) -> bool:
        """Return whether this viewer may do access with a meeting of owner_id.

        For what names only the owner, such as an entry of the change index.
        """
        return owner_id == self.user_id or access in self.reach

    @property
    def sees_everyone(self) -> bool:
        """Return whether listings show everyone's meetings, not only their own."""
        return Access.VIEW in self.reach

    def covers(self, other: Viewer) -> bool:
        """Return whether this viewer may do at least all that other may."""
        return self.user_id == other.user_id and self.reach >= other.reach
