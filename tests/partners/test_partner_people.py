"""MPN-2: the partner's Program Administrator adds people to the partner organisation in the portal (People page,
emailed single-use invitation), removes them and withdraws invitations; the people can then be given contact
roles and subscriptions on the MPN pages (MPN-1, MPN-3). SEC-8 applies to the invitation email."""

from datetime import timedelta
from email.utils import parseaddr

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from agreements.models import OrganizationMember
from licensing_portal.core.models import AuditEvent
from notifications.models import OutgoingEmail
from notifications.services import email_send
from partners import services
from partners.models import PartnerInvitation
from subscriptions.models import ContactRole, PartnerContactRole, PartnerMembership, PartnerSubscription
from tests.browser import t
from tests.factories import MembershipFactory, PartnerAdminFactory, PartnerFactory, UserFactory
from tests.partners.conftest import link_in
from tests.security.conftest import shared_cache  # noqa: F401 - fixture: limits on the shared Redis cache

pytestmark = pytest.mark.django_db

PEOPLE = "/partners/people/"
JOIN = "/partners/people/join/"
INVITE_TEMPLATE = "partners/emails/person_invitation"


@pytest.fixture
def membership(partner):
    return MembershipFactory(organization=partner, kind=PartnerMembership.Kind.ACTION_PACK, entitlements=2)


@pytest.fixture
def invitee():
    return UserFactory(email="nina@northwind.example", first_name="Nina", last_name="Nguyen", language="fr")


def _invite(client, email="nina@northwind.example", partner=None):
    url = PEOPLE if partner is None else f"{PEOPLE}?partner={partner.pk}"
    return client.post(url, {"email": email})


def _join_path(email="nina@northwind.example"):
    row = OutgoingEmail.objects.filter(template=INVITE_TEMPLATE, to_email=email).latest("pk")
    return link_in(row.body_text, JOIN)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_mpn2_program_administrator_adds_a_person_who_then_gets_a_role_and_a_subscription(
    client, partner, partner_admin, membership, invitee, outbox
):
    client.force_login(partner_admin)
    response = _invite(client)
    assert response.status_code == 302
    page = client.get(response.url)
    assert "We emailed an invitation to nina@northwind.example." in _messages(page)
    assert "nina@northwind.example" in page.content.decode()  # listed among the open invitations
    [email] = outbox(template=INVITE_TEMPLATE)
    assert email.to_email == "nina@northwind.example" and email.language == "fr"  # the account's language
    assert AuditEvent.objects.filter(verb="partners.person_invited", target_email="nina@northwind.example").exists()

    path = _join_path()
    client.force_login(invitee)
    confirm = client.get(path)
    assert confirm.status_code == 200 and "Northwind" in confirm.content.decode()
    assert not OrganizationMember.objects.filter(user=invitee).exists()  # GET changes nothing
    assert client.post(path).status_code == 302
    member = OrganizationMember.objects.get(organization=partner, user=invitee)
    assert member.is_admin is False
    invitation = PartnerInvitation.objects.get()
    assert invitation.accepted_by == invitee and invitation.accepted_at is not None
    assert AuditEvent.objects.filter(verb="partners.person_joined", actor=invitee).exists()
    [joined] = outbox(template="partners/emails/person_joined")
    assert joined.to_email == partner_admin.notification_email and joined.language == partner_admin.language

    # the Program Administrator sees them on Requirements & Assets and gives them a role, then a subscription
    client.force_login(partner_admin)
    requirements = client.get(reverse("subscriptions:mpn_requirements", args=[membership.pk]))
    assert "nina@northwind.example" in requirements.content.decode()
    assert "Add people to Northwind" in requirements.content.decode()
    response = client.post(
        reverse("subscriptions:mpn_requirements", args=[membership.pk]),
        {"member": member.pk, "role": ContactRole.FIRST_TECHNICAL},
    )
    assert response.status_code == 302
    assert PartnerContactRole.objects.filter(member=member, role=ContactRole.FIRST_TECHNICAL).exists()
    response = client.post(reverse("subscriptions:mpn_vs_subscriptions", args=[membership.pk]), {"member": member.pk})
    assert response.status_code == 302
    assert PartnerSubscription.objects.filter(member=member, status="active").exists()


