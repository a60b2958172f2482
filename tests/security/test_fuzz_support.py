"""Service requests and the Django admin tools that take input, under hostile input (SEC-3 ADM-1 ADM-2)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from licensing_portal.support.models import ServiceRequest, ServiceRequestMessage
from notifications.models import OutgoingEmail
from partners.models import OpenLicenseSuspension
from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot

pytestmark = pytest.mark.django_db

XSS = "<script>alert('xss')</script>"
N = 8


def test_service_request_create(client, world):  # SEC-3 ADM-2
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("support:create"),
        {
            "topic": st.one_of(st.sampled_from(ServiceRequest.Topic.values), hostile_text()),
            "licensing_id": st.one_of(
                st.just(str(world["lid"].pk)),
                st.just(str(world["other_lid"].pk)),
                st.integers().map(str),
                hostile_text(),
            ),
            "license_number": hostile_text(),
            "authorization_number": hostile_text(),
            "on_behalf_of": st.one_of(st.just(""), st.emails(), hostile_text()),
            "message": hostile_text(),
        },
        valid={
            "topic": "other",
            "licensing_id": str(world["lid"].pk),
            "license_number": "",
            "authorization_number": "",
            "on_behalf_of": "",
            "message": "Help & <thanks>",
        },
        snapshot=portal_snapshot(),
        max_examples=N,
        shows=[reverse("support:list")],
    )


def test_service_request_message(client, world):  # SEC-3 ADM-2
    client.force_login(world["users"]["administrator"])
    sr = world["service_request"]

    def one_whole_message(data, before, after):
        assert ServiceRequestMessage.objects.filter(request=sr).latest("pk").body == data["body"].strip()

    fuzz_form(
        client,
        reverse("support:message", args=[sr.pk]),
        ["body"],
        valid={"body": "More details"},
        snapshot=portal_snapshot(),
        on_success=one_whole_message,
        max_examples=N,
    )


def test_admin_reply(client, world):  # SEC-3 ADM-2
    """Support answers in the admin change form; the requester reads the reply escaped in the portal."""
    sr = world["service_request"]
    client.force_login(world["users"]["staff"])
    url = reverse("admin:support_servicerequest_change", args=[sr.pk])
    fuzz_form(
        client,
        url,
        {
            "status": st.one_of(st.sampled_from(ServiceRequest.Status.values), hostile_text()),
            "reply": hostile_text(),
        },
        valid={"status": ServiceRequest.Status.values[0], "reply": "We are on it"},
        fixed={"messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0", "_save": "Save"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )
    client.post(
        url,
        {
            "status": ServiceRequest.Status.values[0],
            "reply": XSS,
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
        },
    )
    assert ServiceRequestMessage.objects.filter(request=sr, body=XSS, from_support=True).exists()
    client.force_login(world["users"]["administrator"])
    body = client.get(reverse("support:detail", args=[sr.pk])).content.decode()
    assert XSS not in body and "&lt;script&gt;" in body


def _action(name: str, selected: st.SearchStrategy):
    return {
        "action": st.one_of(st.just(name), hostile_text()),
        "_selected_action": st.lists(selected, max_size=3),
        "index": st.sampled_from(["0", "x", ""]),
        "select_across": st.sampled_from(["0", "1", "", "\x00"]),
    }


def test_admin_outbox_resend(client, world):  # SEC-3 ADM-1
    email = OutgoingEmail.objects.order_by("pk").first()  # the world's permission request emailed its admins
    assert email is not None
    client.force_login(world["users"]["staff"])
    fuzz_form(
        client,
        reverse("admin:notifications_outgoingemail_changelist"),
        _action("resend", st.one_of(st.just(str(email.pk)), st.integers().map(str), hostile_text())),
        valid={"action": "resend", "_selected_action": [str(email.pk)], "index": "0", "select_across": "0"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_admin_lift_suspension(client, world):  # SEC-3 ADM-1 OPEN-5
    now = timezone.now()
    suspension = OpenLicenseSuspension.objects.create(
        scope=OpenLicenseSuspension.Scope.USER,
        user=world["users"]["download"],
        created_at=now,
        expires_at=now + timezone.timedelta(hours=1),
    )
    client.force_login(world["users"]["staff"])
    fuzz_form(
        client,
        reverse("admin:partners_openlicensesuspension_changelist"),
        _action("lift_suspensions", st.one_of(st.just(str(suspension.pk)), st.integers().map(str), hostile_text())),
        valid={
            "action": "lift_suspensions",
            "_selected_action": [str(suspension.pk)],
            "index": "0",
            "select_across": "0",
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None


def test_admin_search_and_filters_survive_hostile_queries(client, world):  # SEC-3 ADM-1
    client.force_login(world["users"]["staff"])
    for url in [
        reverse("admin:notifications_outgoingemail_changelist"),
        reverse("admin:partners_openlicensesuspension_changelist"),
        reverse("admin:support_servicerequest_changelist"),
        reverse("admin:core_auditevent_changelist"),
    ]:
        for query in [XSS, "\x00", "' OR 1=1 --", "9" * 5000, "😀" * 50]:
            response = client.get(url, {"q": query})
            assert response.status_code in (200, 302), (url, query)
            assert XSS not in response.content.decode()
