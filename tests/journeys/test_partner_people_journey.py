"""The partner's Program Administrator adds a person on the People page → the person follows the emailed link,
signs in and accepts → the Program Administrator sees them on Requirements & Assets and gives them a contact
role (MPN-2), in English and French."""

import re

import pytest
from playwright.sync_api import expect

from agreements.models import OrganizationMember
from subscriptions.models import ContactRole, PartnerContactRole, PartnerMembership
from tests.browser import PASSWORD, assert_accessible_basics, link_from_outbox, sign_in, t
from tests.factories import MembershipFactory, PartnerAdminFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITEE = "nina@northwind.example"


def test_program_administrator_adds_a_person_who_accepts_and_gets_a_contact_role(  # MPN-2 ACC-5
    live_server, new_context, lang
):
    partner = PartnerFactory(name="Northwind")
    membership = MembershipFactory(organization=partner, kind=PartnerMembership.Kind.ACTION_PACK, entitlements=2)
    admin = PartnerAdminFactory(
        organization=partner,
        is_admin=True,
        user=UserFactory(email="ravi@northwind.example", first_name="Ravi", last_name="Patel", language=lang),
    ).user
    UserFactory(email=INVITEE, first_name="Nina", last_name="Nguyen", language=lang)

    page = new_context(locale=lang).new_page()
    sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/partners/")
    page.get_by_role("link", name=t(lang, "People"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "People"))
    assert_accessible_basics(page)
    page.get_by_label(t(lang, "Email address")).fill(INVITEE)
    page.get_by_role("button", name=t(lang, "Send the invitation")).click()
    expect(page.get_by_role("alert")).to_have_text(
        t(lang, "We emailed an invitation to %(email)s.") % {"email": INVITEE}
    )
    expect(page.locator("#invitations")).to_contain_text(INVITEE)

    link = link_from_outbox(live_server, "/partners/people/join/", to_email=INVITEE)
    person = new_context(locale=lang).new_page()
    person.goto(link)  # signed out: the link leads through the sign-in page and back
    person.fill("input[name=login]", INVITEE)
    person.fill("input[name=password]", PASSWORD)
    person.press("input[name=password]", "Enter")
    person.wait_for_url(re.compile(r"/partners/people/join/"))
    expect(person.get_by_role("heading", level=1)).to_have_text(t(lang, "Join a partner organisation"))
    assert not OrganizationMember.objects.filter(user__email=INVITEE).exists()  # the page alone changes nothing
    assert_accessible_basics(person)
    person.get_by_role("button", name=t(lang, "Accept")).click()
    expect(person.get_by_role("alert").first).to_have_text(
        t(lang, "You now work for partner %(name)s.") % {"name": "Northwind"}
    )
    member = OrganizationMember.objects.get(organization=partner, user__email=INVITEE)
    assert member.is_admin is False

    page.goto(f"{live_server.url}/subscriptions/partner/{membership.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Requirements & Assets"))
    expect(page.get_by_role("link", name=t(lang, "Add people to %(name)s") % {"name": "Northwind"})).to_be_visible()
    expect(page.locator("main table")).to_contain_text(INVITEE)
    page.get_by_label(t(lang, "Individual")).select_option(label=f"Nina Nguyen <{INVITEE}>")
    page.get_by_label(t(lang, "Contact role")).select_option(value=ContactRole.FIRST_TECHNICAL)
    page.get_by_role("button", name=t(lang, "Save")).click()
    expect(page.get_by_role("alert").first).to_have_text(t(lang, "The contact role was saved."))
    expect(page.locator("main table")).to_contain_text(t(lang, ContactRole.FIRST_TECHNICAL.label))
    assert PartnerContactRole.objects.filter(member=member, role=ContactRole.FIRST_TECHNICAL).exists()
