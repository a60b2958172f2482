import pytest

from agreements.models import ContactType, Program
from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from permissions import policies, services
from permissions.contacts import contact_add
from permissions.models import Grant, InheritanceOptOut, PermissionRequest, Role, SABenefit
from tests.factories import ContactFactory, LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def _roles(lid, email):
    return set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))


# --- PERM-1 / PERM-2 ------------------------------------------------------------------------------------


def test_several_roles_per_person_per_licensing_id(lid, member):  # PERM-1
    services.grants_add(
        licensing_id=lid,
        email=member.business_email,
        source=Grant.Source.MANUAL,
        roles=[Role.DOWNLOAD, Role.SA_MANAGER],
        sa_benefits=[SABenefit.TECHNET],
    )
    assert policies.roles_on(member, lid) == {Role.DOWNLOAD, Role.SA_MANAGER}
    assert Grant.objects.get(licensing_id=lid, role=Role.SA_MANAGER).sa_benefits == [SABenefit.TECHNET]
    assert policies.can_download(member, lid) and not policies.can_view_licensing_info(member, lid)


@pytest.mark.parametrize(
    ("contact_type", "role"),
    [
        (ContactType.PRIMARY, Role.ADMINISTRATOR),
        (ContactType.NOTICES, Role.ADMINISTRATOR),
        (ContactType.ONLINE_ACCESS, Role.ADMINISTRATOR),
        (ContactType.SA_MANAGER, Role.SA_MANAGER),
        (ContactType.ONLINE_SERVICES_MANAGER, Role.ONLINE_SERVICES_MANAGER),
        (ContactType.SUBSCRIPTIONS_MANAGER, Role.SUBSCRIPTIONS_MANAGER),
    ],
)
def test_contact_type_grants_matching_role(lid, contact_type, role, outbox):  # PERM-2
    contact_add(licensing_id=lid, contact_type=contact_type, email="Someone@Contoso.example")
    assert _roles(lid, "someone@contoso.example") == {role}
    assert outbox(template="agreements/emails/welcome", to_email="someone@contoso.example")


# --- Request Permissions (PERM-4..6) ----------------------------------------------------------------------


def test_request_goes_to_each_administrator_of_record_including_inherited(
    lid, admin, parent_admin, requester, outbox
):  # PERM-4 PERM-8
    opted = UserFactory(email="optedout@contoso.example")
    grant(opted, lid.parent, Role.ADMINISTRATOR)
    InheritanceOptOut.objects.create(licensing_id=lid, email=opted.business_email)
    other = LicensingIDFactory(number="E9999999")
    grant(UserFactory(email="elsewhere@contoso.example"), other, Role.ADMINISTRATOR)
    pr = services.permission_request_submit(
        requester=requester,
        program=Program.ENTERPRISE,
        number="e2000001",
        roles=[Role.LICENSING_INFO],
        comment="Deployment lead",
    )
    assert pr.status == PermissionRequest.Status.PENDING and pr.licensing_id == lid
    sent = {e.to_email for e in outbox(template="permissions/emails/permission_request")}
    assert sent == {"admin@contoso.example", "pc@contoso.example"}
    body = outbox(template="permissions/emails/permission_request")[0].body_text
    assert "newcomer@example.com" in body and "Nora Newman" in body and "Deployment lead" in body
    assert f"/permissions/requests/{pr.pk}/" in body


def test_request_email_uses_admin_language(lid, requester, outbox):  # PERM-4 NOTE-3
    grant(UserFactory(email="fr@contoso.example", language="fr"), lid, Role.ADMINISTRATOR)
    services.permission_request_submit(
        requester=requester, program=Program.ENTERPRISE, number=lid.number, roles=[Role.DOWNLOAD]
    )
    assert outbox(template="permissions/emails/permission_request")[0].language == "fr"


def test_request_for_unknown_licensing_id_fails_with_support_instructions(lid, admin, requester, outbox):  # PERM-6
    pr = services.permission_request_submit(
        requester=requester, program=Program.SELECT, number=lid.number, roles=[Role.DOWNLOAD]
    )  # right number, wrong program
    assert pr.status == PermissionRequest.Status.FAILED and pr.licensing_id is None
    assert not outbox(template="permissions/emails/permission_request")
    [mail] = outbox(template="permissions/emails/request_failure")
    assert mail.to_email == requester.email
    assert "authorization number" in mail.body_text and "name and address" in mail.body_text


