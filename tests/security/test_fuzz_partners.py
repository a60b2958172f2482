"""Every partner and Open License form under hostile input (SEC-3): no 500, no partial write, escaped output."""

from urllib.parse import quote, urlsplit

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.models import Program
from licensing_portal.core.models import AuditEvent
from partners import services as partner_services
from partners.models import (
    OpenLicenseAccess,
    OpenLicenseAttempt,
    OpenLicenseAttemptKey,
    OpenLicenseSuspension,
    PartnerInvitation,
    PartnerOrder,
)
from partners.services import partner_person_invite, relationship_invite
from tests.factories import OpenLicenseFactory, UserFactory
from tests.security.fuzz import (
    PAYLOADS,
    assert_escaped,
    fuzz_form,
    hostile_text,
    portal_snapshot,
    snapshot_allowing,
)

pytestmark = pytest.mark.django_db

XSS = "<script>alert('xss')</script>"
N = 8


# A wrong Open License pair is counted and audited on purpose (OPEN-5), under the lock of the user's and the
# address's key rows (SEC-5): the only writes a refusal may make.
def FAILED_PAIR():  # noqa: N802 - reads as the constant it stands for
    return snapshot_allowing(
        audit_verbs=["open_license.invalid_pair", "open_license.suspended", "open_license.refused_suspended"],
        email_templates=["partners/emails/lockout_notice"],
        models=[OpenLicenseAttempt, OpenLicenseAttemptKey, OpenLicenseSuspension],
    )


ROUTES = OpenLicenseAccess.Route.values
FUZZ_SETTINGS = settings(
    max_examples=N,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def licence_numbers():
    return st.one_of(hostile_text(), st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True))


def emails():
    return st.one_of(hostile_text(), st.emails())


@pytest.fixture
def licence(world):
    return OpenLicenseFactory(authorization_number="AUTH-PAIR-1", customer_email="owner@customer.example")


@pytest.fixture
def no_lockout(monkeypatch):
    """Wrong pairs are still counted and audited, but never lock the fuzzer out of the success path."""
    monkeypatch.setattr(partner_services.lockout, "ATTEMPT_LIMIT", 10**6)


def test_open_license_add(client, world, licence):  # SEC-3 OPEN-1 OPEN-5
    client.force_login(world["users"]["download"])
    fuzz_form(
        client,
        reverse("partners:open_license_add"),
        {
            "license_number": licence_numbers(),
            "authorization_number": hostile_text(),
            "acknowledge": st.sampled_from(["on", "", "\x00", "<b>yes</b>"]),
        },
        valid={
            "license_number": licence.license_number,
            "authorization_number": "AUTH-PAIR-1",
            "acknowledge": "on",
        },
        snapshot=FAILED_PAIR(),
        max_examples=N,
    )


@pytest.mark.parametrize("route", ROUTES)
def test_license_register_each_route(client, world, route, licence, no_lockout):  # SEC-3 RES-4
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("partners:license_register"),
        {
            "license_number": licence_numbers(),
            "authorization_number": hostile_text(),
            "customer_email": emails(),
            "route": st.one_of(st.just(route), hostile_text()),
        },
        valid={
            "license_number": licence.license_number,
            "authorization_number": "AUTH-PAIR-1",
            "customer_email": "owner@customer.example",
            "route": route,
        },
        fixed={"acknowledge": "on"},
        snapshot=FAILED_PAIR(),
        max_examples=N,
    )


def test_license_register_prefill_is_escaped(client, world):  # SEC-3 RES-4
    client.force_login(world["users"]["partner"])
    url = reverse("partners:license_register")

    @FUZZ_SETTINGS
    @given(
        st.one_of(st.sampled_from(PAYLOADS), hostile_text()),
        st.one_of(st.sampled_from(ROUTES), hostile_text()),
    )
    def visit(number, route):
        response = client.get(url, {"license": number, "route": route})
        assert response.status_code == 200
        assert_escaped(response.content.decode(), [number[:20], route], url)

    visit()


def test_agreement_select_with_hostile_choice(client, world):  # SEC-3 RES-4a
    client.force_login(world["users"]["partner"])

    @FUZZ_SETTINGS
    @given(st.one_of(st.sampled_from(["²", "١٢", "9" * 5000, "99999999999999999999", "new", "-1"]), hostile_text()))
    def visit(choice):
        assert client.get(reverse("partners:agreement_select"), {"licence": choice}).status_code == 302

    visit()


def test_partner_switch(client, world):  # SEC-3 RES-3: only the session changes, and only to an own organisation
    user = world["users"]["partner"]
    client.force_login(user)
    own = world["partner_org"].pk

    def acting_for_own(data, before, after):
        assert client.session["partners.acting_for"] == own

    fuzz_form(
        client,
        reverse("partners:switch"),
        {"organization": st.one_of(hostile_text(), st.integers().map(str), st.just(str(own)))},
        valid={"organization": str(own)},
        snapshot=portal_snapshot(),
        on_success=acting_for_own,
        max_examples=N,
    )


