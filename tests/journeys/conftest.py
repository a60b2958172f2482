from tests.browser import shot  # noqa: F401 - fixture
