"""Domain errors as pages: a missing meeting, an unreachable store."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.http import HttpRequest, HttpResponse

from ..domain import MeetingNotFound, StoreUnavailable
from ..http import retry_after
from ..retries import failing_fast

# Page loads: a person waits for them, and a reload is their retry.
QUICK_METHODS = frozenset({"GET", "HEAD"})


def domain_errors(
    *,
    missing: Callable[..., HttpResponse],
    unavailable: Callable[..., HttpResponse],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Return a view decorator answering a missing meeting and an unreachable store.

    Each handler gets the view's positional arguments (the request, or the
    admin and the request) and the error. A 503 also says when to retry. A
    page load (GET, HEAD) reads the store failing fast, so an outage
    answers at once; a form's write keeps the store's full retry budget.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
            request = next((a for a in args if isinstance(a, HttpRequest)), None)
            loading = request is not None and request.method in QUICK_METHODS
            try:
                with failing_fast() if loading else nullcontext():
                    return view(*args, **kwargs)
            except MeetingNotFound as error:
                return missing(*args, error)
            except StoreUnavailable as error:
                response = unavailable(*args, error)
                response["Retry-After"] = str(retry_after(error))
                return response

        return wrapper

    return decorator
