"""The free-text rules through every way in: the API, the pages and the admin
answer a bidirectional control or a zero-width character with an error that
names the field (the rule is meetings.domain.text_problem).
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# The right-to-left override: "invoice\u202etxt.exe" shows as "invoiceexe.txt".
RLO = "\u202e"
ZWSP = "\u200b"


def test_the_api_refuses_them_with_a_400_naming_each_field(
    alice, client_for, memory_store
):
    api = client_for(alice)
    refused = api.post(
        "/v1/meetings",
        {
            "title": f"invoice{RLO}txt.exe",
            "description": f"see{ZWSP}here",
            "participants": [f"ana@exa{ZWSP}mple.com"],
        },
        format="json",
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    details = error["details"]
    assert details["title"] == [
        "Bidirectional control and zero-width characters are not allowed "
        "(found U+202E)."
    ]
    assert "U+200B" in details["description"][0]
    assert "U+200B" in json.dumps(details["participants"])

    meeting = api.post("/v1/meetings", {"title": "Review"}, format="json").json()
    changed = api.patch(
        f"/v1/meetings/{meeting['id']}",
        {"status_message": "\u2067done\u2069"},
        format="json",
    )
    assert changed.status_code == 400
    assert "U+2067" in changed.json()["error"]["details"]["status_message"][0]


def test_the_schema_states_the_rule_as_a_pattern(alice, client_for):
    schema = client_for(alice).get("/v1/schema", HTTP_ACCEPT="application/json")
    title = json.loads(schema.content)["components"]["schemas"]["MeetingCreateRequest"][
        "properties"
    ]["title"]
    assert "\\u202a-\\u202e" in title["pattern"]
    # One character class, which a client's generator bounds by maxLength:
    # the emoji-sequence alternation made schemathesis take minutes a field.
    assert re.fullmatch(r"\^\[\^[^\]]+\]\*\$", title["pattern"]), title["pattern"]


def test_the_pages_and_the_admin_show_the_error_on_the_field(
    alice, make_user, memory_store
):
    pages = Client()
    pages.force_login(alice)
    page = pages.post("/meetings/new", {"title": f"a{RLO}b"})
    assert page.status_code == 200
    errors = dict(
        re.findall(
            r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>',
            page.content.decode(),
        )
    )
    assert "found U+202E" in errors["title"]
    page = pages.post("/meetings/new", {"title": "t", "participants": f"a{ZWSP}@x.io"})
    assert "found U+200B" in page.content.decode()

    sam = make_user("sam", is_staff=True, perms=("add", "view"))
    admin = Client()
    admin.force_login(sam)
    add = admin.post(
        "/admin/meetings/meetingrecord/add/",
        {"title": "t", "description": f"x{ZWSP}", "owner": alice.pk},
    )
    assert add.status_code == 200
    assert "found U+200B" in add.content.decode()
