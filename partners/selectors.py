"""Reads of the partners domain. Licence rows go through `.visible_to(user)`; partner rows through
`.for_partner_user(user)`; customer-side rows through `.for_customer_admin(user)` (SEC-1)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from agreements.models import LicensingID, Organization, OrganizationMember, Program
from partners.models import (
    OpenLicenseAccess,
    PartnerInvitation,
    PartnerOrder,
    ResellerRelationship,
    SupportContact,
)
from permissions import access
from permissions.access import partner_organization_ids
from permissions.models import Role


def partner_memberships(*, user) -> list[OrganizationMember]:
    """Every partner organisation the user works for, oldest membership first."""
    if not user.is_authenticated:
        return []
    return list(
        OrganizationMember.objects.select_related("organization")
        .filter(user=user, organization__kind=Organization.Kind.PARTNER)
        .order_by("pk")
    )


def acting_membership(memberships: list[OrganizationMember], organization_id=None) -> OrganizationMember | None:
    """Of `partner_memberships`, the one the user acts for: the organisation they chose while they still work for
    it, else their oldest membership; None for someone outside every partner organisation."""
    chosen = [m for m in memberships if m.organization_id == organization_id]
    return (chosen or memberships or [None])[0]


def roles_by_licence(*, user, licences: list[LicensingID]) -> dict[int, frozenset[str]]:
    """Roles the user holds on each licence, including inherited Administrator, in one query (PERM-8)."""
    return access.roles_by_licensing_id(user, licences)


def customer_list(*, user, partner: Organization) -> list[dict]:
    """The partner's Customers page (RES-5): each active relationship with the licences the user holds
    roles on and what those roles allow. A constant number of queries whatever the number of customers."""
    rels = list(
        ResellerRelationship.objects.for_partner_user(user)
        .filter(partner=partner, status=ResellerRelationship.Status.ACTIVE)
        .select_related("customer")
        .prefetch_related(Prefetch("support_contacts", queryset=SupportContact.objects.select_related("member__user")))
        .order_by("customer__name")
    )
    licences = list(
        LicensingID.objects.visible_to(user)
        .filter(organization__in=[r.customer_id for r in rels])
        .select_related("open_license")
        .order_by("number")
    )
    roles = roles_by_licence(user=user, licences=licences)
    by_org: dict[int, list[dict]] = defaultdict(list)
    for lid in licences:
        r = roles[lid.pk]
        by_org[lid.organization_id].append(
            {
                "licence": lid,
                "roles": r,
                "can_manage_users": Role.ADMINISTRATOR in r,
                "can_manage_subscriptions": bool(r & {Role.ADMINISTRATOR, Role.SUBSCRIPTIONS_MANAGER}),
            }
        )
    return [
        {
            "relationship": rel,
            "customer": rel.customer,
            "licences": by_org[rel.customer_id],
            "support_contacts": list(rel.support_contacts.all()),
        }
        for rel in rels
    ]


def partner_member_list(*, user, partner: Organization) -> QuerySet[OrganizationMember]:
    return (
        OrganizationMember.objects.filter(organization=partner, organization__members__user=user)
        .select_related("user")
        .order_by("user__email")
    )


def partner_people(*, user, partner: Organization) -> list[OrganizationMember]:
    """The People page (MPN-2): the partner's people, administrators first, in one query."""
    return list(
        OrganizationMember.objects.filter(organization=partner, organization__in=partner_organization_ids(user))
        .select_related("user")
        .order_by("-is_admin", "user__last_name", "user__first_name", "user__email")
    )


def partner_invitation_list(*, user, partner: Organization) -> QuerySet[PartnerInvitation]:
    """Open invitations to join the partner (MPN-2)."""
    return (
        PartnerInvitation.objects.for_partner_user(user)
        .pending()
        .filter(partner=partner)
        .select_related("invited_by")
        .order_by("email")
    )


def _administered_partner_ids(user):
    return OrganizationMember.objects.filter(
        user=user, is_admin=True, organization__kind=Organization.Kind.PARTNER
    ).values("organization_id")


def partner_person_get(*, user, pk: int) -> OrganizationMember:
    """One of the people of a partner the user is Program Administrator of; anyone else's answers 404."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    return get_object_or_404(
        OrganizationMember.objects.filter(organization__in=_administered_partner_ids(user)).select_related(
            "organization", "user"
        ),
        pk=pk,
    )


def partner_invitation_get(*, user, pk: int) -> PartnerInvitation:
    """An invitation of a partner the user is Program Administrator of; anyone else's answers 404."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    return get_object_or_404(
        PartnerInvitation.objects.filter(partner__in=_administered_partner_ids(user)).select_related("partner"),
        pk=pk,
    )


def partner_membership_pk(*, partner: Organization) -> int | None:
    """The partner's programme membership (MPN-1), for the link to Requirements & Assets."""
    membership = getattr(partner, "partner_membership", None)  # reverse one-to-one: None when it has none
    return membership.pk if membership is not None else None


def relationship_get_for_partner(*, user, pk: int) -> ResellerRelationship:
    return get_object_or_404(
        ResellerRelationship.objects.for_partner_user(user).select_related("partner", "customer", "invited_by"),
        pk=pk,
    )


