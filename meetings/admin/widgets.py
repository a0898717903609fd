"""Widgets of the admin's meeting forms: the owner's select, searched as you type."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.html import format_html

from .. import services
from .owners import MAX_TERM_LENGTH


class TypedUsername(str):
    """A username typed into the owner's username box, not a chosen user's pk."""


class OwnerSelect(forms.Select):
    """The owner's select, holding only the chosen user; the rest are searched for.

    Given a search_url (the admin's owner search, options.py), it carries the
    data attributes of Django's AutocompleteSelect, and the admin's own Select2
    and autocomplete.js make it a search as you type. A username box goes
    beside it, inside <noscript> when the search will run, so that a user is
    also chosen by username without JavaScript or without the permission to
    search.
    """

    search_url: str | None = None
    username_label = "Or another user, by username"

    def build_attrs(self, base_attrs, extra_attrs=None) -> dict:
        attrs = super().build_attrs(base_attrs, extra_attrs)
        if not self.search_url:
            return attrs
        classes = attrs.get("class", "")
        return {
            **attrs,
            "class": f"{classes} admin-autocomplete".strip(),
            "data-owner-search": "",
            "data-ajax--cache": "true",
            "data-ajax--delay": 250,
            "data-ajax--type": "GET",
            "data-ajax--url": self.search_url,
            "data-theme": "admin-autocomplete",
            "data-allow-clear": json.dumps(not self.is_required),
            "data-placeholder": "",
        }

    def optgroups(self, name: str, value: list[str], attrs=None) -> list:
        """Return the empty choice, if any, and the chosen user only."""
        pks = {pk for pk in map(services.owner_pk, value) if pk is not None}
        users = self.choices.queryset.filter(pk__in=pks) if pks else []
        options = [] if self.is_required else [("", "---------")]
        label = self.choices.field.label_from_instance
        options += [(str(user.pk), label(user)) for user in users]
        chosen = set(value)
        return [
            (
                None,
                [
                    self.create_option(name, pk, label, pk in chosen, index)
                    for index, (pk, label) in enumerate(options)
                ],
                0,
            )
        ]

    def value_from_datadict(self, data, files, name: str) -> Any:
        typed = (data.get(f"{name}_username") or "").strip()
        if typed:
            return TypedUsername(typed)
        return super().value_from_datadict(data, files, name)

    def render(self, name: str, value: Any, attrs=None, renderer=None) -> str:
        html = super().render(name, value, attrs, renderer)
        attrs = self.build_attrs(self.attrs, attrs)
        if attrs.get("disabled"):
            return html
        box_id = f"{attrs['id']}_username" if attrs.get("id") else None
        box = format_html(
            '<span class="owner-username"><label{}>{}</label> <input type="text" '
            'name="{}_username" value="{}" maxlength="{}" autocomplete="off"{}>'
            "</span>",
            format_html(' for="{}"', box_id) if box_id else "",
            self.username_label,
            name,
            value if isinstance(value, TypedUsername) else "",
            MAX_TERM_LENGTH,
            format_html(' id="{}"', box_id) if box_id else "",
        )
        if self.search_url:
            box = format_html("<noscript>{}</noscript>", box)
        return html + box

    @property
    def media(self) -> forms.Media:
        if not self.search_url:
            return forms.Media()
        # The admin's Select2, its theme and autocomplete.js, as Django's
        # autocomplete widget loads them (only its assets are used).
        django_widget = AutocompleteSelect(None, None)
        return django_widget.media + forms.Media(
            # After the theme, which it amends.
            css={"screen": ["admin/css/autocomplete.css", "css/owner-search.css"]},
            js=[forms.Script("js/admin/owner-search.js", type="module")],
        )
