"""A search's matches are marked in the titles a list shows, safely."""

from meetings.templatetags.search_marks import marked


def test_each_match_is_marked_whatever_its_case():
    assert marked("Needle and NEEDLE", "needle") == (
        "<mark>Needle</mark> and <mark>NEEDLE</mark>"
    )


def test_the_title_is_escaped_around_and_inside_the_marks():
    assert marked("<b>x</b> & <b>", "<b>") == (
        "<mark>&lt;b&gt;</mark>x&lt;/b&gt; &amp; <mark>&lt;b&gt;</mark>"
    )


def test_without_a_search_the_title_is_only_escaped():
    assert marked("a < b", None) == "a &lt; b"
    assert marked("a < b", "") == "a &lt; b"


def test_a_search_with_regex_characters_is_matched_as_text():
    assert marked("cost (Q3) review", "(q3)") == "cost <mark>(Q3)</mark> review"
