"""The one error shape and the generic errors every door answers with."""

import json

import pytest
from django.test import RequestFactory

from config import errors as wiring
from shared import errors


def body(response) -> dict:
    return json.loads(response.content)


def test_an_error_response_carries_the_one_shape_and_its_headers():
    response = errors.error_response(
        429, "locked_out", "Wait.", {"seconds": 3}, {"Retry-After": "3"}
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert body(response) == {
        "error": {"code": "locked_out", "message": "Wait.", "details": {"seconds": 3}}
    }


@pytest.mark.parametrize(
    ("handler", "shared", "status", "code"),
    [
        (wiring.handler400, errors.bad_request(), 400, "bad_request"),
        (wiring.handler403, errors.permission_denied(), 403, "permission_denied"),
        (wiring.handler404, errors.not_found("/v1/nowhere"), 404, "not_found"),
        (wiring.handler500, errors.server_error(), 500, "server_error"),
    ],
)
def test_the_root_handlers_answer_json_with_the_shared_errors(
    handler, shared, status, code
):
    response = handler(RequestFactory().get("/v1/nowhere"))
    assert (response.status_code, shared.status_code) == (status, status)
    assert body(response) == body(shared)
    assert body(shared)["error"]["code"] == code
