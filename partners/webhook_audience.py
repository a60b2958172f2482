"""Which organisations may hear of an audited event (API-4): the organisation that owns the licensing ID it is
about, and partner organisations acting for that customer on it, through an active reseller relationship that
lists the licence (RES-5, RES-6) or an Open License access they hold on it that was not denied (RES-1, RES-4).
A relationship event goes to both sides of the relationship. Called by the webhooks kernel
(settings.WEBHOOKS_AUDIENCE) inside the event's transaction."""

from __future__ import annotations

import re
from collections import defaultdict

from agreements.models import OrganizationMember
from partners.models import OpenLicenseAccess, ResellerRelationship

# Delegation grants a partner's own staff Administrator before the licence joins the relationship's list
# (partners/services.py, _relationship_grant): the partner hears of these through its membership instead.
_DELEGATION_VERBS = frozenset({"permission.relationship_granted"})
_RELATIONSHIP = re.compile(r"(?:^|\s)relationship=(\d+)(?:\s|$)")  # as partners/services.py writes `detail`


def organizations_notified(events, *, candidates: set[int]) -> dict[int, set[int]]:
    """{audit event pk: organisation ids among `candidates`}: a constant number of queries for any batch."""
    result: dict[int, set[int]] = defaultdict(set)
    by_licence: dict[int, list[int]] = defaultdict(list)
    by_relationship: dict[int, list[int]] = defaultdict(list)
    for event in events:
        if event.licensing_id_id:
            by_licence[event.licensing_id_id].append(event.pk)
            owner = event.licensing_id.organization_id
            if owner in candidates:
                result[event.pk].add(owner)
        elif event.verb.startswith("partners.") and (match := _RELATIONSHIP.search(event.detail)):
            by_relationship[int(match[1])].append(event.pk)
    if by_licence:
        partners = list(
            ResellerRelationship.objects.filter(
                status=ResellerRelationship.Status.ACTIVE,
                partner_id__in=candidates,
                administered_licences__in=list(by_licence),
            ).values_list("administered_licences", "partner_id")
        )
        partners += list(
            OpenLicenseAccess.objects.filter(
                licensing_id__in=list(by_licence), partner_id__in=candidates, denied_at__isnull=True
            ).values_list("licensing_id", "partner_id")
        )
        for licence, partner in partners:
            for pk in by_licence[licence]:
                result[pk].add(partner)
    delegations = [e for e in events if e.verb in _DELEGATION_VERBS and e.licensing_id_id and e.target_email]
    if delegations:
        staff = set(
            OrganizationMember.objects.filter(
                organization_id__in=candidates,
                user__business_email__in={e.target_email for e in delegations},
                organization__customer_relationships__status=ResellerRelationship.Status.ACTIVE,
                organization__customer_relationships__customer_id__in={
                    e.licensing_id.organization_id for e in delegations
                },
            ).values_list(
                "organization_id", "user__business_email", "organization__customer_relationships__customer_id"
            )
        )
        for event in delegations:
            for partner, email, customer in staff:
                if email == event.target_email and customer == event.licensing_id.organization_id:
                    result[event.pk].add(partner)
    if by_relationship:
        for pk, partner, customer in ResellerRelationship.objects.filter(pk__in=list(by_relationship)).values_list(
            "pk", "partner_id", "customer_id"
        ):
            for event_pk in by_relationship[pk]:
                result[event_pk] |= {partner, customer} & candidates
    return dict(result)
