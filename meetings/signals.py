"""The signal the use cases send once a write to a meeting has committed.

meeting_written is sent by meetings.services after the store accepted a create,
an update or a delete, in the thread that made it, with meeting= (the meeting as
stored, or as it was before a delete) and deleted= (True for a delete). What
follows a write in this process listens: the live streams wake their watchers
of that meeting at once (events/broker.py). Nothing else depends on it: other
processes learn the change from the change index, so a receiver that fails or
misses a write delays nothing beyond the next read of that index.
"""

from django.dispatch import Signal

meeting_written = Signal()
