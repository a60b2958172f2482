"""SEC-8: actions that email text a user typed are rate-limited per user and per organisation on the shared cache
(Redis, as in production), show that text as quoted input (never as the sender nor the subject's lead), and a
self-registered partner organisation sends only a few orders and invitations a day until support approves it."""

import threading
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import connection

from agreements.models import Organization
from licensing_portal import limits
from licensing_portal.support.models import ServiceRequest
from notifications.models import OutgoingEmail
from notifications.services import email_send
from partners.models import PartnerOrder, ResellerRelationship
from permissions.models import PermissionRequest
from tests.factories import PartnerAdminFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDER = "/partners/orders/new/"
INVITE = "/partners/customers/invite/"
TERMS = {"roles": "download", "days": "30"}  # RES-8: the roles and duration an invitation asks for
HOSTILE_NAME = '<b>URGENT</b> Your licences expire today\n\nVerify at https://evil.example/login <img src="x">'
PHISHING_CUSTOMER = "Contoso\r\nSupport: your account is locked, call +1 555 0100"


@pytest.fixture
def limited(settings, shared_cache):
    """Production-like limits, small enough to reach in a test, on the shared Redis cache."""
    settings.USER_TEXT_EMAIL_LIMITS_ENABLED = True
    settings.USER_TEXT_EMAIL_LIMIT_PER_USER = 3
    settings.USER_TEXT_EMAIL_LIMIT_PER_ORGANIZATION = 4
    settings.USER_TEXT_EMAIL_LIMIT_WINDOW = 3600
    settings.PARTNER_UNAPPROVED_DAILY_LIMIT = 2
    return settings


def _partner_user(partner, email):
    return PartnerAdminFactory(
        organization=partner, user=UserFactory(email=email, first_name="Pat", last_name="Ner")
    ).user


def _order(client, n, name="Fabrikam"):
    return client.post(
        ORDER, {"customer_email": f"buyer{n}@fabrikam.example", "customer_name": name, "program": "open_license"}
    )


def _order_emails():
    return OutgoingEmail.objects.filter(template="partners/emails/order_invitation").count()


def test_sec8_a_burst_of_orders_stops_at_the_per_user_limit(client, limited):
    partner = PartnerFactory(name="Northwind")
    client.force_login(_partner_user(partner, "pat@northwind.example"))
    answers = [_order(client, n) for n in range(6)]
    assert [a.status_code for a in answers] == [302, 302, 302, 400, 400, 400]
    assert "too many times" in answers[3].content.decode()
    assert "Nothing was sent or changed" in answers[3].content.decode()
    assert PartnerOrder.objects.count() == 3
    assert _order_emails() == 3


def test_sec8_the_per_organisation_limit_holds_across_users(client, limited):
    partner = PartnerFactory(name="Northwind")
    first, second = (_partner_user(partner, f"{n}@northwind.example") for n in ("ann", "bob"))
    client.force_login(first)
    assert [_order(client, n).status_code for n in range(3)] == [302] * 3
    client.force_login(second)
    assert [_order(client, n).status_code for n in range(3, 6)] == [302, 400, 400]  # 4 for the organisation
    assert PartnerOrder.objects.filter(partner=partner).count() == 4 == _order_emails()
    other = PartnerFactory(name="Litware")  # another organisation has its own count
    client.force_login(_partner_user(other, "cy@litware.example"))
    assert _order(client, 9).status_code == 302


def test_sec8_the_count_is_atomic_on_the_shared_cache(limited):
    """Eight concurrent counts on the shared cache get eight distinct totals: none is lost (add + incr)."""
    results = []

    def take():
        results.append(limits.count(key="race", window=3600))
        connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(1, 9))


def test_sec8_an_unapproved_partner_sends_a_few_orders_and_invitations_a_day(client, limited):
    limited.USER_TEXT_EMAIL_LIMIT_PER_USER = 100
    limited.USER_TEXT_EMAIL_LIMIT_PER_ORGANIZATION = 100
    user = UserFactory(email="eve@newco.example")
    client.force_login(user)
    assert client.post("/partners/olp-partners/register/", {"name": "NewCo"}).status_code in (200, 302)
    newco = Organization.objects.get(name="NewCo", kind=Organization.Kind.PARTNER)
    assert newco.sending_approved_at is None
    assert _order(client, 1).status_code == 302
    assert client.post(INVITE, {"customer_email": "c@fabrikam.example", "send_email": "on", **TERMS}).status_code == 200
    refused = _order(client, 2)
    assert refused.status_code == 400 and "until support approves it" in refused.content.decode()
    invite = client.post(INVITE, {"customer_email": "d@fabrikam.example", "send_email": "on", **TERMS})
    assert "until support approves it" in invite.content.decode()
    assert ResellerRelationship.objects.filter(partner=newco).count() == 1
    assert PartnerOrder.objects.filter(partner=newco).count() == 1

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        "/admin/agreements/organization/", {"action": "approve_for_sending", "_selected_action": [newco.pk]}
    )
    assert response.status_code == 302
    newco.refresh_from_db()
    assert newco.sending_approved_at is not None
    client.force_login(user)
    assert [_order(client, n).status_code for n in range(3, 7)] == [302] * 4


