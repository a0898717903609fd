"""A JSON parser that bounds what a request body may cost."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = "The request body is too large."


class BoundedJSONParser(parsers.JSONParser):
    """Parse a JSON body of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes.

    The body must be UTF-8; nesting too deep for the parser is a 400.
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(f"The request body exceeds {limit} bytes.")
        try:
            return json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise exceptions.ParseError("The request body is not UTF-8.") from None
        except RecursionError:
            raise exceptions.ParseError("The JSON body is nested too deeply.") from None
        except ValueError as error:
            raise exceptions.ParseError(
                f"The body is not valid JSON: {error}"
            ) from None