def test_request_for_licensing_id_without_administrator_fails(lid, requester, outbox):  # PERM-6
    pr = services.permission_request_submit(
        requester=requester, program=Program.ENTERPRISE, number=lid.number, roles=[Role.DOWNLOAD]
    )
    assert pr.status == PermissionRequest.Status.FAILED and pr.failure_reason == "no_administrator"
    assert outbox(template="permissions/emails/request_failure")


def test_request_without_verified_business_email_fails(lid, admin, outbox):  # PERM-6
    user = UserFactory(business_email_verified_at=None)
    pr = services.permission_request_submit(
        requester=user, program=Program.ENTERPRISE, number=lid.number, roles=[Role.DOWNLOAD]
    )
    assert pr.status == PermissionRequest.Status.FAILED and pr.failure_reason == "no_business_email"
    assert not outbox(template="permissions/emails/permission_request")
    assert outbox(template="permissions/emails/request_failure")[0].to_email == user.email


def test_duplicate_pending_request_not_sent_again_requester_told_by_email(lid, admin, requester, outbox):  # PERM-4
    kw = {
        "requester": requester,
        "program": Program.ENTERPRISE,
        "number": lid.number,
        "roles": [Role.DOWNLOAD],
    }
    first = services.permission_request_submit(**kw)
    # No refusal: that would tell the page that the licensing ID exists (SEC-12). The outcome goes by email.
    assert services.permission_request_submit(**kw) == first
    assert PermissionRequest.objects.count() == 1
    assert len(outbox(template="permissions/emails/permission_request")) == 1
    [mail] = outbox(template="permissions/emails/request_already_pending")
    assert mail.to_email == requester.email and lid.number in mail.subject and lid.number in mail.body_text


def test_already_pending_email_in_the_requesters_language(lid, admin, outbox):  # PERM-4 NOTE-3 SEC-12
    requester = UserFactory(language="fr")
    kw = {"requester": requester, "program": Program.ENTERPRISE, "number": lid.number, "roles": [Role.DOWNLOAD]}
    services.permission_request_submit(**kw)
    services.permission_request_submit(**kw)
    [mail] = outbox(template="permissions/emails/request_already_pending")
    assert mail.language == "fr" and "déjà" in mail.subject


def test_sa_manager_request_needs_benefits(lid, admin, requester):  # PERM-4 PERM-1
    with pytest.raises(ApplicationError):
        services.permission_request_submit(
            requester=requester, program=Program.ENTERPRISE, number=lid.number, roles=[Role.SA_MANAGER]
        )
    pr = services.permission_request_submit(
        requester=requester,
        program=Program.ENTERPRISE,
        number=lid.number,
        roles=[Role.SA_MANAGER, Role.DOWNLOAD],
        sa_benefits=[SABenefit.HOME_USE],
    )
    assert pr.sa_benefits == [SABenefit.HOME_USE]


def test_approve_grants_at_once_and_emails_requester(lid, admin, requester, outbox):  # PERM-5
    pr = services.permission_request_submit(
        requester=requester,
        program=Program.ENTERPRISE,
        number=lid.number,
        roles=[Role.SA_MANAGER, Role.DOWNLOAD],
        sa_benefits=[SABenefit.TECHNET],
    )
    services.permission_request_decide(permission_request=pr, actor=admin, approve=True)
    assert policies.roles_on(requester, lid) == {Role.SA_MANAGER, Role.DOWNLOAD}
    assert set(
        Grant.objects.filter(licensing_id=lid, email=requester.business_email).values_list("source", flat=True)
    ) == {Grant.Source.REQUEST}
    [mail] = outbox(template="permissions/emails/request_decision")
    assert mail.to_email == requester.email and "approved" in mail.subject
    assert "admin@contoso.example" not in mail.body_text  # administrators stay anonymous to the requester
    event = AuditEvent.objects.get(verb="permission.request_approved")
    assert event.actor == admin and event.after["roles"] == [Role.DOWNLOAD, Role.SA_MANAGER]