def test_mpn2_the_answer_never_says_whether_the_address_has_an_account(client, partner, partner_admin, invitee):
    client.force_login(partner_admin)
    known = client.get(_invite(client, "nina@northwind.example").url)
    unknown = client.get(_invite(client, "nobody@northwind.example").url)
    assert _messages(known) == ["We emailed an invitation to nina@northwind.example."]
    assert _messages(unknown) == ["We emailed an invitation to nobody@northwind.example."]
    assert OutgoingEmail.objects.filter(template=INVITE_TEMPLATE).count() == 2


def test_mpn2_a_non_admin_member_sees_the_people_but_cannot_invite(client, partner, partner_admin, outbox):
    colleague = PartnerAdminFactory(organization=partner, is_admin=False).user
    client.force_login(colleague)
    page = client.get(PEOPLE)
    assert page.status_code == 200
    body = page.content.decode()
    assert partner_admin.email in body and 'name="email"' not in body  # listed; no add form
    assert _invite(client).status_code == 403
    invitation = services.partner_person_invite(partner=partner, invited_by=partner_admin, email="x@northwind.example")
    for url in (
        reverse("partners:person_invitation_revoke", args=[invitation.pk]),
        reverse("partners:person_remove", args=[OrganizationMember.objects.get(user=partner_admin).pk]),
    ):
        assert client.post(url).status_code == 404
    assert PartnerInvitation.objects.count() == 1 and outbox(template=INVITE_TEMPLATE) == outbox()[:1]
    assert PartnerInvitation.objects.get().revoked_at is None


def test_mpn2_a_non_admin_member_is_refused_by_the_service_too(partner, partner_admin, outbox):
    from licensing_portal.errors import ApplicationError

    colleague = PartnerAdminFactory(organization=partner, is_admin=False).user
    with pytest.raises(ApplicationError, match="Program Administrator"):
        services.partner_person_invite(partner=partner, invited_by=colleague, email="x@northwind.example")
    assert not PartnerInvitation.objects.exists() and not outbox()


def test_mpn2_another_account_cannot_accept(client, partner, partner_admin, invitee):
    client.force_login(partner_admin)
    _invite(client)
    path = _join_path()
    intruder = UserFactory(email="mallory@evil.example")
    client.force_login(intruder)
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' not in page.content.decode().split("<main", 1)[-1]
    refused = client.post(path)
    assert refused.status_code == 400
    assert "This invitation was sent to nina@northwind.example" in refused.content.decode()
    assert not OrganizationMember.objects.filter(user=intruder).exists()
    assert PartnerInvitation.objects.get().accepted_at is None
    assert AuditEvent.objects.filter(verb="partners.person_accept_refused", actor=intruder).exists()
    client.force_login(invitee)  # the link still works for the person it was sent to
    assert client.post(path).status_code == 302


def test_mpn2_an_unverified_sign_in_address_cannot_accept(client, partner, partner_admin):
    claimant = UserFactory(email="nina@northwind.example", business_email="", business_email_verified_at=None)
    EmailAddress.objects.filter(user=claimant).update(verified=False)
    client.force_login(partner_admin)
    _invite(client)
    client.force_login(claimant)
    assert client.post(_join_path()).status_code == 400
    assert not OrganizationMember.objects.filter(user=claimant).exists()


def test_mpn2_a_verified_business_email_may_accept(client, partner, partner_admin):
    person = UserFactory(email="nina.home@example.com", business_email="nina@northwind.example")
    client.force_login(partner_admin)
    _invite(client)
    client.force_login(person)
    assert client.post(_join_path()).status_code == 302
    assert OrganizationMember.objects.filter(organization=partner, user=person, is_admin=False).exists()


def test_mpn2_accepting_twice_or_an_expired_link_is_a_clear_error(
    client, partner, partner_admin, invitee, time_machine
):
    client.force_login(partner_admin)
    _invite(client)
    path = _join_path()
    client.force_login(invitee)
    assert client.post(path).status_code == 302
    again = client.post(path)
    assert again.status_code == 400 and t("fr", "This link has already been used.") in again.content.decode()
    assert OrganizationMember.objects.filter(user=invitee).count() == 1

    client.force_login(partner_admin)
    _invite(client, "late@northwind.example")
    late_path = _join_path("late@northwind.example")
    late = UserFactory(email="late@northwind.example")
    time_machine.move_to(PartnerInvitation.objects.get(email="late@northwind.example").expires_at + timedelta(hours=1))
    client.force_login(late)
    expired = client.get(late_path)
    assert expired.status_code == 400 and "This link has expired." in expired.content.decode()
    assert client.post(late_path).status_code == 400
    assert not OrganizationMember.objects.filter(user__email="late@northwind.example").exists()


