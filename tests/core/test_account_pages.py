"""allauth pages render inside the portal layout with Bootstrap forms; MFA (TOTP) is reachable (ACC-1)."""

import re

import pytest
from allauth.account.models import EmailAddress

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def signed_in(client):
    user = UserFactory(email="mfa@example.com")
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return user


def _assert_bootstrap_form(body: str) -> None:
    assert 'class="navbar' in body  # the portal's base.html
    assert re.search(r'<input[^>]+class="[^"]*form-control', body)
    assert re.search(r'class="btn btn-primary', body)
    for input_id in re.findall(r'<input[^>]+type="(?:text|email|password)"[^>]*id="([^"]+)"', body):
        assert f'for="{input_id}"' in body, f"input {input_id} has no label"


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_entrance_pages_use_bootstrap_and_labels(client, url):  # ACC-1
    response = client.get(url)
    assert response.status_code == 200
    _assert_bootstrap_form(response.content.decode())


def test_password_change_page_uses_bootstrap(client, signed_in):  # ACC-1
    _assert_bootstrap_form(client.get("/accounts/password/change/").content.decode())


def test_two_factor_is_linked_from_the_profile_and_totp_setup_renders(client, signed_in):  # ACC-1
    profile = client.get("/profile/").content.decode()
    assert 'href="/accounts/2fa/"' in profile
    index = client.get("/accounts/2fa/")
    assert index.status_code == 200
    assert "/accounts/2fa/totp/activate/" in index.content.decode()
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 302  # allauth asks for the password again before changing 2FA
    reauth_url = activate["Location"]
    _assert_bootstrap_form(client.get(reauth_url).content.decode())
    assert client.post(reauth_url, {"password": PASSWORD}).status_code == 302
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    body = activate.content.decode()
    assert re.search(r'<img class="img-fluid" src="data:image/', body)  # the QR code (CSP allows data: images)
    _assert_bootstrap_form(body)
