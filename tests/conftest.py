import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's sync API keeps an asyncio loop running in the main thread for the rest
    of the session, and nothing after it could call an async view (django-health-check's /health/ready) through
    the test client, nor asyncio.run(). A stable sort: pytest-django's database ordering stays as it was."""
    playwright = {"page", "context", "new_context", "browser"}
    items.sort(key=lambda item: not playwright.isdisjoint(item.fixturenames))


@pytest.fixture(autouse=True)
def _isolated_request_state():
    """Each test rolls the database (and so the access version) back: fragments cached by an earlier test under
    namespace counters this test reaches again must not be read (permissions/access_namespaces.py). A request by a
    French-speaking user leaves French active in the thread: the next test starts in the default language."""
    from django.core.cache import caches
    from django.utils import translation

    caches["fragments"].clear()
    caches["static_fragments"].clear()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def tenant(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="Contoso")


@pytest.fixture
def other_tenant(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="Fabrikam")


@pytest.fixture
def member(db):
    """A signed-up user with a verified business email and no roles yet."""
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def outbox(db):
    """Outbox rows, newest last."""
    from notifications.models import OutgoingEmail

    return lambda **filters: list(OutgoingEmail.objects.filter(**filters).order_by("id"))


@pytest.fixture(params=["en", "fr"])
def lang(request):
    """Run a browser journey once in English and once in French (ACC-5)."""
    return request.param
