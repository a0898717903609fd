"""The project's error wiring, answering in the one error shape.

DRF's exception handler and the root URLconf's handler400/403/404/500, each
answering as shared/errors.py shapes an error.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.http.response import HttpResponseBase
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from meetings.domain import MeetingError
from meetings.http import domain_error_response, status_for
from shared import errors
from shared.errors import error_body

from .parsers import RequestTooLarge


def api_exception_handler(exc: Exception, context: dict) -> HttpResponseBase | None:
    """Answer every API error, DRF's and the domain's, in the one error shape."""
    if isinstance(exc, MeetingError) and status_for(exc):
        return domain_error_response(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, message, details = _describe(exc, response)
    response.data = error_body(code, message, details)
    return response


def _describe(exc: Exception, response: Response) -> tuple[str, str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", "The request is not valid; see details.", exc.detail
    if isinstance(exc, Http404):
        return "not_found", "Not found.", None
    if isinstance(exc, PermissionDenied):
        return "permission_denied", errors.PERMISSION_DENIED, None
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict):  # simplejwt: {"detail": ..., "code": ...}
            code = str(detail.get("code", exc.default_code))
            return code, str(detail.get("detail", exc.default_detail)), None
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        return code, str(detail), None
    return "error", str(exc), response.data


def _wants_json(request) -> bool:
    return request.path.startswith("/v1/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def handler400(request, exception=None):
    if not _wants_json(request):
        return defaults.bad_request(request, exception)
    return errors.bad_request()


def handler403(request, exception=None):
    if not _wants_json(request):
        return defaults.permission_denied(request, exception)
    return errors.permission_denied()


def handler404(request, exception=None):
    if not _wants_json(request):
        return defaults.page_not_found(request, exception)
    return errors.not_found(request.path)


def handler500(request):
    if not _wants_json(request):
        return defaults.server_error(request)
    return errors.server_error()
