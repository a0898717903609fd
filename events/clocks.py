"""The clocks a stream's loops read, as attributes that tests replace."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from meetings.domain import utcnow


class Clocks:
    """timer: monotonic seconds, for intervals; now: the wall clock, for the
    change index and the revocation feed. A class's defaults, which an
    instance made with others keeps as its own."""

    timer: Callable[[], float] = staticmethod(time.monotonic)
    now: Callable[[], datetime] = staticmethod(utcnow)

    def use_clocks(
        self,
        timer: Callable[[], float] | None,
        now: Callable[[], datetime] | None,
    ) -> None:
        if timer is not None:
            self.timer = timer
        if now is not None:
            self.now = now
