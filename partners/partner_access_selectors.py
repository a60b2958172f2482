"""Reads of the customer's Partner access page (RES-10). Four queries whatever the number of partners (a count,
one page of relationships, their licensing IDs, their recent actions)."""

from __future__ import annotations

from collections import defaultdict

from django.core.paginator import Page, Paginator
from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber

from agreements.models import LicensingID
from licensing_portal.core.models import AuditEvent
from partners.models import ResellerRelationship
from permissions import policies

RECENT_ACTIONS = 5
PER_PAGE = 25  # a card per partner renders in ~4 ms: 500 on one page took 2 s


def own_administered_licences(*, user) -> list[LicensingID]:
    """The licensing IDs a customer administrator may delegate on accepting (RES-8, SEC-6)."""
    return list(
        LicensingID.objects.filter(pk__in=policies.own_administered_licensing_ids(user))
        .select_related("organization")
        .order_by("organization__name", "number")
    )


def partner_access_page(*, user, page: int = 1, per_page: int = PER_PAGE, recent: int = RECENT_ACTIONS) -> Page:
    """Every partner holding delegated access to organisations this user administers as one of their own
    administrators (SEC-6): roles, the licensing IDs among those this user administers, since, until, last used
    and recent actions. "Last used" is the partner's latest audited action on those IDs (every decision writes an
    audit row, PERM-11), so it needs no stamp on each request."""
    own = policies.own_administered_licensing_ids(user)
    relationships = (
        ResellerRelationship.objects.for_customer_admin(user)
        .filter(status=ResellerRelationship.Status.ACTIVE)
        .select_related("partner", "customer", "extension_requested_by")
        .prefetch_related(
            Prefetch(
                "administered_licences",
                queryset=LicensingID.objects.filter(pk__in=own).order_by("number"),
                to_attr="visible_licences",
            )
        )
        .order_by("partner__name", "customer__name", "pk")
    )
    result = Paginator(relationships, per_page).get_page(page)
    rels = list(result.object_list)
    recent_by: dict[tuple[int, int], list[AuditEvent]] = defaultdict(list)
    if rels:
        partition = [F("actor__memberships__organization_id"), F("licensing_id__organization_id")]
        events = (
            AuditEvent.objects.filter(
                licensing_id__in=own,
                licensing_id__organization__in={r.customer_id for r in rels},
                actor__memberships__organization__in={r.partner_id for r in rels},
            )
            .annotate(
                partner_pk=F("actor__memberships__organization_id"),
                customer_pk=F("licensing_id__organization_id"),
                rank=Window(RowNumber(), partition_by=partition, order_by=[F("created_at").desc(), F("pk").desc()]),
            )
            .filter(rank__lte=recent)
            .select_related("licensing_id")
            .order_by("-created_at", "-pk")
        )
        for event in events:
            recent_by[(event.partner_pk, event.customer_pk)].append(event)
    rows = []
    for rel in rels:
        actions = recent_by[(rel.partner_id, rel.customer_id)]
        rows.append(
            {
                "relationship": rel,
                "licences": rel.visible_licences,
                "since": rel.accepted_at,
                "until": rel.ends_at,
                "last_used": actions[0].created_at if actions else None,
                "recent": actions,
            }
        )
    result.object_list = rows
    return result
