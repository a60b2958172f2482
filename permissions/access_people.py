"""The access core's answer for Manage Users: everyone with a role on one licensing ID, with their grants, the
inherited Administrator of the parent and opt-outs (PERM-7, PERM-8, PERM-12). Part of the access core
(permissions/access.py), split out to keep each module under 500 lines; it asks the core for the time bound."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

from agreements.models import LicensingID
from permissions.access import live_grants
from permissions.models import InheritanceOptOut, Role

# --- Manage Users: everyone with a role on one licensing ID (PERM-7, PERM-8) -------------------------------


def _people_q(licensing_id: LicensingID) -> Q:
    q = Q(licensing_id=licensing_id.pk)
    if licensing_id.parent_id:
        q |= Q(licensing_id=licensing_id.parent_id, role=Role.ADMINISTRATOR)
    return q


def people_emails(licensing_id: LicensingID) -> models.QuerySet:
    """Everyone with a live role on the licensing ID, including administrators of its parent (opted out or not,
    so that Manage Users shows them as such): a distinct, ordered `email` column to paginate."""
    return live_grants().filter(_people_q(licensing_id)).values_list("email", flat=True).distinct().order_by("email")


@dataclass
class Person:
    """One email's grants on one licensing ID, as Manage Users shows them."""

    email: str
    grants: list = field(default_factory=list)  # live Grant rows held here (email, role, source, sa_benefits)
    parent_admin_source: str | None = None  # source of the parent's Administrator grant, opted out or not
    opted_out: bool = False

    @property
    def inherited_admin(self) -> bool:
        return self.parent_admin_source is not None and not self.opted_out


def people(licensing_id: LicensingID, emails: Iterable[str]) -> dict[str, Person]:
    """The Person of each of `emails` on the licensing ID: two queries whatever their number."""
    wanted = list(dict.fromkeys(emails))
    found = {email: Person(email=email, grants=[]) for email in wanted}
    grants = (
        live_grants()
        .filter(_people_q(licensing_id), email__in=wanted)
        .only("email", "role", "source", "sa_benefits", "licensing_id")
    )
    opted = set()
    if licensing_id.parent_id:
        opted = set(
            InheritanceOptOut.objects.filter(licensing_id=licensing_id, email__in=wanted).values_list(
                "email", flat=True
            )
        )
    for grant in grants:
        person = found[grant.email]
        if grant.licensing_id_id == licensing_id.pk:
            person.grants.append(grant)
        else:
            person.parent_admin_source = grant.source
            person.opted_out = grant.email in opted
    return found


def people_accounts_filter(licensing_id: LicensingID) -> models.QuerySet:
    """A `values("email")` subquery of everyone listed on Manage Users (PERM-12 account states)."""
    return live_grants().filter(_people_q(licensing_id)).values("email")
