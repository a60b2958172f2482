import re

import pytest

from licensing_portal.core.models import User
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def _link(row: OutgoingEmail) -> str:
    return re.search(r"http://[^\s]+/profile/business-email/confirm/[^\s/]+/", row.body_text).group(0)


def test_business_email_validation_link_confirms_once(client, django_capture_on_commit_callbacks):  # ACC-2
    user = User.objects.create_user(email="me@gmail.example", password="x" * 12)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/profile/business-email/", {"business_email": "Me@Contoso.example"})
    assert resp.status_code == 302
    row = OutgoingEmail.objects.get(to_email="me@contoso.example")
    path = _link(row).split("8000", 1)[1]
    # GET and HEAD change nothing (mail scanners prefetch links)
    client.get(path)
    client.head(path)
    user.refresh_from_db()
    assert user.verified_business_email is None
    assert client.post(path).status_code == 302
    user.refresh_from_db()
    assert user.verified_business_email == "me@contoso.example"
    assert client.post(path).status_code == 400  # single use


def test_tampered_validation_link_is_refused(client):  # ACC-2
    user = User.objects.create_user(email="me@gmail.example", password="x" * 12, business_email="a@b.example")
    client.force_login(user)
    resp = client.post("/profile/business-email/confirm/not-a-token/")
    assert resp.status_code == 400
    user.refresh_from_db()
    assert user.verified_business_email is None


@pytest.mark.parametrize("page", ["/", "/permissions/", "/agreements/"])
def test_empty_state_explains_the_two_routes_and_links_their_forms(client, member, page):  # ACC-3
    client.force_login(member)
    body = client.get(page).content.decode()
    assert 'href="/permissions/request/">Request Permissions</a>' in body
    assert 'href="/partners/open-license/add/">Add Open License</a>' in body
