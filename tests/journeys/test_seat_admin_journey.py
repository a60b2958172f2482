"""A Subscriptions Manager ticks three seats on the pool page, confirms once and the three are removed, each
subscriber emailed (SUB-7), in English and French (ACC-5)."""

import re

import pytest
from playwright.sync_api import expect

from notifications.models import OutgoingEmail
from permissions.models import Role
from subscriptions.models import Seat
from tests.browser import assert_accessible_basics, sign_in, t, tn
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant
from tests.subscriptions.factories import PoolFactory, SeatFactory

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
