"""Who may do what with meetings."""

from __future__ import annotations

from meetings.domain import Viewer


def viewer_for(user) -> Viewer:
    """Return the viewer for an authenticated Django user (or token user)."""
    return Viewer(user_id=str(user.pk), is_staff=bool(user.is_staff))