def test_sec8_existing_partners_are_approved_by_the_migration():
    """Checked on the migrated test database: no partner organisation that existed before SEC-8 waits."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("agreements.migrations.0003_organization_sending_approved_at")
    old = Organization.objects.create(name="Old partner", kind=Organization.Kind.PARTNER)
    customer = Organization.objects.create(name="Customer", kind=Organization.Kind.CUSTOMER)
    migration.approve_existing_partners(apps, None)
    old.refresh_from_db()
    customer.refresh_from_db()
    assert old.sending_approved_at is not None and customer.sending_approved_at is None


def test_sec8_permission_requests_and_service_requests_are_limited(client, limited):
    user = UserFactory(email="req@contoso.example")
    client.force_login(user)
    form = {"program": "enterprise", "number": "E-1", "roles": ["download"], "comment": "please"}
    answers = [client.post("/permissions/request/", form) for _ in range(4)]
    assert [a.status_code for a in answers][:3] == [200, 200, 200]
    assert answers[3].status_code == 400 and "too many times" in answers[3].content.decode()
    assert PermissionRequest.objects.filter(requester=user).count() == 3

    data = {"topic": "other", "message": "Hello support"}
    statuses = [client.post("/support/new/", data).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 400]
    assert ServiceRequest.objects.filter(requester=user).count() == 3


def _send(row):
    mail.outbox = []
    email_send(outgoing_email_id=row.pk)
    [message] = mail.outbox
    return message


def test_sec8_typed_text_is_quoted_never_the_sender_or_the_subject_lead(client, settings):
    partner = PartnerFactory(name=HOSTILE_NAME)
    client.force_login(_partner_user(partner, "pat@evil.example"))
    assert _order(client, 1, name=PHISHING_CUSTOMER).status_code == 302
    client.post(INVITE, {"customer_email": "cust@fabrikam.example", "send_email": "on", **TERMS})
    rows = list(OutgoingEmail.objects.filter(template__startswith="partners/emails/").order_by("pk"))
    assert [r.template for r in rows] == ["partners/emails/order_invitation", "partners/emails/relationship_invitation"]
    for row in rows:
        message = _send(row)
        display_name, address = parseaddr(message.from_email)
        assert (display_name, address) == parseaddr(settings.DEFAULT_FROM_EMAIL)
        assert "URGENT" not in message.from_email and "Contoso" not in message.from_email
        subject = message.subject
        assert subject.split()[0] in ("New", "Invitation")  # the portal's own wording leads
        assert not subject.startswith(("<", "URGENT")) and "\n" not in subject and "\r" not in subject
        assert subject.index("“") < subject.index("URGENT") and len(subject) < 140  # quoted, after ours, cut
        html = row.body_html
        assert "<b>URGENT</b>" not in html and '<img src="x">' not in html
        assert "&lt;b&gt;URGENT&lt;/b&gt;" in html
        assert html.index("<blockquote") < html.index("&lt;b&gt;URGENT") < html.index("</blockquote>")
        text_lines = row.body_text.splitlines()
        quoted = [line for line in text_lines if "URGENT" in line]
        assert quoted and all(line.startswith("> ") for line in quoted)
        assert not any(line.startswith(("Verify", "Support:")) for line in text_lines)  # no line of its own
    order = rows[0]
    assert "Support: your account is locked" in order.body_text
    assert all(line.startswith("> ") for line in order.body_text.splitlines() if "your account is locked" in line)


def test_sec8_a_permission_request_comment_is_quoted(client, settings):
    from permissions.models import Role
    from tests.factories import LicensingIDFactory, grant

    lid = LicensingIDFactory(number="E-777", program="enterprise")
    grant(UserFactory(email="boss@contoso.example"), lid, Role.ADMINISTRATOR)
    user = UserFactory(email="req@contoso.example", first_name="<i>Mallory</i>", last_name="Adams")
    client.force_login(user)
    comment = "Approve now\n\nhttps://evil.example/steal <script>x</script>"
    client.post(
        "/permissions/request/", {"program": "enterprise", "number": "E-777", "roles": ["download"], "comment": comment}
    )
    row = OutgoingEmail.objects.get(template="permissions/emails/permission_request")
    assert not row.subject.startswith(("<", "Mallory", "Approve"))
    assert "<script>" not in row.body_html and "&lt;script&gt;" in row.body_html
    assert "<i>Mallory" not in row.body_html
    for line in row.body_text.splitlines():
        if "Approve now" in line or "Mallory" in line:
            assert line.startswith("> ")


def test_ops5_an_order_that_ends_in_a_server_error_does_not_count(limited):  # OPS-5 SEC-8
    """A real failure after the count (PostgreSQL refuses the order row): the three orders the limit allows are
    still there once the database answers again."""
    from django.test import Client

    partner = PartnerFactory(name="Northwind")
    client = Client(raise_request_exception=False)
    client.force_login(_partner_user(partner, "pat@northwind.example"))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'database gone'; END $$;"
            "CREATE TRIGGER refuse_orders BEFORE INSERT ON partners_partnerorder FOR EACH ROW "
            "EXECUTE FUNCTION refuse_order();"
        )
    assert [_order(client, n).status_code for n in range(5)] == [500] * 5
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_orders ON partners_partnerorder")
    assert [_order(client, n).status_code for n in range(4)] == [302, 302, 302, 400]
