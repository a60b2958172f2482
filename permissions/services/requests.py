"""Request Permissions (PERM-4..6): submit a request, an administrator approves or declines it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal import audit, limits
from licensing_portal.addresses import recipients
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from notifications.services import email_queue
from permissions import policies
from permissions.access import business_email_of
from permissions.models import (
    Grant,
    PermissionRequest,
    Role,
    SABenefit,
)

from .grants import (
    _clean_benefits,
    _clean_roles,
    _labels,
    _lid_context,
    _refuse_unless_may_grant_administrator,
    grants_add,
)


def _request_url(permission_request: PermissionRequest) -> str:
    return portal_url("permissions:request_detail", permission_request.pk)


def _tell_requester(*, template: str, requester, program: str, number: str, roles: list[str]) -> None:
    """An outcome the Request Permissions page does not show (SEC-12), emailed in the requester's language."""
    with translation.override(requester.language):
        program_label = str(dict(PermissionRequest._meta.get_field("program").choices).get(program, program))
    email_queue(
        template=template,
        to_email=requester.notification_email,
        language=requester.language,
        context={"number": number, "program": program_label, "roles": _labels(roles, Role, requester.language)},
    )


@transaction.atomic
def permission_request_submit(
    *,
    requester,
    program: str,
    number: str,
    roles: Iterable[str],
    sa_benefits: Iterable[str] = (),
    comment: str = "",
) -> PermissionRequest:
    """Route a request to the administrators of record of exactly that licensing ID, each by their own email
    (PERM-4). Unknown licensing ID, no administrator or no verified business email: the request fails and the
    requester gets the request failure notification (PERM-6). Either way the row is kept. A request already
    pending there is not sent again; the requester is told by email. The page answers the same in every one
    of these cases, so it cannot tell which licensing IDs exist (SEC-12): only the requester's mailbox learns."""
    roles = _clean_roles(roles)
    if not roles:
        raise ApplicationError(_("Choose at least one role."))
    benefits = _clean_benefits(roles, sa_benefits)
    # SEC-8 (the comment is emailed); counted whether or not the licensing ID exists (SEC-12)
    limits.user_text_email_allow(
        action="permission_request",
        user=requester,
        organization_ids=requester.memberships.values_list("organization_id", flat=True),
    )
    number = number.strip().upper()
    email = business_email_of(requester) or ""
    lid = LicensingID.objects.filter(program=program, number__iexact=number).first()
    admins = policies.administrators_of_record(lid) if lid is not None and email else set()
    pr = PermissionRequest(
        requester=requester,
        email=email,
        program=program,
        number=number,
        licensing_id=lid,
        roles=roles,
        sa_benefits=benefits,
        comment=comment.strip()[:1000],
    )
    if not email:
        pr.failure_reason = "no_business_email"
    elif lid is None:
        pr.failure_reason = "unknown_licensing_id"
    elif not admins:
        pr.failure_reason = "no_administrator"
    if pr.failure_reason:
        pr.status = PermissionRequest.Status.FAILED
        pr.full_clean()
        pr.save()
        audit.record(
            actor=requester,
            verb="permission.request_failed",
            licensing_id=lid,
            target_email=email,
            after={"roles": roles},
            detail=f"{pr.failure_reason} program={program} number={number}",
        )
        _tell_requester(
            template="permissions/emails/request_failure",
            requester=requester,
            program=program,
            number=number,
            roles=roles,
        )
        return pr
    held = set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))
    if set(roles) <= held:  # tells nothing new: My Permissions lists the licensing IDs this user holds roles on
        raise ApplicationError(_("You already hold these roles on this licensing ID."))
    pending = PermissionRequest.objects.filter(
        requester=requester, licensing_id=lid, status=PermissionRequest.Status.PENDING
    ).first()
    if pending is not None:  # a refusal on the page would tell that the licensing ID exists (SEC-12)
        _tell_requester(
            template="permissions/emails/request_already_pending",
            requester=requester,
            program=program,
            number=number,
            roles=roles,
        )
        return pending
    pr.status = PermissionRequest.Status.PENDING
    pr.full_clean()
    pr.save()
    audit.record(
        actor=requester,
        verb="permission.requested",
        licensing_id=lid,
        target_email=email,
        before={"roles": sorted(held)},
        after={"roles": roles},
        detail=f"request={pr.pk}",
    )
    url = _request_url(pr)
    name = requester.get_full_name()
    for _admin, (to, language) in sorted(recipients(admins).items()):
        email_queue(
            template="permissions/emails/permission_request",
            to_email=to,
            language=language,
            context={
                **_lid_context(lid, language),
                "requester_name": name,
                "requester_email": email,
                "roles": _labels(roles, Role, language),
                "sa_benefits": _labels(benefits, SABenefit, language),
                "comment": pr.comment,
                "url": url,
            },
        )
    return pr


@transaction.atomic
def permission_request_decide(*, permission_request: PermissionRequest, actor, approve: bool) -> PermissionRequest:
    """An administrator of record approves (roles take effect at once) or denies; the requester is emailed the
    decision (PERM-5). A request already decided is left as it is."""
    pr = (
        PermissionRequest.objects.select_for_update(of=("self",))
        .select_related("licensing_id", "requester")
        .get(pk=permission_request.pk)
    )
    if pr.status != PermissionRequest.Status.PENDING:
        raise ApplicationError(
            _("This request was already decided (%(status)s); nothing was changed.")
            % {"status": pr.get_status_display()}
        )
    lid = pr.licensing_id
    if lid is None or not policies.can_manage_users(actor, lid):
        raise ApplicationError(_("Only an administrator of this licensing ID can decide this request."))
    held = sorted(Grant.objects.filter(licensing_id=lid, email=pr.email).values_list("role", flat=True))
    if approve and Role.ADMINISTRATOR in pr.roles and Role.ADMINISTRATOR not in held:
        _refuse_unless_may_grant_administrator(actor, lid)  # SEC-6
    if approve:
        created = grants_add(
            licensing_id=lid,
            email=pr.email,
            roles=pr.roles,
            source=Grant.Source.REQUEST,
            granted_by=actor,
            sa_benefits=pr.sa_benefits,
            verb="permission.request_approved",
        )
        if not created:
            audit.record(
                actor=actor,
                verb="permission.request_approved",
                licensing_id=lid,
                target_email=pr.email,
                before={"roles": held},
                after={"roles": held},
                detail=f"request={pr.pk}",
            )
    else:
        audit.record(
            actor=actor,
            verb="permission.request_denied",
            licensing_id=lid,
            target_email=pr.email,
            before={"roles": held},
            after={"roles": held},
            detail=f"request={pr.pk}",
        )
    pr.status = PermissionRequest.Status.APPROVED if approve else PermissionRequest.Status.DENIED
    pr.decided_by = actor
    pr.decided_at = timezone.now()
    pr.save(update_fields=["status", "decided_by", "decided_at"])
    requester = pr.requester
    email_queue(
        template="permissions/emails/request_decision",
        to_email=requester.notification_email,
        language=requester.language,
        context={
            **_lid_context(lid, requester.language),
            "approved": approve,
            "roles": _labels(pr.roles, Role, requester.language),
            "url": portal_url("permissions:index"),
        },
    )
    return pr