def relationship_get(*, user, pk: int) -> ResellerRelationship:
    """Either side of the relationship may reach it; anyone else gets 404."""
    return get_object_or_404(ResellerRelationship.objects.visible_to(user).select_related("partner", "customer"), pk=pk)


def invitation_list(*, user, partner: Organization) -> QuerySet[ResellerRelationship]:
    return (
        ResellerRelationship.objects.for_partner_user(user)
        .filter(partner=partner, status=ResellerRelationship.Status.PENDING)
        .select_related("invited_by")
    )


def support_contact_get(*, user, pk: int) -> SupportContact:
    return get_object_or_404(
        SupportContact.objects.for_partner_user(user).select_related("relationship__partner", "member__user"),
        pk=pk,
    )


def partner_order_list(*, user, partner: Organization) -> QuerySet[PartnerOrder]:
    return PartnerOrder.objects.for_partner_user(user).filter(partner=partner).select_related("placed_by")


def customer_partner_list(*, user) -> list[dict]:
    """The customer side (RES-6): partners of organisations this user administers as one of their own
    administrators, with what they may administer among the licences this user administers as such (SEC-6).
    Constant queries."""
    administered = list(
        LicensingID.objects.filter(pk__in=access.own_administered_licensing_ids(user))
        .select_related("organization")
        .order_by("number")
    )
    rels = list(
        ResellerRelationship.objects.for_customer_admin(user)
        .filter(status=ResellerRelationship.Status.ACTIVE)
        .select_related("partner", "customer")
        .prefetch_related(
            "administered_licences",
            Prefetch("support_contacts", queryset=SupportContact.objects.select_related("member__user")),
        )
        .order_by("partner__name")
    )
    result = []
    for rel in rels:
        delegated = {lid.pk for lid in rel.administered_licences.all()}
        choices = [(lid, lid.pk in delegated) for lid in administered if lid.organization_id == rel.customer_id]
        result.append({"relationship": rel, "choices": choices, "support_contacts": list(rel.support_contacts.all())})
    return result


def reseller_access_list(*, user) -> QuerySet[OpenLicenseAccess]:
    """Resellers and partners holding OPEN-3 access on licences this user administers as one of the customer's
    own administrators (RES-1, RES-4; another partner's delegated access does not list them, SEC-6)."""
    return (
        OpenLicenseAccess.objects.filter(licensing_id__in=access.own_administered_licensing_ids(user))
        .filter(
            kind__in=[OpenLicenseAccess.Kind.RESELLER_ORDER, OpenLicenseAccess.Kind.PARTNER_REGISTRATION],
            denied_at__isnull=True,
        )
        .select_related("licensing_id", "partner")
        .order_by("licensing_id__number", "email")
    )


def open_license_list(*, user) -> QuerySet[LicensingID]:
    """The Relationship Summary (RES-4b): Open Licenses the user can reach."""
    return (
        LicensingID.objects.visible_to(user)
        .filter(program=Program.OPEN_LICENSE)
        .select_related("organization", "open_license")
        .order_by("number")
    )


def open_license_get(*, user, pk: int) -> LicensingID:
    return get_object_or_404(
        LicensingID.objects.visible_to(user)
        .filter(program=Program.OPEN_LICENSE)
        .select_related("organization", "open_license"),
        pk=pk,
    )


def agreement_selector_list(*, user) -> QuerySet[LicensingID]:
    return LicensingID.objects.visible_to(user).only("pk", "number", "program").order_by("number")


def administered_customer_organizations(*, user) -> QuerySet[Organization]:
    """Customer organisations whose agreements the user administers as one of their own administrators: who may
    accept an invitation for them (RES-5, SEC-6)."""
    return Organization.objects.filter(
        kind=Organization.Kind.CUSTOMER, pk__in=access.customer_organization_ids(user)
    ).order_by("name")


def staff_customer_organizations() -> QuerySet[Organization]:
    """Support staff see every customer organisation (RES-1 order entry); staff-only views call this."""
    return Organization.objects.filter(kind=Organization.Kind.CUSTOMER).order_by("name")


def open_license_suspension_active_count() -> int:
    """Suspensions in force now (OPEN-5), for the metrics (OPS-2)."""
    from django.utils import timezone

    from partners.models import OpenLicenseSuspension

    return OpenLicenseSuspension.objects.filter(lifted_at__isnull=True, expires_at__gt=timezone.now()).count()


def relationship_list(*, user) -> QuerySet[ResellerRelationship]:
    """Reseller relationships on either side of which the user acts (API-3): as a member of the partner, or as
    one of the customer's own administrators (SEC-6)."""
    return ResellerRelationship.objects.visible_to(user).select_related("partner", "customer")


def customer_relationship_list(*, user) -> QuerySet[ResellerRelationship]:
    """The active customers of the partner organisations the user works for (RES-5, API-3)."""
    return (
        ResellerRelationship.objects.for_partner_user(user)
        .filter(status=ResellerRelationship.Status.ACTIVE)
        .select_related("partner", "customer")
    )
