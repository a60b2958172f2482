"""API-2: tokens are shown once, stored hashed, expire, record their last use, can be revoked, and never hold more
than their creator holds now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agreements.models import Organization, OrganizationMember
from licensing_portal import audit
from licensing_portal.api.models import ApiToken
from licensing_portal.api.services import api_token_create, api_token_revoke
from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from permissions.models import Role
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def test_api2_personal_token_is_stored_hashed_and_authenticates(member):
    token, raw = api_token_create(creator=member, name="script")
    assert raw.startswith(token.prefix + "_")
    assert raw not in token.secret_hash and token.secret_hash != raw
    assert ApiToken.objects.authenticate(raw) == token
    assert ApiToken.objects.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert ApiToken.objects.authenticate(token.prefix) is None
    assert ApiToken.objects.authenticate("") is None
    assert AuditEvent.objects.filter(verb="api_token.created", actor=member).exists()


def test_api2_expired_and_revoked_tokens_are_refused(member):
    token, raw = api_token_create(creator=member, name="short", expires_at=timezone.now() + timedelta(hours=1))
    assert ApiToken.objects.authenticate(raw) is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiToken.objects.authenticate(raw) is None

    token, raw = api_token_create(creator=member, name="revoked")
    api_token_revoke(token=token, actor=member)
    assert ApiToken.objects.authenticate(raw) is None
    assert AuditEvent.objects.filter(verb="api_token.revoked").count() == 1


def test_api2_expiry_in_the_past_is_refused(member):
    with pytest.raises(ApplicationError):
        api_token_create(creator=member, name="x", expires_at=timezone.now() - timedelta(days=1))


def test_api2_last_use_is_recorded(member):
    token, raw = api_token_create(creator=member, name="used")
    assert token.last_used_at is None
    ApiToken.objects.authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api2_inactive_creator_disables_tokens(member):
    _token, raw = api_token_create(creator=member, name="x")
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert ApiToken.objects.authenticate(raw) is None


def test_api2_service_token_only_by_organisation_administrators_and_lost_with_the_role():
    partner = OrganizationFactory(kind=Organization.Kind.PARTNER)
    admin, staff_member = UserFactory(), UserFactory()
    membership = OrganizationMember.objects.create(organization=partner, user=admin, is_admin=True)
    OrganizationMember.objects.create(organization=partner, user=staff_member, is_admin=False)
    with pytest.raises(ApplicationError):
        api_token_create(creator=staff_member, name="x", organization=partner)
    token, raw = api_token_create(creator=admin, name="sync", organization=partner)
    assert token.kind == ApiToken.Kind.SERVICE and token.acting_user == admin
    assert ApiToken.objects.authenticate(raw) == token
    membership.is_admin = False
    membership.save(update_fields=["is_admin"])
    assert ApiToken.objects.authenticate(raw) is None  # the next request after the role is lost


def test_api2_customer_service_token_by_its_own_administrator():
    customer = OrganizationFactory()
    admin, other = UserFactory(), UserFactory()
    grant(admin, LicensingIDFactory(organization=customer), Role.ADMINISTRATOR)
    grant(other, LicensingIDFactory(organization=customer), Role.LICENSING_INFO)
    token, _raw = api_token_create(creator=admin, name="sync", organization=customer)
    assert token.organization == customer
    with pytest.raises(ApplicationError):
        api_token_create(creator=other, name="x", organization=customer)
    with pytest.raises(ApplicationError):
        api_token_revoke(token=token, actor=other)


def test_api2_audit_rows_carry_the_token_id(member):
    token, _raw = api_token_create(creator=member, name="x")
    audit.acting_through_api_token(token.pk)
    try:
        event = audit.record(actor=member, verb="test.write")
    finally:
        audit.forget_api_token()
    assert event.api_token_id == token.pk
    assert audit.record(actor=member, verb="test.write").api_token_id is None
