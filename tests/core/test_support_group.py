"""ADM-1 with least privilege: support staff are staff users of the "Support" group, not superusers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from licensing_portal.core.models import AuditEvent
from licensing_portal.staff import SUPPORT_GROUP
from notifications.models import OutgoingEmail
from partners.models import OpenLicenseSuspension
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db):
    user = UserFactory(email="sam@portal.example", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    assert not user.is_superuser
    return user


def test_adm1_support_group_holds_view_everywhere_and_change_only_for_its_actions():
    """Created by migrate (post_migrate), with exactly these rights."""
    perms = set(Group.objects.get(name=SUPPORT_GROUP).permissions.values_list("content_type__app_label", "codename"))
    assert {p for p in perms if not p[1].startswith("view_")} == {
        ("notifications", "change_outgoingemail"),
        ("partners", "change_openlicensesuspension"),
        ("support", "change_servicerequest"),
        ("webhooks", "change_webhookdelivery"),
    }
    assert {("core", "view_user"), ("core", "view_auditevent"), ("permissions", "view_grant")} <= perms
    apps = {app for app, _ in perms}
    assert not apps & {"auth", "sessions", "mfa", "account", "usersessions", "axes", "contenttypes", "admin"}
    portal_views = Permission.objects.filter(
        content_type__app_label__in=["agreements", "partners", "subscriptions", "permissions"],
        codename__startswith="view_",
    )
    assert set(portal_views.values_list("content_type__app_label", "codename")) <= perms


def test_adm1_support_staff_search_every_portal_list(client, support):
    client.force_login(support)
    for model in ["core/user", "core/auditevent", "notifications/outgoingemail", "partners/openlicensesuspension"]:
        assert client.get(f"/admin/{model}/", {"q": "someone@example.com"}).status_code == 200, model
    assert client.get("/admin/agreements/licensingid/", {"q": "E2000001"}).status_code == 200


def test_adm1_support_staff_cannot_grant_themselves_more(client, support):
    client.force_login(support)
    change_self = reverse("admin:core_user_change", args=[support.pk])
    assert client.get(change_self).status_code == 200  # read-only view
    response = client.post(change_self, {"email": support.email, "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 403
    support.refresh_from_db()
    assert not support.is_superuser
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get(reverse("admin:core_user_add")).status_code == 403


def test_adm1_support_staff_resend_an_email(client, support):
    email = OutgoingEmail.objects.create(
        template="t", to_email="a@example.com", subject="s", body_text="b", status=OutgoingEmail.Status.FAILED
    )
    client.force_login(support)
    response = client.post(
        reverse("admin:notifications_outgoingemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
    )
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status in {OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENT}  # eager in tests: sent again
    assert email.attempts <= 1


def test_adm1_support_staff_lift_a_suspension(client, support, member):
    now = timezone.now()
    suspension = OpenLicenseSuspension.objects.create(
        scope=OpenLicenseSuspension.Scope.USER, user=member, created_at=now, expires_at=now + timedelta(hours=1)
    )
    client.force_login(support)
    response = client.post(
        reverse("admin:partners_openlicensesuspension_changelist"),
        {"action": "lift_suspensions", "_selected_action": [suspension.pk]},
    )
    assert response.status_code == 302
    suspension.refresh_from_db()
    assert suspension.lifted_by == support
    assert AuditEvent.objects.filter(verb="open_license.suspension_lifted", actor=support).exists()


def test_adm1_demo_support_user_is_in_the_group_not_superuser():
    from licensing_portal.core.management.commands.seed_demo import _user

    user = _user("support@portal.example", "Sam", "Support", staff=True)
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=SUPPORT_GROUP).exists()


def test_sec8_support_staff_approve_a_new_partner_for_sending(client, support):  # SEC-8 ADM-1
    from agreements.models import Organization

    partner = Organization.objects.create(name="New Reseller", kind=Organization.Kind.PARTNER)
    client.force_login(support)
    response = client.post(
        reverse("admin:agreements_organization_changelist"),
        {"action": "approve_for_sending", "_selected_action": [partner.pk]},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.sending_approved_at is not None
    assert AuditEvent.objects.filter(verb="partners.sending_approved", actor=support).exists()
