"""Retry pauses with "full jitter": racing clients spread out, not collide again."""

from __future__ import annotations

import random
import time


def sleep_with_jitter(attempt: int, base: float, cap: float) -> None:
    """Sleep a random time in [0, min(cap, base * 2**attempt)]."""
    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))