def test_deny_grants_nothing_and_emails_requester(lid, admin, requester, outbox):  # PERM-5 PERM-11
    pr = services.permission_request_submit(
        requester=requester, program=Program.ENTERPRISE, number=lid.number, roles=[Role.DOWNLOAD]
    )
    services.permission_request_decide(permission_request=pr, actor=admin, approve=False)
    assert policies.roles_on(requester, lid) == frozenset()
    assert "denied" in outbox(template="permissions/emails/request_decision")[0].subject
    assert (
        AuditEvent.objects.filter(verb="permission.request_denied", target_email=requester.business_email).count() == 1
    )


def test_deciding_twice_is_a_no_op(lid, admin, requester, outbox):  # PERM-5
    pr = services.permission_request_submit(
        requester=requester, program=Program.ENTERPRISE, number=lid.number, roles=[Role.DOWNLOAD]
    )
    services.permission_request_decide(permission_request=pr, actor=admin, approve=False)
    with pytest.raises(ApplicationError, match="already decided"):
        services.permission_request_decide(permission_request=pr, actor=admin, approve=True)
    assert policies.roles_on(requester, lid) == frozenset()
    assert len(outbox(template="permissions/emails/request_decision")) == 1


def test_non_administrator_cannot_decide(lid, admin, requester, member):  # PERM-5 SEC-1
    grant(member, lid, Role.LICENSING_INFO)
    pr = services.permission_request_submit(
        requester=requester, program=Program.ENTERPRISE, number=lid.number, roles=[Role.DOWNLOAD]
    )
    with pytest.raises(ApplicationError):
        services.permission_request_decide(permission_request=pr, actor=member, approve=True)
    pr.refresh_from_db()
    assert pr.status == PermissionRequest.Status.PENDING


# --- Manage Users (PERM-7) --------------------------------------------------------------------------------


def test_add_person_sends_welcome_and_audits(lid, admin, outbox):  # PERM-7 PERM-11
    services.person_roles_set(
        licensing_id=lid,
        email="New@Contoso.example",
        actor=admin,
        adding=True,
        roles=[Role.LICENSING_INFO, Role.SA_MANAGER],
        sa_benefits=[SABenefit.E_LEARNING],
    )
    assert _roles(lid, "new@contoso.example") == {Role.LICENSING_INFO, Role.SA_MANAGER}
    assert outbox(template="agreements/emails/welcome", to_email="new@contoso.example")
    event = AuditEvent.objects.get(verb="permission.added")
    assert event.before["roles"] == [] and event.after["roles"] == [Role.LICENSING_INFO, Role.SA_MANAGER]


def test_add_person_already_listed_refused(lid, admin):  # PERM-7
    with pytest.raises(ApplicationError):
        services.person_roles_set(
            licensing_id=lid, email=admin.business_email, actor=admin, adding=True, roles=[Role.DOWNLOAD]
        )


def test_edit_roles_one_audit_row_with_before_and_after(lid, admin, member):  # PERM-7 PERM-11
    grant(member, lid, Role.LICENSING_INFO, Role.DOWNLOAD)
    services.person_roles_set(
        licensing_id=lid, email=member.business_email, actor=admin, roles=[Role.DOWNLOAD, Role.PRODUCT_KEYS]
    )
    assert _roles(lid, member.business_email) == {Role.DOWNLOAD, Role.PRODUCT_KEYS}
    [event] = AuditEvent.objects.filter(verb="permission.changed")
    assert event.before["roles"] == [Role.DOWNLOAD, Role.LICENSING_INFO]
    assert event.after["roles"] == [Role.DOWNLOAD, Role.PRODUCT_KEYS]
    assert event.actor == admin and event.licensing_id == lid and event.created_at.tzinfo is not None


def test_unknown_role_is_rejected(lid, admin, member):  # PERM-7 SEC-3
    with pytest.raises(ApplicationError):
        services.person_roles_set(
            licensing_id=lid, email=member.business_email, actor=admin, adding=True, roles=["superuser"]
        )
    assert not Grant.objects.filter(email=member.business_email).exists()


