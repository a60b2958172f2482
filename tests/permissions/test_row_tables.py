"""The row tables of My Permissions and Manage Users are Jinja2 templates printed inside the pages' cached DTL
fragments (issue 13): user data stays escaped, the labels stay translated, a warm page renders no table."""

from html.parser import HTMLParser
from unittest import mock

import pytest
from django.urls import reverse

from permissions import tables
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, grant

pytestmark = pytest.mark.django_db

MY = reverse("permissions:index")
HOSTILE_NUMBER = "E<b>\"9'&1"
HOSTILE_EMAIL = "o\"<b>'&x@contoso.example"


class _Table(HTMLParser):
    """Every element inside <tbody> as (tag, attributes), and its text, once the entities are decoded."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.inside, self.elements, self.text = False, [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or tag == "tbody"
        if self.inside:
            self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "tbody"

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)


def test_my_permissions_rows_escape_the_licensing_id_number(client, member, tenant):  # PERM-3 SEC-3 issue 13
    lid = LicensingIDFactory(organization=tenant, number=HOSTILE_NUMBER)
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    body = client.get(MY).content.decode()
    assert "<b>" not in body
    table = _Table(body)
    assert HOSTILE_NUMBER in table.text  # the link's text, decoded back to what was stored
    labels = [attrs.get("aria-label") for tag, attrs in table.elements if tag == "button"]
    assert f"Remove {HOSTILE_NUMBER}" in labels  # and whole inside its attribute


def test_manage_users_rows_escape_the_email(client, lid, admin):  # PERM-7 SEC-3 issue 13
    Grant.objects.create(licensing_id=lid, email=HOSTILE_EMAIL, role=Role.DOWNLOAD)
    client.force_login(admin)
    body = client.get(reverse("permissions:manage_users", args=[lid.pk])).content.decode()
    assert "<b>" not in body
    table = _Table(body)
    assert any(text.strip() == HOSTILE_EMAIL for text in table.text)
    values = [attrs["value"] for tag, attrs in table.elements if tag == "button" and attrs.get("value")]
    assert values.count(HOSTILE_EMAIL) == 2  # Remove and Resend welcome
    person = reverse("permissions:person")
    links = [attrs["href"] for tag, attrs in table.elements if tag == "a" and attrs["href"].startswith(person)]
    assert f"{person}?email=o%22%3Cb%3E%27%26x%40contoso.example" in links


def test_row_tables_speak_the_viewers_language(client, lid, admin):  # ACC-5 issue 13
    admin.language = "fr"
    admin.save()
    client.force_login(admin)
    mine = client.get(MY).content.decode()
    assert "Vos autorisations par ID de licence" in mine and "Gérer les utilisateurs" in mine
    people = client.get(reverse("permissions:manage_users", args=[lid.pk])).content.decode()
    assert "Adresse e-mail professionnelle" in people and "Modifier les rôles" in people


def test_a_warm_page_renders_no_table(client, lid, admin):  # issue 13 (issue 7: the cached fragment)
    client.force_login(admin)
    manage = reverse("permissions:manage_users", args=[lid.pk])
    with (
        mock.patch.object(tables, "my_permissions_table", wraps=tables.my_permissions_table) as mine,
        mock.patch.object(tables, "people_table", wraps=tables.people_table) as people,
    ):
        for _ in range(2):
            assert lid.number in client.get(MY).content.decode()
            assert admin.business_email in client.get(manage).content.decode()
    assert mine.call_count == 1 and people.call_count == 1


def test_manage_users_table_without_people_says_so():  # PERM-7 issue 13
    html = tables.people_table([], licensing_id_pk=1, me="me@contoso.example")
    assert "<tbody>" in html and "Nobody yet." in html


@pytest.mark.parametrize(
    ("template", "columns"),
    [
        ("permissions/my_permissions_table.html", tables.MY_PERMISSIONS_COLUMNS),
        ("permissions/people_table.html", tables.PEOPLE_COLUMNS),
    ],
)
def test_each_table_unpacks_its_rows_in_the_columns_order(template, columns):  # issue 13
    """Rows reach the templates as tuples: a loop variable out of step with the columns would print one cell's
    value in another's place without any error."""
    from django.template import engines
    from jinja2 import nodes

    env = engines["jinja2"].env
    source = env.loader.get_source(env, template)[0]
    (loop,) = env.parse(source).find_all(nodes.For)
    assert tuple(name.name for name in loop.target.items) == columns