def test_order_create(client, world):  # SEC-3 RES-3
    client.force_login(world["users"]["partner"])

    def one_order(data, before, after):
        order = PartnerOrder.objects.latest("pk")
        assert (order.customer_name, order.program) == (data["customer_name"].strip(), data["program"])

    fuzz_form(
        client,
        reverse("partners:order_create"),
        {
            "customer_email": emails(),
            "customer_name": hostile_text(),
            "program": st.one_of(st.sampled_from(Program.values), hostile_text()),
        },
        valid={
            "customer_email": "buyer@customer.example",
            "customer_name": "Buyer & Co",
            "program": Program.values[0],
        },
        snapshot=portal_snapshot(),
        on_success=one_order,
        max_examples=N,
    )


def test_staff_order_record(client, world):  # SEC-3 RES-1
    client.force_login(world["users"]["staff"])
    fuzz_form(
        client,
        reverse("partners:order_record"),
        {
            "organization": st.one_of(st.just(str(world["tenant"].pk)), hostile_text()),
            "license_number": licence_numbers(),
            "authorization_number": hostile_text(),
            "customer_email": emails(),
            "reseller_email": st.one_of(st.just(""), emails()),
        },
        valid={
            "organization": str(world["tenant"].pk),
            "license_number": "V5550001",
            "authorization_number": "AUTH-5550001",
            "customer_email": "buyer@customer.example",
            "reseller_email": "",
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_olp_partners_register(client, world):  # SEC-3 RES-4c
    client.force_login(world["users"]["download"])
    fuzz_form(
        client,
        reverse("partners:olp_register"),
        ["name"],
        snapshot=portal_snapshot(),
        max_examples=N,
        valid={"name": "Acme Partners"},
        shows=[reverse("partners:index")],
    )


def test_partner_name_renders_as_text(client, world):  # SEC-3 RES-4c
    client.force_login(UserFactory())
    response = client.post(reverse("partners:olp_register"), {"name": XSS})
    assert response.status_code == 302
    for url in [reverse("partners:index"), reverse("partners:license_register")]:
        body = client.get(url).content.decode()
        assert XSS not in body


def test_relationship_invite(client, world):  # SEC-3 RES-5 RES-8
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("partners:relationship_invite"),
        {
            "customer_email": st.one_of(st.just(""), emails()),
            "send_email": st.sampled_from(["", "on", "\x00", XSS]),
            "roles": st.lists(st.one_of(st.sampled_from(["administrator", "download"]), hostile_text()), max_size=3),
            "days": st.one_of(st.integers(min_value=-5, max_value=800).map(str), hostile_text()),
        },
        valid={"customer_email": "buyer@customer.example", "send_email": "on", "roles": "download", "days": "30"},
        snapshot=portal_snapshot(),
        max_examples=N,
        accepted=lambda r: r.status_code == 200 and "relationship" in (r.context or {}),
    )


def test_relationship_accept(client, world):  # SEC-3 RES-5 RES-8
    _rel, url = relationship_invite(partner=world["partner_org"], invited_by=world["users"]["partner"])
    client.force_login(world["users"]["other_org_admin"])
    fuzz_form(
        client,
        urlsplit(url).path,
        {
            "customer": st.one_of(st.integers().map(str), st.just("9" * 5000), hostile_text()),
            "licences": st.lists(st.one_of(st.integers().map(str), st.just("²"), hostile_text()), max_size=3),
            "roles": st.lists(st.one_of(st.sampled_from(["administrator", "download"]), hostile_text()), max_size=3),
            "days": st.one_of(st.integers().map(str), hostile_text()),
        },
        snapshot=snapshot_allowing(audit_verbs=["partners.relationship_accept_refused"]),
        max_examples=N,
    )


def test_link_tokens_in_the_path(client, world):  # SEC-3 RES-5 OPEN-4
    """Hostile tokens in emailed links: a clear 400 page, never a 500, never a change but the refusal's audit."""
    client.force_login(world["users"]["administrator"])
    snapshot = snapshot_allowing(audit_verbs=["partners.relationship_accept_refused", "open_license.deny_link_refused"])
    access = world["access"]

    @FUZZ_SETTINGS
    @given(st.one_of(st.sampled_from(PAYLOADS), hostile_text()).filter(lambda t: t.strip()))
    def visit(token):
        token = quote(token, safe="")[:4000]
        for url in [
            f"/partners/access/{access.pk}/deny/{token}/",
            f"/partners/relationships/accept/{token}/",
        ]:
            before = snapshot()
            for method in (client.get, client.post):
                response = method(url, {"customer": world["tenant"].pk})
                assert response.status_code in (400, 404), (url, response.status_code)
            assert snapshot() == before

    visit()


def test_deny_link_post_with_hostile_body(client, world):  # SEC-3 OPEN-4
    fuzz_form(
        client,
        f"/partners/access/{world['access'].pk}/deny/not-a-token/",
        ["token", "next", "pk"],
        snapshot=snapshot_allowing(audit_verbs=["open_license.deny_link_refused"]),
        accepted=lambda r: False,
        max_examples=N,
    )


def test_support_contact_add(client, world):  # SEC-3 RES-7
    client.force_login(world["users"]["partner"])
    member_pk = world["support_contact"].member_id
    fuzz_form(
        client,
        reverse("partners:support_contact_add", args=[world["relationship"].pk]),
        {"member": st.one_of(st.just(str(member_pk)), st.integers().map(str), hostile_text())},
        valid={"member": str(member_pk)},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_support_contact_remove(client, world):  # SEC-3 RES-7
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("partners:support_contact_remove", args=[world["support_contact"].pk]),
        ["next", "member"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_relationship_admin(client, world):  # SEC-3 RES-6
    client.force_login(world["users"]["administrator"])
    lid = world["lid"]
    fuzz_form(
        client,
        reverse("partners:relationship_admin", args=[world["relationship"].pk]),
        {
            "licences": st.lists(
                st.one_of(
                    st.just(str(lid.pk)),
                    st.integers().map(str),
                    hostile_text(),
                    st.sampled_from(["²", "١٢", "9" * 5000, "99999999999999999999"]),
                ),
                max_size=3,
            )
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_relationship_admin_ignores_non_ascii_and_huge_numbers(client, world):  # SEC-3 RES-6 regression
    client.force_login(world["users"]["administrator"])
    url = reverse("partners:relationship_admin", args=[world["relationship"].pk])
    for value in ["²", "١٢", "9" * 5000, "99999999999999999999"]:
        assert client.post(url, {"licences": [value]}).status_code == 302
        assert client.get(reverse("partners:agreement_select"), {"licence": value}).status_code in (302, 403)


def test_relationship_remove(client, world):  # SEC-3 RES-6
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("partners:relationship_remove", args=[world["relationship"].pk]),
        ["next"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


@pytest.mark.parametrize("path", ["/partners/access/{access}/deny/{token}/", "/partners/relationships/accept/{token}/"])
def test_nul_in_a_link_token_is_a_clear_refusal(client, world, path):  # SEC-3 OPEN-4 RES-5 regression
    """The refusal is audited with the token's first characters: a NUL among them used to be a 500."""
    client.force_login(world["users"]["administrator"])
    response = client.post(path.format(access=world["access"].pk, token="ab%00cdefgh"), {"customer": 1})
    assert response.status_code == 400
    if "deny" in path:
        assert AuditEvent.objects.filter(verb="open_license.deny_link_refused", detail__contains="ab\ufffdcde").exists()


def test_people_invite(client, world):  # SEC-3 MPN-2
    client.force_login(world["users"]["partner"])

    def one_invitation(data, before, after):
        assert PartnerInvitation.objects.filter(email=data["email"].strip().lower()).exists()

    fuzz_form(
        client,
        reverse("partners:people"),
        {"email": emails()},
        valid={"email": "new.person@northwind.example"},
        snapshot=portal_snapshot(),
        on_success=one_invitation,
        max_examples=N,
    )


def test_person_remove(client, world):  # SEC-3 MPN-2
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("partners:person_remove", args=[world["partner_colleague"].pk]),
        ["next", "member", "pk"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_person_invitation_revoke(client, world):  # SEC-3 MPN-2
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("partners:person_invitation_revoke", args=[world["partner_invitation"].pk]),
        ["next", "email", "pk"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_person_accept(client, world):  # SEC-3 MPN-2: another account posting anything to the link is refused
    invitation = partner_person_invite(
        partner=world["partner_org"], invited_by=world["users"]["partner"], email="joiner@northwind.example"
    )
    path = urlsplit(link_of(invitation)).path
    client.force_login(world["users"]["other_org_admin"])
    fuzz_form(
        client,
        path,
        ["email", "token", "organization", "is_admin"],
        snapshot=snapshot_allowing(audit_verbs=["partners.person_accept_refused"]),
        accepted=lambda r: False,
        max_examples=N,
    )


def test_people_link_tokens_in_the_path(client, world):  # SEC-3 MPN-2
    """Hostile tokens in the emailed link: a clear 400 page, never a 500, never a change but the refusal's audit."""
    client.force_login(world["users"]["administrator"])
    snapshot = snapshot_allowing(audit_verbs=["partners.person_accept_refused"])

    @FUZZ_SETTINGS
    @given(st.one_of(st.sampled_from(PAYLOADS), hostile_text()).filter(lambda t: t.strip()))
    def visit(token):
        url = f"/partners/people/join/{quote(token, safe='')[:4000]}/"
        before = snapshot()
        for method in (client.get, client.post):
            assert method(url, {"email": token}).status_code in (400, 404), url
        assert snapshot() == before

    visit()


def link_of(invitation):
    from notifications.models import OutgoingEmail

    row = OutgoingEmail.objects.filter(template="partners/emails/person_invitation").latest("pk")
    return next(word for word in row.body_text.split() if "/partners/people/join/" in word)
