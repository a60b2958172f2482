"""A user who works for several partner organisations chooses which one they act for (RES-3, RES-5)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Program
from partners.models import PartnerOrder
from tests.factories import PartnerAdminFactory, PartnerFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("partners:index")
SWITCH = reverse("partners:switch")
ORDER = {"customer_email": "buyer@customer.example", "customer_name": "Buyer & Co", "program": Program.values[0]}


@pytest.fixture
def two_hats(partner, partner_admin):
    """Ravi works for Northwind (first) and, since later, for Tailspin."""
    tailspin = PartnerFactory(name="Tailspin")
    PartnerAdminFactory(organization=tailspin, user=partner_admin)
    return partner_admin, partner, tailspin


def test_acts_for_the_oldest_membership_until_switched(client, two_hats):  # RES-3
    user, northwind, tailspin = two_hats
    client.force_login(user)
    body = client.get(INDEX).content.decode()
    assert "You work for partner Northwind." in body and 'name="organization"' in body and "Tailspin" in body

    client.post(reverse("partners:order_create"), ORDER)
    assert PartnerOrder.objects.get().partner == northwind

    response = client.post(SWITCH, {"organization": tailspin.pk}, follow=True)
    assert "You now act for partner Tailspin." in response.content.decode()
    assert "You work for partner Tailspin." in response.content.decode()
    client.post(reverse("partners:order_create"), {**ORDER, "customer_email": "other@customer.example"})
    assert PartnerOrder.objects.get(customer_email="other@customer.example").partner == tailspin


def test_an_organisation_the_user_does_not_work_for_is_refused_and_changes_nothing(client, two_hats):  # SEC-1
    user, northwind, tailspin = two_hats
    stranger = PartnerFactory(name="Contoso Partners")
    client.force_login(user)
    response = client.post(SWITCH, {"organization": stranger.pk}, follow=True)
    body = response.content.decode()
    assert "Choose one of the partner organisations you work for." in body
    assert "You work for partner Northwind." in body
    assert "partners.acting_for" not in client.session


def test_leaving_the_chosen_organisation_falls_back_to_the_remaining_one(client, two_hats):  # RES-3
    user, northwind, tailspin = two_hats
    client.force_login(user)
    client.post(SWITCH, {"organization": tailspin.pk})
    tailspin.members.filter(user=user).delete()
    assert "You work for partner Northwind." in client.get(INDEX).content.decode()


def test_one_membership_shows_no_switcher(client, partner_admin):  # RES-3
    client.force_login(partner_admin)
    assert 'name="organization"' not in client.get(INDEX).content.decode()


def test_switching_and_the_switcher_run_constant_queries(client, two_hats, django_assert_max_num_queries):  # RES-3
    user, northwind, tailspin = two_hats
    client.force_login(user)
    client.get(INDEX)
    with CaptureQueriesContext(connection) as two:
        client.get(INDEX)
    for name in ("Fabrikam Partners", "Litware", "Proseware"):
        PartnerAdminFactory(organization=PartnerFactory(name=name), user=user)
    with django_assert_max_num_queries(len(two)):
        assert "Proseware" in client.get(INDEX).content.decode()
    # session, user, the memberships, and the session write (savepoint, update, release), with five memberships
    with django_assert_max_num_queries(6):
        assert client.post(SWITCH, {"organization": tailspin.pk}).status_code == 302
