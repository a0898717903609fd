"""Per-user quotas, counted in the cache that every instance shares.

A quota is "N/period" (`s`, `min`, `hour` or `day`, DRF's syntax): N uses
in any period are allowed, and the next is refused with the seconds until the
oldest of them leaves the period. Django's default cache is the database
(settings.CACHES), so the count holds across instances; an in-process counter
would let each instance allow N.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "min": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int
    period: int

    @classmethod
    def parse(cls, name: str, rate: str) -> Quota:
        """Return the quota a rate such as "60/min" names."""
        count, _, period = rate.partition("/")
        if not count.isdigit() or period not in PERIODS or int(count) < 1:
            raise ImproperlyConfigured(
                f"{name} quota {rate!r} is not N/s, N/min, N/hour or N/day."
            )
        return cls(name, int(count), PERIODS[period])

    def take(self, holder: str) -> int | None:
        """Count one use by holder; return the seconds to wait if over the quota.

        The cache keeps each holder's uses of the last period (a sliding log,
        as DRF's throttles keep), so a burst across a window's edge cannot
        double the quota. Two instances counting the same holder at the same
        instant may both allow the last use: a quota, not a lock.
        """
        now = time.time()
        key = f"quota:{self.name}:{holder}"
        uses = [t for t in cache.get(key, []) if t > now - self.period]
        if len(uses) >= self.limit:
            return max(1, math.ceil(uses[0] + self.period - now))
        uses.append(now)
        cache.set(key, uses, timeout=self.period)
        return None
