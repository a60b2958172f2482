"""Every URL of the portal against every kind of visitor (SEC-1, SEC-2). Registry and format:
tests/access_matrix.py; per-app cases: tests/<app>/access_cases.py."""

import re

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_matrix import FRAMEWORK_PREFIXES, PERSONAS, Kind, build_world, registry

CASES = registry()


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None


ALL_URLS = list(walk(get_resolver().url_patterns))
PORTAL_URLS = [(route, name) for route, name in ALL_URLS if not route.startswith(FRAMEWORK_PREFIXES)]


def test_every_url_is_classified():  # SEC-1
    assert any(r.startswith("admin/") for r, _ in ALL_URLS) and any(r.startswith("accounts/") for r, _ in ALL_URLS)
    unnamed = [route for route, name in PORTAL_URLS if name is None]
    assert not unnamed, f"portal url patterns without a name: {unnamed}"
    unclassified = sorted({name for _, name in PORTAL_URLS} - CASES.keys())
    assert not unclassified, f"unclassified url names (add a Case in tests/<app>/access_cases.py): {unclassified}"


def test_no_stale_cases():  # SEC-1
    assert not CASES.keys() - {name for _, name in PORTAL_URLS}


def _login_redirect(resp) -> bool:
    return resp.status_code == 302 and resp.url.startswith(reverse("account_login"))


def _call(client, case, url, world):
    if case.method == "post":
        return client.post(url, case.resolve_data(world))
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES.values()), ids=lambda c: c.name)
def test_access(client, case):  # SEC-1 SEC-2
    world = build_world()
    url = reverse(case.name, kwargs=case.resolve_kwargs(world))
    anonymous = _call(client, case, url, world)
    if case.kind == Kind.PUBLIC:
        assert anonymous.status_code in case.ok_statuses() and not _login_redirect(anonymous)
        return
    if case.kind == Kind.TOKEN:
        assert anonymous.status_code < 500 and not _login_redirect(anonymous)
        return
    if case.kind == Kind.API:
        _api_access(client, case, url, world, anonymous)
        return
    if case.kind == Kind.STAFF:
        for persona in PERSONAS:
            client.force_login(world["users"][persona])
            resp = _call(client, case, url, world)
            if persona == "staff":
                assert resp.status_code in case.ok_statuses()
            else:
                assert resp.status_code == 302 and resp.url.startswith(reverse("admin:login")), persona
        assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("admin:login"))
        return
    assert _login_redirect(anonymous), f"anonymous got {anonymous.status_code}"
    results = {}
    for persona in PERSONAS:
        user = world["users"][persona]
        client.force_login(user)
        if case.method == "post":
            assert client.get(url).status_code == 405, f"{persona}: GET must not act"
        results[persona] = _call(client, case, url, world).status_code
    if case.kind == Kind.LOGIN:
        expected = dict.fromkeys(PERSONAS, "ok")
    else:
        expected = {p: "ok" if p in case.allowed else case.denied for p in PERSONAS}
    got = {p: "ok" if s in case.ok_statuses() and expected[p] == "ok" else s for p, s in results.items()}
    assert got == expected


