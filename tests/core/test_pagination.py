"""The one pagination bar (licensing_portal/jinja.py, `{% pagination %}` on DTL pages, issue 13): the links keep
the page's query, the labels are translated, a listing that fits on one page prints none."""

import re

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.urls import reverse
from django.utils import translation

from licensing_portal.jinja import pagination
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, grant

TAG = "{% load pagination %}{% pagination page query %}"


def page(number: int, rows: int = 60):
    return Paginator(range(rows), 25).get_page(number)


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_a_middle_page_links_both_ways_and_keeps_the_query():
    html = pagination(page(2), "status=all&q=a%26b")
    assert links(html) == ["?status=all&amp;q=a%26b&amp;page=1", "?status=all&amp;q=a%26b&amp;page=3"]
    assert "Page 2 of 3" in html and "Previous" in html and "Next" in html


def test_the_first_and_last_pages_link_one_way_and_one_page_prints_nothing():
    assert links(pagination(page(1))) == ["?page=2"]
    assert links(pagination(page(3))) == ["?page=2"]
    assert pagination(page(1, rows=25)) == ""


def test_the_dtl_tag_prints_the_same_bar_in_the_active_language():
    template = engines["django"].from_string(TAG)
    assert template.render({"page": page(2), "query": "status=all"}) == pagination(page(2), "status=all")
    assert template.render({"page": page(2)}) == pagination(page(2))  # no query in the context
    with translation.override("fr"):
        assert "Page 2 sur 3" in template.render({"page": page(2)})


@pytest.mark.django_db
def test_manage_users_pages_its_people(client, member, tenant):  # PERM-7
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.ADMINISTRATOR)
    Grant.objects.bulk_create(
        Grant(licensing_id=lid, email=f"person{n:02d}@contoso.example", role=Role.DOWNLOAD) for n in range(25)
    )
    client.force_login(member)
    url = reverse("permissions:manage_users", args=[lid.pk])
    first = client.get(url).content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Page 2 of 2" in second and 'href="?page=1"' in second
