"""A tick's changes, grouped once: each list feed sees what the rule lets it."""

import uuid

import pytest

from events.planner import TickChanges
from meetings.domain import Access, Change, Viewer, utcnow

NOW = utcnow()
CHANGES = [
    Change(uuid.uuid4(), 2, owner, False, NOW) for owner in ("1", "2", "1", "3", "2")
]


@pytest.mark.parametrize(
    "viewer",
    [
        Viewer("1"),
        Viewer("2", reach=frozenset({Access.CHANGE})),
        Viewer("4"),
        Viewer("3", reach=frozenset({Access.VIEW})),
        Viewer("5", reach=frozenset(Access)),
    ],
)
def test_a_viewer_is_given_exactly_what_may_with_owner_lets_them_see(viewer):
    seen = TickChanges(CHANGES).seen_by(viewer)
    assert seen == [
        c for c in CHANGES if viewer.may_with_owner(Access.VIEW, c.owner_id)
    ]
