"""Role-scoped, time-bound partner access, end to end in English and French (RES-8, RES-9, RES-10): the partner
invites with two roles for 30 days → the customer accepts, narrowing to one role → the partner acts → the clock
moves past the end → the partner is refused and both sides are emailed."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from licensing_portal.core.models import AuditEvent
from partners.models import ResellerRelationship
from partners.tasks import partner_access_expiry_task
from permissions.models import Grant, Role
from tests.browser import PASSWORD, assert_accessible_basics, sign_in, t
from tests.factories import (
    LicensingIDFactory,
    OrganizationFactory,
    PartnerAdminFactory,
    PartnerFactory,
    UserFactory,
    grant,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_invites_customer_narrows_partner_acts_access_ends(  # RES-8 RES-9 RES-10 ACC-5
    live_server, page, new_context, shot, lang, time_machine, outbox
):
    partner = PartnerFactory(name="Northwind Resellers")
    ravi = PartnerAdminFactory(
        organization=partner,
        user=UserFactory(email="ravi@northwind.example", first_name="Ravi", last_name="Patel", language=lang),
    ).user
    contoso = OrganizationFactory(name="Contoso Ltd")
    alice = UserFactory(email="alice@contoso.example", first_name="Alice", last_name="Martin", language=lang)
    lid = LicensingIDFactory(organization=contoso, number="E3000001")
    grant(alice, lid, Role.ADMINISTRATOR)

    # The partner asks for two roles for 30 days.
    sign_in(page, live_server.url, ravi.email)
    page.goto(f"{live_server.url}/partners/customers/")
    page.get_by_role("link", name=t(lang, "Request a reseller relationship")).click()
    page.get_by_label(t(lang, "Customer email (optional)")).fill(alice.email)
    expect(page.get_by_label(t(lang, Role.ADMINISTRATOR.label), exact=True)).to_be_checked()
    page.get_by_label(t(lang, Role.DOWNLOAD.label), exact=True).check()
    page.get_by_label(t(lang, "Duration (days)")).fill("30")
    assert_accessible_basics(page)
    page.get_by_role("button", name=t(lang, "Prepare the invitation")).click()
    link = page.get_by_label(t(lang, "Personal link")).input_value()
    expect(page.get_by_label(t(lang, "Message"))).to_contain_text(t(lang, Role.DOWNLOAD.label))
    shot(f"partner-access-invitation-{lang}")
    rel = ResellerRelationship.objects.get()
    assert rel.requested_roles == [Role.ADMINISTRATOR, Role.DOWNLOAD] and rel.requested_days == 30

    # The customer's administrator accepts, keeping Administrator only.
    customer = new_context(locale=lang).new_page()
    customer.goto(live_server.url + re.sub(r"^https?://[^/]+", "", link))
    customer.fill("input[name=login]", alice.email)
    customer.fill("input[name=password]", PASSWORD)
    customer.press("input[name=password]", "Enter")
    customer.wait_for_url(re.compile(r"/partners/relationships/accept/"))
    expect(customer.get_by_role("heading", level=1)).to_have_text(t(lang, "Reseller relationship"))
    expect(customer.get_by_label("E3000001 (Contoso Ltd)")).to_be_checked()
    customer.get_by_label(t(lang, Role.DOWNLOAD.label), exact=True).uncheck()
    expect(customer.get_by_label(t(lang, "Duration (days)"))).to_have_value("30")
    assert_accessible_basics(customer)
    shot(f"partner-access-accept-{lang}", customer)
    customer.get_by_role("button", name=t(lang, "Accept"), exact=True).click()
    customer.wait_for_url(re.compile(r"/partners/my-partners/$"))
    rel.refresh_from_db()
    assert rel.status == "active" and rel.roles == [Role.ADMINISTRATOR]
    assert set(Grant.objects.filter(email=ravi.business_email).values_list("role", "ends_at")) == {
        (Role.ADMINISTRATOR, rel.ends_at)
    }

    # The partner acts: adds a person on the customer's licence (an audited decision).
    page.goto(f"{live_server.url}/permissions/manage/{lid.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label(t(lang, "Business email")).fill("new.hire@contoso.example")
    page.get_by_label(t(lang, Role.DOWNLOAD.label), exact=True).check()
    page.get_by_role("button", name=t(lang, "Add and send welcome email")).click()
    expect(page.locator("main table")).to_contain_text("new.hire@contoso.example")
    assert AuditEvent.objects.filter(actor=ravi, licensing_id=lid).exists()

    # The customer sees it on the Partner access page.
    customer.goto(f"{live_server.url}/partners/partner-access/")
    expect(customer.get_by_role("heading", level=1)).to_have_text(t(lang, "Partner access"))
    card = customer.locator("section.partner-access")
    expect(card).to_contain_text("Northwind Resellers")
    expect(card.locator(".pa-roles")).to_have_text(t(lang, Role.ADMINISTRATOR.label))
    expect(card.locator(".pa-licences")).to_have_text("E3000001")
    expect(card.locator(".pa-until")).to_contain_text(rel.ends_at.strftime("%Y-%m-%d"))
    expect(card.locator(".pa-last-used")).not_to_have_text(t(lang, "Not yet"))
    expect(card.locator("table")).to_contain_text("new.hire@contoso.example")
    assert_accessible_basics(customer)
    shot(f"partner-access-page-{lang}", customer)

    # The clock moves one second past the end; beat's task revokes the access and tells both sides.
    time_machine.move_to(rel.ends_at + timedelta(seconds=1))
    assert partner_access_expiry_task() == 1
    assert partner_access_expiry_task() == 0
    sign_in(page, live_server.url, ravi.email)  # the 30-minute session did not survive 30 days
    response = page.goto(f"{live_server.url}/agreements/{lid.pk}/")
    assert response.status == 404
    assert page.goto(f"{live_server.url}/permissions/manage/{lid.pk}/").status == 404
    assert not Grant.objects.filter(email=ravi.business_email).exists()
    ended = outbox(template="partners/emails/relationship_access_ended")
    assert sorted((e.to_email, e.language) for e in ended) == sorted([(alice.email, lang), (ravi.email, lang)])
    subject = t(lang, "Partner access of “%(partner)s” has ended") % {"partner": "Northwind Resellers"}
    assert {e.subject for e in ended} == {subject}
