import pytest

from permissions.models import Role
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant
from tests.security.conftest import shared_cache  # noqa: F401  Redis-backed cache for the throttle test


@pytest.fixture
def directory(db):
    """Contoso with an administrator of its licensing ID and an organisation service token (API-2) for SCIM;
    Fabrikam likewise, to prove that neither token reaches the other's directory."""
    from licensing_portal.api.services import api_token_create

    def make(name: str, admin_email: str):
        organization = OrganizationFactory(name=name)
        lid = LicensingIDFactory(organization=organization)
        admin = UserFactory(email=admin_email)
        grant(admin, lid, Role.ADMINISTRATOR)
        token, raw = api_token_create(creator=admin, name="SCIM", organization=organization)
        return {"organization": organization, "lid": lid, "admin": admin, "token": raw}

    return {"contoso": make("Contoso", "it@contoso.example"), "fabrikam": make("Fabrikam", "it@fabrikam.example")}


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
