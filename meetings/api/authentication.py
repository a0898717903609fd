"""Bearer authentication that loads each user at most once every few seconds.

simplejwt's JWTAuthentication queries the user on every request: with
CONN_MAX_AGE=0 that is a database connection opened, queried and closed, a
large part of a GET's time in the server (docs/performance.md, "REST API").
This class keeps each loaded user for API_USER_CACHE_SECONDS in the process,
and checks every request as simplejwt does (the user exists and is active, and
the token was issued for the current password) against that copy. A change to
the user saved in another process (deactivation, a new password, other
permissions) is seen here within API_USER_CACHE_SECONDS; one saved in this
process at once, since saving a user, their permissions or groups empties the
cache. 0 turns it off.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

# Past this many, expired entries are dropped before another is added.
MAX_CACHED_USERS = 10_000


class CachedUserJWTAuthentication(JWTAuthentication):
    """JWTAuthentication with each user loaded at most every API_USER_CACHE_SECONDS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.API_USER_CACHE_SECONDS > 0:
            # simplejwt's get_user runs its checks on what user_model.objects
            # returns: give it the cache in the model's place.
            self.user_model = _CACHED_USERS


class _CachedUsers:
    """Stand in for the user model in JWTAuthentication.get_user."""

    # The clock entries age by, as SimpleRateThrottle's; tests set their own.
    timer = time.monotonic

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[Any, tuple[float, Any]] = {}

    @property
    def model(self):
        return get_user_model()

    @property
    def DoesNotExist(self) -> type[Exception]:
        return self.model.DoesNotExist

    @property
    def objects(self) -> _CachedUsers:
        return self

    def get(self, **lookup: Any) -> Any:
        """Return the user matching lookup, from the cache while it is fresh."""
        ((field, value),) = lookup.items()
        now = self.timer()
        with self._lock:
            cached = self._users.get((field, value))
        if cached is not None and cached[0] > now:
            return cached[1]
        user = self.model.objects.get(**lookup)
        with self._lock:
            if len(self._users) >= MAX_CACHED_USERS:
                self._users = {k: v for k, v in self._users.items() if v[0] > now}
            self._users[(field, value)] = (now + settings.API_USER_CACHE_SECONDS, user)
        return user

    def clear(self, **kwargs: Any) -> None:
        with self._lock:
            self._users.clear()


_CACHED_USERS = _CachedUsers()

# Saving a user, their permissions or their groups, or a group's permissions,
# in this process: forget every cached user, so the change applies at once here.
post_save.connect(_CACHED_USERS.clear, sender=settings.AUTH_USER_MODEL)
post_delete.connect(_CACHED_USERS.clear, sender=settings.AUTH_USER_MODEL)
m2m_changed.connect(_CACHED_USERS.clear)
post_save.connect(_CACHED_USERS.clear, sender=Group)


class CachedUserJWTScheme(SimpleJWTScheme):
    """Describe the bearer scheme in OpenAPI as simplejwt's own."""

    target_class = CachedUserJWTAuthentication
