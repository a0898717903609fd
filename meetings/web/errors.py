"""Domain errors as pages: a missing meeting, an unreachable store."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse

from ..domain import MeetingNotFound, StoreUnavailable
from ..http import retry_after


def domain_errors(
    *,
    missing: Callable[..., HttpResponse],
    unavailable: Callable[..., HttpResponse],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Return a view decorator answering a missing meeting and an unreachable store.

    Each handler gets the view's positional arguments (the request, or the
    admin and the request) and the error. A 503 also says when to retry.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(*args, **kwargs)
            except MeetingNotFound as error:
                return missing(*args, error)
            except StoreUnavailable as error:
                response = unavailable(*args, error)
                response["Retry-After"] = str(retry_after(error))
                return response

        return wrapper

    return decorator