def _api_access(client, case, url, world, anonymous):  # API-1 API-2 SEC-1
    """A token of each persona, then a revoked and an expired token of an allowed one (see tests/access_matrix.py)."""
    from datetime import timedelta

    from django.utils import timezone

    from licensing_portal.api.models import ApiToken
    from licensing_portal.api.services import api_token_create

    def call(raw):
        client.logout()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if case.method == "post":
            return client.post(url, case.resolve_data(world), content_type="application/json", **headers)
        return client.get(url, **headers)

    assert anonymous.status_code == 401, f"anonymous got {anonymous.status_code}"
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    results, tokens = {}, {}
    for persona in PERSONAS:
        token, raw = api_token_create(creator=world["users"][persona], name="matrix")
        tokens[persona] = (token, raw)
        if case.method == "post":
            assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 405, f"{persona}: GET acts"
        results[persona] = call(raw).status_code
    # Service tokens act as the organisation administrator who made them: Contoso's as its administrator,
    # Fabrikam's (another organisation) as Fabrikam's administrator.
    for persona, organization in (("administrator", world["tenant"]), ("other_org_admin", world["other_tenant"])):
        _service, raw = api_token_create(creator=world["users"][persona], name="svc", organization=organization)
        results[f"{persona} (service token)"] = call(raw).status_code
    expected = {p: "ok" if p in case.allowed else case.denied for p in PERSONAS}
    for persona in ("administrator", "other_org_admin"):
        expected[f"{persona} (service token)"] = expected[persona]
    got = {p: "ok" if s in case.ok_statuses() and expected[p] == "ok" else s for p, s in results.items()}
    assert got == expected
    token, raw = tokens[sorted(case.allowed)[0]]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert call(raw).status_code == 401, "expired token"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=timezone.now())
    assert call(raw).status_code == 401, "revoked token"


def test_framework_admin_redirects_anonymous_to_admin_login(client, db):  # SEC-1
    resp = client.get(reverse("admin:index"))
    assert resp.status_code == 302 and resp.url.startswith(reverse("admin:login"))


def test_framework_allauth_login_page_is_public(client, db):  # ACC-1
    assert client.get(reverse("account_login")).status_code == 200


@pytest.mark.django_db
def test_revoked_role_takes_effect_on_the_very_next_request(client):  # SEC-1 RES-6 PERM-7
    from permissions.services import grants_revoke

    world = build_world()
    user, lid = world["users"]["licensing_info"], world["lid"]
    client.force_login(user)
    assert client.get(lid.get_absolute_url()).status_code == 200
    grants_revoke(licensing_id=lid, email=user.business_email)
    assert client.get(lid.get_absolute_url()).status_code == 404


# --- SEC-9: ids out of the bigint range ------------------------------------------------------------------

ID_PART = re.compile(r"<(?:(\w+):)?\w+>")
ID_ROUTES = sorted({route for route, _ in PORTAL_URLS if any(m[1] in ("pk", "int") for m in ID_PART.finditer(route))})
HUGE_IDS = ("99999999999999999999", str(2**63))


def with_id(route: str, value: str) -> str:
    """The route as a path: every id part set to `value`, any other part (a token) to a placeholder."""
    return "/" + ID_PART.sub(lambda m: value if m[1] in ("pk", "int") else "x", route)


def test_sec9_every_id_in_a_url_is_bounded():  # SEC-9
    assert ID_ROUTES, "no url takes an id?"
    unbounded = [route for route, _ in PORTAL_URLS if "<int:" in route]
    assert not unbounded, f"use <pk:...> (licensing_portal/converters.py), not <int:...>: {unbounded}"


@pytest.mark.django_db
def test_sec9_out_of_range_ids_answer_404_for_everyone(client, monkeypatch):  # SEC-9
    """Every url with an id, with each id past the bigint range, for anonymous and every persona (the values
    alternate between personas), with the url's own method. As in production (CONN_MAX_AGE > 0), where the
    licensing ID lookup is a prepared statement with a bigint parameter: such an id answered 500 there."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    world = build_world()
    methods = {route: CASES[name].method for route, name in PORTAL_URLS if route in ID_ROUTES}
    client.raise_request_exception = False
    got = {}
    visitors = [(None, value) for value in HUGE_IDS] + [(p, HUGE_IDS[i % 2]) for i, p in enumerate(PERSONAS)]
    for persona, value in visitors:
        if persona is None:
            client.logout()
        else:
            client.force_login(world["users"][persona])
        for route in ID_ROUTES:
            url = with_id(route, value)
            status = getattr(client, methods[route])(url).status_code
            if status != 404:
                got[(persona, url)] = status
    assert got == {}
