import pytest

from agreements.models import ContactType, Program
from permissions.models import Role
from tests.browser import shot  # noqa: F401 - the journeys' screenshot fixture
from tests.factories import ContactFactory, LicensingIDFactory, UserFactory, grant


@pytest.fixture
def mbsa(tenant):
    return LicensingIDFactory(organization=tenant, program=Program.MBSA, number="M1000001")


@pytest.fixture
def lid(tenant, mbsa):
    """Contoso's enterprise enrollment, a child of its MBSA."""
    return LicensingIDFactory(organization=tenant, number="E2000001", parent=mbsa)


@pytest.fixture
def admin(lid):
    """Direct Administrator of `lid`."""
    return grant(UserFactory(email="admin@contoso.example"), lid, Role.ADMINISTRATOR)


@pytest.fixture
def parent_admin(mbsa):
    """Primary Contact of the MBSA: administrator of every child by inheritance (PERM-8)."""
    user = UserFactory(email="pc@contoso.example")
    ContactFactory(licensing_id=mbsa, contact_type=ContactType.PRIMARY, email=user.business_email)
    return grant(user, mbsa, Role.ADMINISTRATOR)


@pytest.fixture
def requester(db):
    return UserFactory(email="newcomer@example.com", first_name="Nora", last_name="Newman")