def test_last_administrator_cannot_drop_admin_role_or_remove_self(lid, admin):  # PERM-7
    with pytest.raises(ApplicationError, match="last administrator"):
        services.person_roles_set(
            licensing_id=lid, email=admin.business_email, actor=admin, roles=[Role.LICENSING_INFO]
        )
    with pytest.raises(ApplicationError, match="last administrator"):
        services.person_remove(licensing_id=lid, email=admin.business_email, actor=admin)
    assert _roles(lid, admin.business_email) == {Role.ADMINISTRATOR}
    assert not AuditEvent.objects.exists()


def test_administrator_can_step_down_once_someone_else_administers(lid, admin, member):  # PERM-7
    grant(member, lid, Role.ADMINISTRATOR)
    services.person_remove(licensing_id=lid, email=admin.business_email, actor=admin)
    assert _roles(lid, admin.business_email) == set()


def test_inherited_administrator_counts_as_another_administrator(lid, admin, parent_admin):  # PERM-7 PERM-8
    services.person_roles_set(licensing_id=lid, email=admin.business_email, actor=admin, roles=[Role.LICENSING_INFO])
    assert _roles(lid, admin.business_email) == {Role.LICENSING_INFO}


def test_remove_person_emails_them(lid, admin, member, outbox):  # PERM-7
    grant(member, lid, Role.DOWNLOAD)
    services.person_remove(licensing_id=lid, email=member.business_email, actor=admin)
    assert policies.roles_on(member, lid) == frozenset()
    assert "removed" in outbox(template="permissions/emails/access_removed")[0].subject
    assert AuditEvent.objects.filter(verb="permission.removed", target_email=member.business_email).count() == 1


def test_partner_access_deny_revokes_audits_and_emails_partner(lid, admin, outbox):  # PERM-7 RES-1 PERM-11
    partner = UserFactory(email="reseller@northwind.example", language="fr")
    services.grants_add(
        licensing_id=lid,
        email=partner.business_email,
        roles=[Role.DOWNLOAD, Role.PRODUCT_KEYS],
        source=Grant.Source.RESELLER,
    )
    assert (
        services.partner_access_deny(licensing_id=lid, email=partner.business_email, actor=admin, require_partner=True)
        == 2
    )
    assert policies.roles_on(partner, lid) == frozenset()
    [mail] = outbox(template="permissions/emails/access_removed")
    assert mail.to_email == partner.email and mail.language == "fr"
    assert AuditEvent.objects.get(verb="permission.access_denied").before["roles"] == [
        Role.DOWNLOAD,
        Role.PRODUCT_KEYS,
    ]


def test_deny_access_is_for_partners_only(lid, admin, member):  # PERM-7
    grant(member, lid, Role.DOWNLOAD)
    with pytest.raises(ApplicationError):
        services.partner_access_deny(licensing_id=lid, email=member.business_email, actor=admin, require_partner=True)
    assert _roles(lid, member.business_email) == {Role.DOWNLOAD}


# --- Inheritance (PERM-8) ---------------------------------------------------------------------------------


def test_parent_administrator_administers_children_until_opt_out_then_opts_in(lid, admin, parent_admin):  # PERM-8
    assert policies.can_manage_users(parent_admin, lid)
    services.inheritance_opt_out(user=parent_admin, licensing_id=lid)
    assert not policies.can_manage_users(parent_admin, lid)
    assert policies.administrators_of_record(lid) == {admin.business_email}
    services.inheritance_opt_in(user=parent_admin, licensing_id=lid)
    assert policies.can_manage_users(parent_admin, lid)
    verbs = list(AuditEvent.objects.filter(licensing_id=lid).order_by("id").values_list("verb", flat=True))
    assert verbs == ["permission.inheritance_opt_out", "permission.inheritance_opt_in"]


def test_only_a_parent_administrator_can_opt_out(lid, admin):  # PERM-8
    with pytest.raises(ApplicationError):
        services.inheritance_opt_out(user=admin, licensing_id=lid)