def test_mpn2_a_withdrawn_invitation_link_no_longer_works(client, partner, partner_admin, invitee):
    client.force_login(partner_admin)
    _invite(client)
    path = _join_path()
    invitation = PartnerInvitation.objects.get()
    response = client.post(reverse("partners:person_invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert 'id="invitations"' not in client.get(PEOPLE).content.decode()  # no open invitation is listed
    client.force_login(invitee)
    assert client.post(path).status_code == 400
    assert not OrganizationMember.objects.filter(user=invitee).exists()
    assert AuditEvent.objects.filter(verb="partners.person_invitation_revoked").exists()


def test_mpn2_program_administrator_removes_a_person_but_not_themselves_nor_an_admin(client, partner, partner_admin):
    colleague = PartnerAdminFactory(organization=partner, is_admin=False)
    other_admin = PartnerAdminFactory(organization=partner, is_admin=True)
    own = OrganizationMember.objects.get(organization=partner, user=partner_admin)
    client.force_login(partner_admin)
    page = client.get(PEOPLE).content.decode()
    assert f"/partners/people/{colleague.pk}/remove/" in page
    assert f"/partners/people/{own.pk}/remove/" not in page and f"/partners/people/{other_admin.pk}/remove/" not in page

    assert client.get(reverse("partners:person_remove", args=[colleague.pk])).status_code == 405  # SEC-2
    for target in (own, other_admin):
        response = client.post(reverse("partners:person_remove", args=[target.pk]), follow=True)
        assert any("Nothing was changed" in m or "ask support" in m for m in _messages(response))
    assert OrganizationMember.objects.filter(pk__in=[own.pk, other_admin.pk]).count() == 2

    response = client.post(reverse("partners:person_remove", args=[colleague.pk]))
    assert response.status_code == 302
    assert not OrganizationMember.objects.filter(pk=colleague.pk).exists()
    assert AuditEvent.objects.filter(verb="partners.person_removed", target_email=colleague.user.email).exists()


def test_mpn1_a_person_holding_a_subscription_is_not_removed_until_it_is(partner, partner_admin, membership):
    from licensing_portal.errors import ApplicationError
    from subscriptions import services as subscription_services

    person = PartnerAdminFactory(organization=partner, is_admin=False)
    subscription_services.partner_contact_role_assign(
        membership=membership, member=person, role=ContactRole.FIRST_TECHNICAL, actor=partner_admin
    )
    subscription = subscription_services.partner_subscription_assign(
        membership=membership, member=person, actor=partner_admin
    )
    with pytest.raises(ApplicationError, match="holds a membership subscription"):
        services.partner_person_remove(member=person, actor=partner_admin)
    subscription_services.partner_subscription_remove(subscription=subscription, actor=partner_admin)
    services.partner_person_remove(member=person, actor=partner_admin)
    assert not OrganizationMember.objects.filter(pk=person.pk).exists()


def test_mpn2_another_partners_person_and_invitation_are_404(client, partner, partner_admin):
    other = PartnerFactory(name="Tailspin")
    other_admin = PartnerAdminFactory(organization=other, is_admin=True).user
    other_person = PartnerAdminFactory(organization=other, is_admin=False)
    other_invitation = services.partner_person_invite(partner=other, invited_by=other_admin, email="t@tailspin.example")
    client.force_login(partner_admin)
    assert client.post(reverse("partners:person_remove", args=[other_person.pk])).status_code == 404
    assert client.post(reverse("partners:person_invitation_revoke", args=[other_invitation.pk])).status_code == 404
    # naming another partner in the query string shows the user's own partner, never the other one
    page = client.get(f"{PEOPLE}?partner={other.pk}").content.decode()
    assert "Tailspin" not in page and "t@tailspin.example" not in page and other_admin.email not in page
    assert OrganizationMember.objects.filter(pk=other_person.pk).exists()
    assert PartnerInvitation.objects.get(pk=other_invitation.pk).revoked_at is None


def test_mpn2_non_partners_are_told_they_are_not_recognised(client):  # RES-4c
    client.force_login(UserFactory())
    assert client.get(PEOPLE).status_code == 403


def test_mpn2_people_page_query_count_is_constant(
    client, partner, partner_admin, membership, django_assert_num_queries
):
    client.force_login(partner_admin)
    services.partner_person_invite(partner=partner, invited_by=partner_admin, email="a@northwind.example")
    client.get(PEOPLE)  # warm the session and the caches

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PEOPLE).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(49):
        PartnerAdminFactory(organization=partner, is_admin=False)
        services.partner_person_invite(partner=partner, invited_by=partner_admin, email=f"p{n}@northwind.example")
    with django_assert_num_queries(few):
        page = client.get(PEOPLE)
    assert page.content.decode().count("/remove/") == 49


def test_mpn2_people_page_of_a_second_partner_via_the_mpn_link(client, partner, partner_admin):
    second = PartnerFactory(name="Second Co")
    PartnerAdminFactory(organization=second, user=partner_admin, is_admin=True)
    client.force_login(partner_admin)
    assert "Second Co" in client.get(f"{PEOPLE}?partner={second.pk}").content.decode()
    _invite(client, "s@second.example", partner=second)
    assert PartnerInvitation.objects.get(email="s@second.example").partner == second


@pytest.mark.usefixtures("shared_cache")
def test_sec8_people_invitations_are_rate_limited(client, partner, partner_admin, settings):
    settings.USER_TEXT_EMAIL_LIMITS_ENABLED = True
    settings.USER_TEXT_EMAIL_LIMIT_PER_USER = 2
    settings.USER_TEXT_EMAIL_LIMIT_PER_ORGANIZATION = 100
    client.force_login(partner_admin)
    statuses = [_invite(client, f"p{n}@northwind.example").status_code for n in range(4)]
    assert statuses == [302, 302, 400, 400]
    assert OutgoingEmail.objects.filter(template=INVITE_TEMPLATE).count() == 2
    assert PartnerInvitation.objects.count() == 2


@pytest.mark.usefixtures("shared_cache")
def test_sec8_an_unapproved_partner_sends_few_people_invitations(client, settings):
    settings.PARTNER_UNAPPROVED_DAILY_LIMIT = 1
    newco = PartnerFactory(name="NewCo", sending_approved_at=None)
    admin = PartnerAdminFactory(organization=newco, is_admin=True).user
    client.force_login(admin)
    assert _invite(client, "a@newco.example").status_code == 302
    refused = _invite(client, "b@newco.example")
    assert refused.status_code == 400 and "until support approves it" in refused.content.decode()
    assert PartnerInvitation.objects.filter(partner=newco).count() == 1


def test_sec8_the_partner_name_is_quoted_never_the_sender_or_the_subject_lead(client, settings, partner_admin):
    hostile = '<b>URGENT</b> Verify at https://evil.example\n\nnow <img src="x">'
    partner = PartnerFactory(name=hostile)
    admin = PartnerAdminFactory(organization=partner, is_admin=True, user=UserFactory(email="pat@evil.example")).user
    client.force_login(admin)
    assert _invite(client, "victim@contoso.example").status_code == 302
    row = OutgoingEmail.objects.get(template=INVITE_TEMPLATE)
    mail.outbox = []
    email_send(outgoing_email_id=row.pk)
    [message] = mail.outbox
    assert parseaddr(message.from_email) == parseaddr(settings.DEFAULT_FROM_EMAIL)
    assert message.subject.startswith("Invitation") and "\n" not in message.subject
    assert message.subject.index("“") < message.subject.index("URGENT")
    assert "<b>URGENT</b>" not in row.body_html and '<img src="x">' not in row.body_html
    assert (
        row.body_html.index("<blockquote")
        < row.body_html.index("&lt;b&gt;URGENT")
        < row.body_html.index("</blockquote>")
    )
    quoted = [line for line in row.body_text.splitlines() if "URGENT" in line]
    assert quoted and all(line.startswith("> ") for line in quoted)


def test_mpn2_email_templates_have_three_parts():  # NOTE-3
    from django.template.loader import get_template

    for name in ("person_invitation", "person_joined"):
        for suffix in (".subject.txt", ".txt", ".html"):
            get_template(f"partners/emails/{name}{suffix}")
