"""The shared pagination include (core/_pagination.html) used by list pages."""

from django.core.paginator import Paginator
from django.template import Context, Template

PAGES = Template(
    '{% include "core/_pagination.html" with page_obj=page pages_label="Pages of costs" %}'
)
FLAGS = Template(
    '{% include "core/_pagination.html" with page_obj=page pages_label="Pages of flags" '
    'query="state="|add:state %}'
)


def render(template: Template, number: int, **context: object) -> str:
    page = Paginator(list(range(60)), 25).get_page(number)
    return template.render(Context({"page": page, **context}))


def test_middle_page_links_both_ways_and_keeps_the_filters():
    html = render(PAGES, 2, query="programme=4")
    assert 'aria-label="Pages of costs"' in html
    assert 'href="?programme=4&amp;page=1">Previous' in html
    assert 'href="?programme=4&amp;page=3">Next' in html
    assert "Page 2 of 3" in html


def test_without_a_query_the_links_hold_only_the_page():
    html = render(PAGES, 1, query="")
    assert 'href="?page=2">Next' in html
    assert "Previous" not in html


def test_a_query_built_in_the_template():
    assert 'href="?state=unreviewed&amp;page=3">Next' in render(FLAGS, 2, state="unreviewed")


def test_one_page_shows_no_navigation():
    page = Paginator(list(range(3)), 25).get_page(1)
    assert PAGES.render(Context({"page": page})).strip() == ""
