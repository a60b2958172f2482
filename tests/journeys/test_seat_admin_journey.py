"""A Subscriptions Manager ticks three seats on the pool page, confirms once and the three are removed, each
subscriber emailed (SUB-7); a subscriber writes to their admins from My benefits without learning who they are
(SUB-9). In English and French (ACC-5)."""

import re

import pytest
from playwright.sync_api import expect

from notifications.models import OutgoingEmail
from permissions.models import Role
from subscriptions.models import Seat
from tests.browser import assert_accessible_basics, sign_in, t, tn
from tests.factories import LicensingIDFactory, OrganizationFactory, PoolFactory, SeatFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sub7_select_three_seats_remove_them_after_one_confirmation(live_server, new_context, shot, lang):
    lid = LicensingIDFactory(organization=OrganizationFactory())
    pool = PoolFactory(licensing_id=lid, quantity=10)
    manager = grant(
        UserFactory(email="mia@contoso.example", first_name="Mia", last_name="Manager", language=lang),
        lid,
        Role.SUBSCRIPTIONS_MANAGER,
    )
    picked = [SeatFactory(pool=pool, email=f"dev{n}@contoso.example") for n in range(3)]
    kept = SeatFactory(pool=pool, email="keep@contoso.example")

    page = new_context(locale=lang).new_page()
    sign_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/subscriptions/pools/{pool.pk}/")
    for seat in picked:
        page.get_by_role("checkbox", name=t(lang, "Select %(email)s") % {"email": seat.email}).check()
    assert_accessible_basics(page)
    page.get_by_role("button", name=t(lang, "Remove selected")).click()

    page.wait_for_url(re.compile(r"/remove-seats/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Remove the selected subscriptions"))
    listed = page.locator("#selected-seats li")
    expect(listed).to_have_count(3)
    for seat in picked:
        expect(listed.filter(has_text=seat.email)).to_have_count(1)
    expect(page.get_by_text(kept.email)).to_have_count(0)
    assert Seat.objects.filter(status=Seat.Status.ACTIVE).count() == 4  # nothing removed before confirming
    assert_accessible_basics(page)
    shot(f"seats-remove-confirm-{lang}", page)
    page.get_by_role("button", name=t(lang, "Remove"), exact=True).click()

    page.wait_for_url(re.compile(rf"/subscriptions/pools/{pool.pk}/$"))
    message = tn(
        lang,
        "%(count)s subscription was removed; its subscriber was emailed.",
        "%(count)s subscriptions were removed; each subscriber was emailed.",
        3,
    ) % {"count": 3}
    expect(page.get_by_role("alert").first).to_contain_text(message)
    rows = page.locator("#seats tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(kept.email)
    shot(f"seats-removed-{lang}", page)

    assert set(Seat.objects.filter(status=Seat.Status.REMOVED).values_list("email", flat=True)) == {
        s.email for s in picked
    }
    sent = OutgoingEmail.objects.filter(template="subscriptions/emails/subscription_removed")
    assert sorted(sent.values_list("to_email", flat=True)) == sorted(s.email for s in picked)


def test_sub9_subscriber_contacts_admin_who_receives_it_unnamed(live_server, new_context, shot, lang):
    lid = LicensingIDFactory(organization=OrganizationFactory(name="Contoso"))
    pool = PoolFactory(licensing_id=lid, quantity=10)
    grant(
        UserFactory(email="mia@contoso.example", first_name="Mia", last_name="Manager", language=lang),
        lid,
        Role.SUBSCRIPTIONS_MANAGER,
    )
    subscriber = UserFactory(email="sam@contoso.example", first_name="Sam", last_name="Subscriber", language=lang)
    SeatFactory(pool=pool, email=subscriber.email)

    page = new_context(locale=lang).new_page()
    sign_in(page, live_server.url, subscriber.email)
    page.goto(f"{live_server.url}/subscriptions/my-benefits/")
    page.get_by_role("link", name=t(lang, "Contact my admin")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Contact my admin"))
    page.get_by_label(t(lang, "Your message")).fill("Please renew my subscription before March.")
    assert_accessible_basics(page)
    shot(f"contact-admin-{lang}", page)
    page.get_by_role("button", name=t(lang, "Send")).click()

    page.wait_for_url(re.compile(r"/subscriptions/my-benefits/$"))
    expect(page.get_by_role("alert").first).to_contain_text(
        t(lang, "Your message was sent to the administrators of this subscription.")
    )
    for secret in ("Mia", "Manager", "mia@contoso.example"):
        expect(page.get_by_text(secret)).to_have_count(0)

    received = OutgoingEmail.objects.get(template="subscriptions/emails/contact_admin")
    assert received.to_email == "mia@contoso.example" and received.language == lang
    assert "Please renew my subscription before March." in received.body_text
    assert "Please renew" not in received.subject
