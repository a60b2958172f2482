import pytest
from django.core import mail

from licensing_portal.support.models import ServiceRequest, ServiceRequestMessage
from permissions.models import Role
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def _open(client, **data):
    payload = {"topic": "access", "message": "I cannot see my enrollment.", **data}
    return client.post("/support/new/", payload)


def test_user_opens_request_and_reads_thread(client, member, tenant):  # ADM-2
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.LICENSING_INFO)
    client.force_login(member)
    resp = _open(client, licensing_id=lid.pk)
    sr = ServiceRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == sr.get_absolute_url()
    assert sr.licensing_id == lid and sr.requester == member
    assert "I cannot see my enrollment." in client.get(sr.get_absolute_url()).content.decode()


def test_licensing_id_choice_is_limited_to_visible_ids(client, member, other_tenant):  # ADM-2 SEC-1 SEC-3
    foreign = LicensingIDFactory(organization=other_tenant)
    client.force_login(member)
    resp = _open(client, licensing_id=foreign.pk)
    assert resp.status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_authorization_number_is_stored_hashed(client, member):  # ADM-2 AGR-4
    client.force_login(member)
    _open(client, topic="open_license", license_number="V123", authorization_number="SECRET42")
    sr = ServiceRequest.objects.get()
    assert "SECRET42" not in sr.authorization_hash and sr.authorization_hash


def test_another_users_request_is_404(client, member):  # ADM-2 SEC-1
    other = UserFactory()
    client.force_login(other)
    _open(client)
    sr = ServiceRequest.objects.get()
    client.force_login(member)
    assert client.get(sr.get_absolute_url()).status_code == 404
    assert client.post(f"/support/{sr.pk}/message/", {"body": "hi"}).status_code == 404
    assert sr.messages.count() == 1


def test_staff_reply_in_admin_emails_requester_and_shows_in_thread(
    client, member, staff, django_capture_on_commit_callbacks
):  # ADM-2
    client.force_login(member)
    _open(client)
    sr = ServiceRequest.objects.get()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            f"/admin/support/servicerequest/{sr.pk}/change/",
            {
                "status": "answered",
                "reply": "Your access is restored.",
                "messages-TOTAL_FORMS": "1",
                "messages-INITIAL_FORMS": "1",
                "messages-MIN_NUM_FORMS": "0",
                "messages-MAX_NUM_FORMS": "1000",
                "messages-0-id": sr.messages.get().pk,
                "messages-0-request": sr.pk,
            },
        )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    reply = ServiceRequestMessage.objects.get(from_support=True)
    assert reply.body == "Your access is restored."
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "Your access is restored." in mail.outbox[0].body
    client.force_login(member)
    assert "Your access is restored." in client.get(sr.get_absolute_url()).content.decode()


def test_empty_message_changes_nothing(client, member):  # ADM-2 SEC-3
    client.force_login(member)
    assert _open(client, message="   ").status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_request_list_constant_queries(client, member, django_assert_max_num_queries):  # ADM-2
    client.force_login(member)
    for n in (1, 20):
        for _ in range(n):
            _open(client)
        with django_assert_max_num_queries(6):
            assert client.get("/support/").status_code == 200
