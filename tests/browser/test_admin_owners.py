"""The admin's owner search in headless Chromium, among 10,000 users: the owner
field's autocomplete, the owner filter's, and both without JavaScript."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from meetings import services
from meetings.store import get_repository
from tests.browser.test_admin import admin_login

BASE = "/admin/meetings/meetingrecord/"
NO_JAVASCRIPT = [{"java_script_enabled": False}]


@pytest.fixture
def crowd(django_user_model):
    """A superuser, boss, and 10,000 users, user00000 to user09999."""
    django_user_model.objects.create_superuser("boss", password="pw-12345678")
    password = make_password("pw-12345678")
    django_user_model.objects.bulk_create(
        django_user_model(username=f"user{n:05}", password=password)
        for n in range(10_000)
    )


def added_meeting():
    entry = LogEntry.objects.filter(action_flag=ADDITION).latest("pk")
    return get_repository().get(uuid.UUID(entry.object_id))


def choose(page, container: str, term: str, name: str) -> None:
    """Open the search in container, type term, and pick name from the results."""
    page.click(f"{container} .select2-selection")
    search = page.locator(".select2-search__field")
    expect(search).to_be_focused()
    search.press_sequentially(term)
    page.click(f".select2-results__option >> text={name}")


def test_type_in_the_owner_field_pick_a_user_and_save(
    page, asgi_server, crowd, django_user_model
):
    admin_login(page, asgi_server, "boss")
    page.goto(f"{asgi_server.url}{BASE}add/")
    page.fill("#id_title", "Kickoff")
    owner = page.locator(".field-owner .select2-selection")
    expect(owner).to_have_text("boss")
    # The search is named by the field's label, and shows 20 users at a time.
    expect(owner).to_have_accessible_name("Owner: boss")
    page.click(".field-owner .select2-selection")
    page.locator(".select2-search__field").press_sequentially("user042")
    users = page.locator(".select2-results__option[aria-selected]")
    expect(users).to_have_count(20)
    expect(users.first).to_have_text("user04200")
    # More come as the list scrolls, from the next page.
    expect(page.locator(".select2-results__option--load-more")).to_be_attached()
    page.locator(".select2-search__field").press_sequentially("13")
    expect(users).to_have_text(["user04213"])
    page.click(".select2-results__option >> text=user04213")
    expect(owner).to_contain_text("user04213")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    chosen = django_user_model.objects.get(username="user04213")
    assert added_meeting().owner_id == str(chosen.pk)
    # Django's Select2 and autocomplete.js run under the app's CSP.
    assert page.page_errors == [] and page.console_errors == []


def test_the_owner_filter_applies_the_user_picked_from_its_search(
    page, asgi_server, crowd, django_user_model
):
    theirs = django_user_model.objects.get(username="user07777")
    services.create_meeting(str(theirs.pk), {"title": "Their meeting"})
    boss = django_user_model.objects.get(username="boss")
    services.create_meeting(str(boss.pk), {"title": "Boss's meeting"})
    admin_login(page, asgi_server, "boss")
    page.goto(f"{asgi_server.url}{BASE}?q=meeting")
    choose(page, "#changelist-filter", "user0777", "user07777")
    # Picking applies the filter at once, keeping the search.
    page.wait_for_url(f"**owner={theirs.pk}**")
    assert "q=meeting" in page.url
    expect(page.locator("#result_list")).to_contain_text("Their meeting")
    expect(page.locator("#result_list")).not_to_contain_text("Boss's meeting")
    filter_ = page.locator('[data-filter-title="owner"]')
    expect(filter_.locator("li.selected")).to_have_text("user07777")
    expect(filter_.locator(".select2-selection")).to_contain_text("user07777")
    assert page.page_errors == [] and page.console_errors == []


@pytest.mark.parametrize("page", NO_JAVASCRIPT, indirect=True)
def test_without_javascript_an_owner_is_given_by_username(
    page, asgi_server, crowd, django_user_model
):
    admin_login(page, asgi_server, "boss")
    page.goto(f"{asgi_server.url}{BASE}add/")
    page.fill("#id_title", "Kickoff")
    page.fill("#id_owner_username", "nobody")
    page.click("input[name=_save]")
    expect(page.locator(".field-owner .errorlist")).to_have_text(
        "No user who may own meetings has the username “nobody”."
    )
    page.fill("#id_owner_username", "user00321")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    chosen = django_user_model.objects.get(username="user00321")
    assert added_meeting().owner_id == str(chosen.pk)
    # The filter searches by username too, and offers what it finds.
    page.goto(f"{asgi_server.url}{BASE}")
    filter_ = page.locator('[data-filter-title="owner"]')
    filter_.locator("#id_owner_username").fill("user0032")
    filter_.locator("input[type=submit]").click()
    expect(filter_).to_contain_text("No user has the username “user0032”.")
    filter_.locator("a", has_text="user00321").click()
    expect(page.locator("#result_list")).to_contain_text("Kickoff")
    expect(filter_.locator("li.selected")).to_have_text("user00321")
