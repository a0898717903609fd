"""Bearer authentication: each user loaded at most every API_USER_CACHE_SECONDS."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.tokens import RefreshToken

from meetings.api import authentication
from meetings.api.authentication import CachedUserJWTAuthentication

pytestmark = pytest.mark.orm


@pytest.fixture
def clock():
    """A monotonic clock the test moves by hand, the user cache's timer."""
    now = [1000.0]
    authentication._CACHED_USERS.timer = lambda: now[0]
    yield now
    del authentication._CACHED_USERS.timer


@pytest.fixture(autouse=True)
def empty_cache():
    authentication._CACHED_USERS.clear()
    yield
    authentication._CACHED_USERS.clear()


def authenticate(user_or_token):
    token = user_or_token
    if not isinstance(token, str):
        token = str(RefreshToken.for_user(user_or_token).access_token)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    return CachedUserJWTAuthentication().authenticate(request)[0]


def test_a_user_is_loaded_once_while_fresh(alice, clock, django_assert_num_queries):
    token = str(RefreshToken.for_user(alice).access_token)
    with django_assert_num_queries(1):
        assert authenticate(token).pk == alice.pk
    clock[0] += 4.9
    with django_assert_num_queries(0):
        assert authenticate(token).pk == alice.pk
    clock[0] += 0.2
    with django_assert_num_queries(1):
        authenticate(token)


def test_zero_seconds_loads_the_user_on_every_request(
    alice, settings, django_assert_num_queries
):
    settings.API_USER_CACHE_SECONDS = 0
    token = str(RefreshToken.for_user(alice).access_token)
    for _ in range(2):
        with django_assert_num_queries(1):
            authenticate(token)


def test_a_change_saved_in_this_process_applies_at_once(alice, clock):
    token = str(RefreshToken.for_user(alice).access_token)
    authenticate(token)
    alice.is_active = False
    alice.save()
    with pytest.raises(AuthenticationFailed):
        authenticate(token)


def test_a_change_saved_elsewhere_applies_within_the_bound(alice, clock):
    token = str(RefreshToken.for_user(alice).access_token)
    authenticate(token)
    # As another process would: no signal reaches this one.
    get_user_model().objects.filter(pk=alice.pk).update(password="changed")
    assert authenticate(token).pk == alice.pk
    clock[0] += 5.1
    with pytest.raises(AuthenticationFailed) as refused:
        authenticate(token)
    assert "password has been changed" in str(refused.value.detail)


def test_the_cached_user_is_still_checked_on_every_request(alice, clock):
    """A token for an old password fails even when its user is in the cache."""
    old = str(RefreshToken.for_user(alice).access_token)
    alice.set_password("a-new-password-42")
    alice.save()
    authenticate(alice)
    with pytest.raises(AuthenticationFailed):
        authenticate(old)
