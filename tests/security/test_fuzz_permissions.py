"""Every permissions form under hostile input (SEC-3): no 500, no partial write, escaped output."""

from urllib.parse import quote, urlsplit

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.models import Program
from permissions.models import Grant, PermissionRequest, Role, SABenefit
from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot, redirect_with_success

pytestmark = pytest.mark.django_db

XSS = "<script>alert('xss')</script>"
N = 8


def roles():
    return st.lists(st.one_of(st.sampled_from(Role.values), hostile_text()), max_size=3)


def benefits():
    return st.lists(st.one_of(st.sampled_from(SABenefit.values), hostile_text()), max_size=2)


def emails(world):
    known = sorted(u.business_email for u in world["users"].values())
    return st.one_of(hostile_text(), st.emails(), st.sampled_from(known))


def test_request_permissions_form(client, world):  # SEC-3 PERM-4
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("permissions:request"),
        {
            "program": st.one_of(st.sampled_from(Program.values), hostile_text()),
            "number": st.one_of(
                hostile_text(),
                st.just(world["lid"].number),
                st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True),
            ),
            "roles": roles(),
            "sa_benefits": benefits(),
            "comment": hostile_text(),
        },
        valid={
            "program": world["lid"].program,
            "number": world["lid"].number,
            "roles": [Role.DOWNLOAD],
            "sa_benefits": [],
            "comment": "Please",
        },
        snapshot=portal_snapshot(),
        accepted=lambda r: r.status_code == 200,
        max_examples=N,
    )


def test_request_comment_renders_as_text_to_the_administrator(client, world):  # SEC-3 PERM-5
    client.force_login(world["users"]["partner"])
    response = client.post(
        reverse("permissions:request"),
        {
            "program": world["lid"].program,
            "number": world["lid"].number,
            "roles": [Role.DOWNLOAD],
            "comment": XSS,
        },
    )
    assert response.status_code == 200
    pr = PermissionRequest.objects.get(comment=XSS)
    client.force_login(world["users"]["administrator"])
    for url in [reverse("permissions:request_detail", args=[pr.pk]), reverse("permissions:requests_inbox")]:
        body = client.get(url).content.decode()
        assert XSS not in body
    assert "&lt;script&gt;" in client.get(reverse("permissions:request_detail", args=[pr.pk])).content.decode()


def test_request_decide(client, world):  # SEC-3 PERM-5
    client.force_login(world["users"]["administrator"])
    url = reverse("permissions:request_decide", args=[world["permission_request"].pk])
    fuzz_form(
        client,
        url,
        {"decision": st.one_of(st.sampled_from(["approve", "deny"]), hostile_text()), "next": hostile_text()},
        valid={"decision": "deny", "next": "/"},
        snapshot=portal_snapshot(),
        accepted=redirect_with_success,
        max_examples=N,
    )


def test_manage_users_add(client, world):  # SEC-3 PERM-7
    client.force_login(world["users"]["administrator"])
    lid = world["lid"]

    def all_roles_or_none(data, before, after):
        email = data["email"].strip().lower()
        held = set(Grant.objects.filter(licensing_id=lid, email__iexact=email).values_list("role", flat=True))
        assert held == {r for r in data["roles"] if r in Role.values}

    fuzz_form(
        client,
        reverse("permissions:manage_users", args=[lid.pk]),
        {"email": emails(world), "roles": roles(), "sa_benefits": benefits()},
        valid={"email": "new.person@contoso.example", "roles": [Role.DOWNLOAD], "sa_benefits": []},
        snapshot=portal_snapshot(),
        on_success=all_roles_or_none,
        max_examples=N,
    )


def test_manage_user_edit(client, world):  # SEC-3 PERM-7
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("permissions:manage_user_edit", args=[world["lid"].pk]),
        {"email": emails(world), "roles": roles(), "sa_benefits": benefits()},
        valid={
            "email": world["users"]["download"].business_email,
            "roles": [Role.DOWNLOAD, Role.LICENSING_INFO],
            "sa_benefits": [],
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )


@pytest.mark.parametrize("name", ["permissions:manage_user_remove", "permissions:manage_user_deny"])
def test_manage_user_remove_and_deny(client, world, name):  # SEC-3 PERM-7 RES-6
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse(name, args=[world["lid"].pk]),
        {"email": emails(world)},
        valid={"email": world["users"]["licensing_info"].business_email},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


@pytest.mark.parametrize(
    "name,persona",
    [
        ("permissions:remove_self", "download"),
        ("permissions:opt_out", "inherited_admin"),
        ("permissions:opt_in", "inherited_admin"),
    ],
)
def test_self_service_posts(client, world, name, persona):  # SEC-3 PERM-8 PERM-9
    """These take no input but `next`: hostile `next` never redirects off-site nor breaks the page."""
    client.force_login(world["users"][persona])

    def stays_on_site(response):
        assert response.status_code < 500
        if response.status_code in (301, 302, 303):
            target = urlsplit(response["Location"])
            assert not target.scheme and not target.netloc, response["Location"]
        return response.status_code in (301, 302, 303)

    fuzz_form(
        client,
        reverse(name, args=[world["lid"].pk]),
        {"next": hostile_text()},
        snapshot=portal_snapshot(),
        accepted=stays_on_site,
        max_examples=N,
    )


def test_manage_user_resend(client, world):  # SEC-3 PERM-12
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("permissions:manage_user_resend", args=[world["lid"].pk]),
        {"welcome_to": emails(world)},
        valid={"welcome_to": world["users"]["download"].business_email},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_person_apply(client, world):  # SEC-3 PERM-12
    """Hostile emails, ids and roles: no 500; a refusal (or a 404 for an id not administered) changes nothing."""
    client.force_login(world["users"]["administrator"])
    lid = world["lid"]
    ids = st.lists(
        st.one_of(st.just(str(lid.pk)), st.just(str(world["other_lid"].pk)), hostile_text(), st.just("9" * 40)),
        max_size=3,
    )

    def applied(data, before, after):
        email = data["email"].strip().lower()
        held = set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))
        assert held == {r for r in data["roles"] if r in Role.values}

    fuzz_form(
        client,
        reverse("permissions:person"),
        {"email": emails(world), "licensing_ids": ids, "roles": roles(), "sa_benefits": benefits()},
        valid={
            "email": world["users"]["download"].business_email,
            "licensing_ids": [str(lid.pk)],
            "roles": [Role.DOWNLOAD, Role.PRODUCT_KEYS],
            "sa_benefits": [],
        },
        snapshot=portal_snapshot(),
        on_success=applied,
        max_examples=N,
    )


def test_welcome_link_with_hostile_tokens(client, world):  # SEC-3 PERM-12
    snapshot = portal_snapshot()

    @settings(
        max_examples=N,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.one_of(hostile_text(), st.just("not-a-token")).filter(lambda t: t.strip() and "/" not in t))
    def visit(token):
        url = reverse("permissions:welcome", args=["x"]).replace("/x/", f"/{quote(token, safe='')[:4000]}/")
        before = snapshot()
        for method in (client.get, client.post):
            assert method(url, {"token": token}).status_code in (400, 404), url
        assert snapshot() == before

    visit()
