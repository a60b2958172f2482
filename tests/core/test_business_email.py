import re
from urllib.parse import urlsplit

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


def test_acc2_signing_up_with_the_address_an_administrator_added_needs_one_confirmation(
    client, django_capture_on_commit_callbacks
):
    from tests.factories import GrantFactory

    lid = GrantFactory(email="new.hire@contoso.example").licensing_id
    password = "Very-long-pw-2026"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/", {"email": "new.hire@contoso.example", "password1": password, "password2": password}
        )
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", OutgoingEmail.objects.get().body_text).group(0)
    client.post(urlsplit(link).path)  # the one confirmation, of the sign-in email

    user = User.objects.get(email="new.hire@contoso.example")
    assert user.verified_business_email == "new.hire@contoso.example"
    assert OutgoingEmail.objects.count() == 1  # no second validation link
    assert lid.number in client.get("/agreements/").content.decode()


def test_acc2_entering_a_confirmed_sign_in_address_as_business_email_needs_no_second_link(client):
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email="me@contoso.example", password="x" * 12)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    User.objects.filter(pk=user.pk).update(business_email="")
    client.force_login(user)
    response = client.post("/profile/business-email/", {"business_email": "Me@Contoso.example"}, follow=True)
    user.refresh_from_db()
    assert user.verified_business_email == "me@contoso.example"
    assert not OutgoingEmail.objects.exists()
    assert "you confirmed it when you signed in" in response.content.decode()


def test_acc2_a_confirmed_sign_in_email_never_replaces_another_business_email(client):
    from licensing_portal.core.services import business_email_adopt_confirmed

    user = User.objects.create_user(email="me@gmail.example", password="x" * 12)
    User.objects.filter(pk=user.pk).update(business_email="me@contoso.example")
    user.refresh_from_db()
    business_email_adopt_confirmed(user=user, email="me@gmail.example")
    user.refresh_from_db()
    assert (user.business_email, user.verified_business_email) == ("me@contoso.example", None)
