"""Domains and single sign-on settings under hostile input (SEC-3; IDN-1, IDN-2)."""

import re

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from licensing_portal.identity.models import SSOProvider
from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot

pytestmark = pytest.mark.django_db

N = 8


def test_domain_add(client, world):  # SEC-3 IDN-2
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("identity:domain_add", args=[world["tenant"].pk]),
        {"domain": st.one_of(st.from_regex(r"\A[a-z]{1,10}\.(com|example)\Z"), hostile_text())},
        valid={"domain": "fabrikam-sub.example"},
        snapshot=portal_snapshot(),
        max_examples=N,
        shows=[reverse("identity:index")],
    )


def test_sso_settings(client, world):  # SEC-3 IDN-1
    client.force_login(world["users"]["administrator"])

    def secret_kept_out_of_pages(data, before, after):
        page = client.get(reverse("identity:sso", args=[world["tenant"].pk])).content.decode()
        assert SSOProvider.objects.filter(organization=world["tenant"]).exists()
        field = re.search(r'<input[^>]*name="client_secret"[^>]*>', page).group(0)
        assert "value=" not in field  # the secret is never rendered back

    fuzz_form(
        client,
        reverse("identity:sso", args=[world["tenant"].pk]),
        {
            "issuer": st.one_of(st.just("https://idp.contoso.example"), hostile_text()),
            "client_id": hostile_text(),
            "client_secret": hostile_text(),
            "enabled": st.sampled_from(["on", "", "\x00"]),
            "require_sso": st.sampled_from(["on", "", "x" * 300]),
        },
        valid={
            "issuer": "https://idp.contoso.example",
            "client_id": "portal",
            "client_secret": "a-secret-value",
            "enabled": "on",
            "require_sso": "",
        },
        snapshot=portal_snapshot(),
        on_success=secret_kept_out_of_pages,
        max_examples=N,
        shows=[reverse("identity:sso", args=[world["tenant"].pk])],
    )


@pytest.mark.parametrize("name", ["identity:domain_verify", "identity:domain_remove", "identity:sso_remove"])
def test_posts_without_fields_ignore_hostile_bodies(client, world, name):  # SEC-3 IDN-1 IDN-2
    client.force_login(world["users"]["other_org_admin"])  # not theirs: 404, nothing changes
    args = [world["domain"].pk] if name.startswith("identity:domain") else [world["tenant"].pk]
    fuzz_form(
        client,
        reverse(name, args=args),
        ["domain", "confirm"],
        snapshot=portal_snapshot(),
        max_examples=N,
        accepted=lambda response: False,
    )
    client.force_login(world["users"]["administrator"])
    assert client.post(reverse(name, args=args), {"x": "<script>"}).status_code == 302


def test_admin_verify_domains(client, world):  # SEC-3 IDN-2
    from licensing_portal.identity.models import VerifiedDomain

    pending = VerifiedDomain.objects.create(organization=world["tenant"], domain="pending.example")
    client.force_login(world["users"]["staff"])
    fuzz_form(
        client,
        reverse("admin:identity_verifieddomain_changelist"),
        {
            "action": st.one_of(st.just("verify_as_staff"), hostile_text()),
            "_selected_action": st.lists(st.one_of(st.just(str(pending.pk)), hostile_text()), max_size=3),
            "index": st.sampled_from(["0", "x", ""]),
            "select_across": st.sampled_from(["0", "1", "", "\x00"]),
        },
        valid={"action": "verify_as_staff", "_selected_action": [str(pending.pk)], "index": "0", "select_across": "0"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )
    pending.refresh_from_db()
    assert pending.verified_how == "staff"
