import re

import pytest

from permissions.models import Role
from tests.browser import shot  # noqa: F401 - the journeys' screenshot fixture
from tests.factories import OpenLicenseFactory, PartnerAdminFactory, PartnerFactory, UserFactory, grant

AUTH = "AUTH1234567"


@pytest.fixture
def open_license(tenant):
    return OpenLicenseFactory(
        licensing_id__organization=tenant, authorization_number=AUTH, customer_email="owner@contoso.example"
    )


@pytest.fixture
def licence_admin(open_license):
    user = UserFactory(email="owner@contoso.example", first_name="Olga", last_name="Owner")
    return grant(user, open_license.licensing_id, Role.ADMINISTRATOR)


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Northwind")


@pytest.fixture
def partner_admin(partner):
    return PartnerAdminFactory(
        organization=partner,
        user=UserFactory(email="ravi@northwind.example", first_name="Ravi", last_name="Patel"),
    ).user


def link_in(body: str, path: str) -> str:
    """The site-relative link starting with `path` in an email body."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s\"<]*)", body)
    assert match, f"no {path} link in email"
    return match.group(1)
