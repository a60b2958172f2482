import pytest

from licensing_portal.api.services import api_token_create
from tests.browser import shot  # noqa: F401 - the journeys' screenshot fixture
from tests.security.conftest import shared_cache  # noqa: F401  Redis-backed cache for the throttle tests


class TokenClient:
    """Django's test client with a bearer token and JSON bodies, no session (API-2)."""

    def __init__(self, client, raw):
        self.client, self.raw = client, raw

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"}

    def get(self, url, data=None):
        return self.client.get(url, data or {}, **self._headers())

    def post(self, url, data=None):
        return self.client.post(url, data or {}, content_type="application/json", **self._headers())

    def delete(self, url):
        return self.client.delete(url, **self._headers())


@pytest.fixture
def api(client):
    """`api(user)`: a token client acting as `user` with a fresh personal token; `.token` is the ApiToken."""

    def make(user, **kwargs):
        token, raw = api_token_create(creator=user, name="test", **kwargs)
        api_client = TokenClient(client, raw)
        api_client.token = token
        return api_client

    return make
