"""One object per running event loop: a server process has one loop, tests many."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, ItemsView, ValuesView


class PerLoop[T]:
    """Make and keep one T for each event loop that asks, forgetting closed loops."""

    def __init__(self, factory: Callable[[], T]):
        self._factory = factory
        self._objects: dict[asyncio.AbstractEventLoop, T] = {}

    def get(self) -> T:
        """Return the running loop's object, made on its first use."""
        loop = asyncio.get_running_loop()
        found = self._objects.get(loop)
        if found is None:
            for stale in [other for other in self._objects if other.is_closed()]:
                del self._objects[stale]
            found = self._objects[loop] = self._factory()
        return found

    def items(self) -> ItemsView[asyncio.AbstractEventLoop, T]:
        return self._objects.items()

    def values(self) -> ValuesView[T]:
        return self._objects.values()
