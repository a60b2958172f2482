"""Tenant scoping in ONE place (SEC-1).

A user reaches a licensing ID only through a permission grant held by their *verified* business email
(ACC-2, ACC-3), directly or as an inherited administrator of its MBSA/parent (PERM-8). Every model that hangs
off a licensing ID uses `LicensingScopedQuerySet.visible_to(user, roles=...)`, and selectors fetch objects through
it, so an object outside the user's reach answers 404 exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


def business_email_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.verified_business_email


def accessible_licensing_ids(user, *, roles: Iterable[str] | None = None) -> models.QuerySet:
    """A one-column subquery of the licensing ID pks on which `user` holds any of `roles`: use it only on the
    right of `__in`.

    Administrator implies every role; `roles=None` means "any role at all" (no role filter).
    """
    from agreements.models import LicensingID
    from permissions.models import Grant, InheritanceOptOut, Role

    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none().values("pk")
    direct = Grant.objects.filter(email=email)
    if roles is not None:
        direct = direct.filter(role__in=set(roles) | {Role.ADMINISTRATOR})
    administered_parents = Grant.objects.filter(email=email, role=Role.ADMINISTRATOR).values("licensing_id")
    opted_out = InheritanceOptOut.objects.filter(email=email).values("licensing_id")
    inherited = (
        LicensingID.objects.filter(parent_id__in=administered_parents).exclude(pk__in=opted_out).order_by().values("pk")
    )
    # One UNION rather than `pk IN direct OR (parent_id IN ... AND NOT ...)`: an OR of subqueries makes
    # PostgreSQL scan the whole licensing ID table and hash each subplan; IN (... UNION ...) is a semi-join
    # driven by the grant indexes (issue 7).
    return direct.order_by().values("licensing_id").union(inherited)


def inheritable_licensing_ids(user) -> models.QuerySet:
    """A `values("pk")` subquery of the children of parents `user` administers directly, opted out or not:
    the only licensing IDs on which opting out of / back into inherited administration makes sense (PERM-8)."""
    from agreements.models import LicensingID
    from permissions.models import Grant, Role

    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none().values("pk")
    administered_parents = Grant.objects.filter(email=email, role=Role.ADMINISTRATOR).values("licensing_id")
    return LicensingID.objects.filter(parent_id__in=administered_parents).values("pk")


def licensing_id_or_404(user, pk, *, roles: Iterable[str] | None = None):
    """The licensing ID `pk` if `user` holds any of `roles` on it, else Http404 like a missing one.

    The per-object form of `visible_to`, with the same answer: one query fetches the row together with the
    user's roles on it (kept for the rest of the request), cheaper than compiling the scoping subquery (issue 7).
    """
    from django.http import Http404

    from licensing_portal.converters import parse_pk
    from permissions.models import Role
    from permissions.policies import licensing_id_with_roles

    if parse_pk(pk) is None:  # out of the bigint range the hand-written query takes (SEC-9)
        raise Http404("No licensing ID matches the given query.")
    licensing_id, held = licensing_id_with_roles(user, pk)
    wanted = held if roles is None else held & (set(roles) | {Role.ADMINISTRATOR})
    if not wanted:
        raise Http404("No licensing ID matches the given query.")
    return licensing_id


class LicensingScopedQuerySet(models.QuerySet):
    """Rows that belong to a licensing ID; `licensing_id_path` is the lookup from the row to its pk."""

    licensing_id_path = "licensing_id"

    def visible_to(self, user, *, roles: Iterable[str] | None = None):
        return self.filter(**{f"{self.licensing_id_path}__in": accessible_licensing_ids(user, roles=roles)})


def partner_organization_ids(user) -> models.QuerySet:
    """A `values("organization_id")` subquery of the partner organisations the user works for (RES-3..7)."""
    from agreements.models import Organization, OrganizationMember

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return OrganizationMember.objects.none().values("organization_id")
    return OrganizationMember.objects.filter(user=user, organization__kind=Organization.Kind.PARTNER).values(
        "organization_id"
    )
