"""`{% fixed_url %}` (licensing_portal/core/templatetags/portal_urls.py): the per-page links reversed once, and
still what `{% url %}` gives wherever the portal is mounted (issue 13)."""

from django.template import engines
from django.urls import get_script_prefix, set_script_prefix

BOTH = "{% load portal_urls %}{% fixed_url 'account_logout' %} {% url 'account_logout' %}"


def render(source: str) -> list[str]:
    return engines["django"].from_string(source).render({}).split()


def test_gives_what_url_gives_under_each_script_prefix():
    before = get_script_prefix()
    try:
        for prefix in ("/", "/portal/", "/"):
            set_script_prefix(prefix)
            fixed, reversed_ = render(BOTH)
            assert fixed == reversed_ == f"{prefix}accounts/logout/"
    finally:
        set_script_prefix(before)
