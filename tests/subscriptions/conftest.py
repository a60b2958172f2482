import pytest

from permissions.models import Role
from tests.browser import shot  # noqa: F401 - the journeys' screenshot fixture
from tests.factories import LicensingIDFactory, PoolFactory, UserFactory, grant


@pytest.fixture
def lid(tenant):
    return LicensingIDFactory(organization=tenant)


@pytest.fixture
def manager(lid):
    """A Subscriptions Manager on `lid`."""
    return grant(UserFactory(), lid, Role.SUBSCRIPTIONS_MANAGER)


@pytest.fixture
def pool(lid):
    return PoolFactory(licensing_id=lid, quantity=10)


@pytest.fixture
def foreign_pool(other_tenant):
    return PoolFactory(licensing_id=LicensingIDFactory(organization=other_tenant))
