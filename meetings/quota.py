"""Per-user quotas, counted atomically in the database every instance shares.

A quota is "N/period" (`s`, `min`, `hour` or `day`, DRF's syntax). Uses are
counted per holder in fixed windows of one period (QuotaWindow rows), and a use
is allowed by one conditional UPDATE, `n = n + 1 WHERE n < cap`, so parallel
requests on any number of threads, processes and instances cannot overshoot:
the database serialises the increments of a row, and each sees the last.

The window slides by weighting two fixed ones (the "sliding window counter"):
a use is allowed while `ceil(previous * time left in this window / period) +
current + 1 <= N`, so the previous window's count fades out over this one and
the estimate, this use included, never passes N. A fixed window alone would
allow N at the end of one window and N again at the start of the next, 2N
within a second; here a burst of N just before an edge still weighs N just
after it, so parallel creates across an edge cannot pass N either. The
weighting assumes the previous window's uses were spread evenly: if they all
came at its very end, up to about 2N can fall within one period, but never in
a burst, only N and then a trickle that grows over the period. The rounding up
costs a steady user at most one use a period, and makes a limit of 1 wait
between one and two periods. The previous window's count is read first, then
the current one is incremented conditionally: once a window has passed nothing
adds to it, so that read is stable.

Rows of windows older than the previous one are deleted on the way: whenever a
holder's first use of a window makes its row, one indexed DELETE of the quota's
old rows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from .models import QuotaWindow

PERIODS = {"s": 1, "min": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int
    period: int
    # The clock, as DRF's throttles have it: tests pass a fake.
    timer: Callable[[], float] = field(default=time.time, compare=False, repr=False)

    @classmethod
    def parse(
        cls, name: str, rate: str, timer: Callable[[], float] = time.time
    ) -> Quota:
        """Return the quota a rate such as "60/min" names."""
        count, _, period = rate.partition("/")
        if not count.isdigit() or period not in PERIODS or int(count) < 1:
            raise ImproperlyConfigured(
                f"{name} quota {rate!r} is not N/s, N/min, N/hour or N/day."
            )
        return cls(name, int(count), PERIODS[period], timer)

    def take(self, holder: str) -> int | None:
        """Count one use by holder; return the seconds to wait if over the quota.

        Refused uses are not counted.
        """
        now = self.timer()
        start = int(now // self.period) * self.period
        rows = QuotaWindow.objects.filter(quota=self.name, holder=holder)
        previous = _count(rows, start - self.period)
        # The previous window weighs by the part of it still within one period.
        weight = (start + self.period - now) / self.period
        cap = self.limit - math.ceil(previous * weight)
        if cap > 0 and self._count_use(rows, start, holder, cap):
            return None
        return self._wait(now, start, previous, _count(rows, start))

    def _count_use(
        self, rows: QuerySet[QuotaWindow], start: int, holder: str, cap: int
    ) -> bool:
        """Add one to holder's count of the window at start unless it reached cap."""
        if rows.filter(window=start, n__lt=cap).update(n=F("n") + 1):
            return True
        if rows.filter(window=start).exists():
            return False
        try:
            with transaction.atomic():
                QuotaWindow.objects.create(
                    quota=self.name, window=start, holder=holder, n=1
                )
        except IntegrityError:
            # Another request made the row meanwhile: count on it instead.
            return bool(rows.filter(window=start, n__lt=cap).update(n=F("n") + 1))
        QuotaWindow.objects.filter(
            quota=self.name, window__lt=start - self.period
        ).delete()
        return True

    def _wait(self, now: float, start: int, previous: int, current: int) -> int:
        """Return the seconds until one more use is allowed, if none comes first."""
        if current < self.limit and previous:
            # In this window, once ceil(previous * weight) <= limit - current - 1.
            weight = (self.limit - current - 1) / previous
            allowed_at = start + self.period * (1 - weight)
        elif current:
            # In the next window, where this one's count is the previous one.
            weight = (self.limit - 1) / current
            allowed_at = start + self.period * (2 - weight)
        else:
            allowed_at = now
        return max(1, math.ceil(allowed_at - now))


def _count(rows: QuerySet[QuotaWindow], start: int) -> int:
    return rows.filter(window=start).values_list("n", flat=True).first() or 0