def test_last_administrator_cannot_opt_out(lid, parent_admin):  # PERM-8 PERM-7
    with pytest.raises(ApplicationError, match="last administrator"):
        services.inheritance_opt_out(user=parent_admin, licensing_id=lid)
    assert policies.can_manage_users(parent_admin, lid)


# --- Remove from my permissions (PERM-9) ------------------------------------------------------------------


def test_remove_licensing_id_from_own_permissions(lid, admin, member):  # PERM-9
    grant(member, lid, Role.DOWNLOAD, Role.LICENSING_INFO)
    assert services.licensing_id_remove_self(user=member, licensing_id=lid) == []
    assert policies.roles_on(member, lid) == frozenset()
    assert AuditEvent.objects.get(verb="permission.self_removed").before["roles"] == [
        Role.DOWNLOAD,
        Role.LICENSING_INFO,
    ]


@pytest.mark.parametrize("contact_type", [ContactType.PRIMARY, ContactType.NOTICES])
def test_remove_refused_for_primary_contact_or_notices_correspondent(lid, admin, member, contact_type):  # PERM-9
    grant(member, lid, Role.ADMINISTRATOR)
    ContactFactory(licensing_id=lid, contact_type=contact_type, email=member.business_email)
    with pytest.raises(ApplicationError, match="Primary Contact or Notices Correspondent"):
        services.licensing_id_remove_self(user=member, licensing_id=lid)
    assert _roles(lid, member.business_email) == {Role.ADMINISTRATOR}


def test_online_access_contact_may_remove(lid, admin, member):  # PERM-9
    grant(member, lid, Role.ADMINISTRATOR)
    ContactFactory(licensing_id=lid, contact_type=ContactType.ONLINE_ACCESS, email=member.business_email)
    services.licensing_id_remove_self(user=member, licensing_id=lid)
    assert _roles(lid, member.business_email) == set()


def test_pc_of_parent_removing_child_keeps_licensing_info(lid, admin, parent_admin, mbsa):  # PERM-9 PERM-8
    with pytest.raises(ApplicationError):
        services.licensing_id_remove_self(user=parent_admin, licensing_id=mbsa)  # PC of the MBSA itself
    assert services.licensing_id_remove_self(user=parent_admin, licensing_id=lid) == [Role.LICENSING_INFO]
    assert policies.roles_on(parent_admin, lid) == {Role.LICENSING_INFO}


def test_removed_licensing_id_comes_back_only_through_request_permissions(lid, admin, mbsa, outbox):  # PERM-9
    parent_only_admin = grant(UserFactory(), mbsa, Role.ADMINISTRATOR)  # not a contact
    services.licensing_id_remove_self(user=parent_only_admin, licensing_id=lid)
    assert policies.roles_on(parent_only_admin, lid) == frozenset()
    with pytest.raises(ApplicationError, match="Request Permissions"):
        services.inheritance_opt_in(user=parent_only_admin, licensing_id=lid)
    pr = services.permission_request_submit(
        requester=parent_only_admin, program=lid.program, number=lid.number, roles=[Role.LICENSING_INFO]
    )
    services.permission_request_decide(permission_request=pr, actor=admin, approve=True)
    policies.forget_cached_roles(parent_only_admin)  # the cache lives for one request
    assert policies.roles_on(parent_only_admin, lid) == {Role.LICENSING_INFO}


def test_last_administrator_cannot_remove_licensing_id_from_own_permissions(lid, admin):  # PERM-9 PERM-7
    with pytest.raises(ApplicationError, match="last administrator"):
        services.licensing_id_remove_self(user=admin, licensing_id=lid)


# --- Audit rows are append-only (PERM-11) -----------------------------------------------------------------


def test_audit_rows_cannot_be_edited_or_deleted(lid, admin, member):  # PERM-11
    services.grants_add(
        licensing_id=lid,
        email=member.business_email,
        roles=[Role.DOWNLOAD],
        source=Grant.Source.MANUAL,
        granted_by=admin,
    )
    event = AuditEvent.objects.get()
    event.verb = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(verb="x")
    assert AuditEvent.objects.get().verb == "permission.granted"
