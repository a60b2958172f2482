"""The access core's answer for Manage Users: everyone with a role on one licensing ID, with their grants, the
inherited Administrator of the parent and opt-outs (PERM-7, PERM-8, PERM-12). Part of the access core
(permissions/access.py), split out to keep each module under 500 lines; it asks the core for the time bound."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import models
from django.db.models import Q

from agreements.models import LicensingID
from licensing_portal.db import fetch, prepared
from permissions.access import live_grants, now
from permissions.access_listing import LISTED_NOW
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


# --- Manage Users in one query: the page of people, their grants, opt-outs and PERM-12 states ---------------

# The people listed on Manage Users are read from the My Permissions listing (`HolderListing`, kept by triggers in
# permissions/access_listing.py): whoever lists the licensing ID there, in email order from the `listing_people`
# index (the top of that index, not a sort over every person), counted from the same index, plus any
# Administrator of the parent who removed the licensing ID from their permissions (PERM-9: not listed there,
# still shown here); then each page email's grants here and on the parent by index (`uniq_grant`, 25 lookups;
# OFFSET 0 keeps the planner from merging all of the licensing ID's grants instead), its opt-out here and its
# account state. The cost follows the page, not the licensing ID's people nor the number of tenants. Prepared
# once per connection: no ORM compilation or planning per request (issue 13: a cold Manage Users ran five ORM
# queries; at scale 5 the sort and count of the busy licensing ID's 1,259 people over its grants cost 1.5 ms,
# 0.6 ms now). `people_emails`, `people` and `people_accounts_filter` are its ORM twins
# (tests/permissions/test_access_pages_sql.py).
_PEOPLE_PAGE_SQL = """
WITH listed AS NOT MATERIALIZED (
    SELECT h.email FROM permissions_holderlisting h WHERE h.licensing_id_id = %(pk)s AND {listed_now}
), removed AS MATERIALIZED (
    SELECT o.email FROM permissions_inheritanceoptout o
    WHERE o.licensing_id_id = %(pk)s AND o.reason = '{removed}'
      AND EXISTS (SELECT 1 FROM permissions_grant g WHERE g.licensing_id_id = %(parent)s AND g.email = o.email
                  AND g.role = '{admin}' AND (g.ends_at IS NULL OR g.ends_at > %(now)s))
      AND NOT EXISTS (SELECT 1 FROM permissions_holderlisting h WHERE h.licensing_id_id = %(pk)s
                      AND h.email = o.email AND {listed_now})
), page AS (
    SELECT e.email, (SELECT count(*) FROM listed) + (SELECT count(*) FROM removed) AS total FROM (
        (SELECT email FROM listed ORDER BY email LIMIT %(limit)s::int + %(offset)s::int)
        UNION ALL
        SELECT email FROM removed
    ) e
    ORDER BY e.email LIMIT %(limit)s OFFSET %(offset)s
), wanted AS (
    SELECT page.email, page.total FROM page
    UNION ALL
    SELECT %(viewer)s::text, NULL WHERE %(viewer)s::text <> ''
        AND NOT EXISTS (SELECT 1 FROM page WHERE page.email = %(viewer)s::text)
)
SELECT w.email, w.total, h.on_here, h.role, h.source, h.sa_benefits,
    EXISTS (SELECT 1 FROM permissions_inheritanceoptout o WHERE o.licensing_id_id = %(pk)s AND o.email = w.email)
        AS opted_out,
    (SELECT CASE WHEN bool_or(u.business_email_verified_at IS NOT NULL) THEN '{verified}'
                 WHEN count(*) > 0 THEN '{registered}' ELSE '{invited}' END
     FROM core_user u WHERE u.business_email = w.email) AS state
FROM wanted w LEFT JOIN LATERAL (
    SELECT g.licensing_id_id = %(pk)s AS on_here, g.role, g.source, g.sa_benefits FROM permissions_grant g
    WHERE g.licensing_id_id IN (%(pk)s, %(parent)s) AND g.email = w.email
      AND (g.licensing_id_id = %(pk)s OR g.role = '{admin}') AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
    OFFSET 0
) h ON true
ORDER BY w.email, h.role
""".format(  # noqa: S608 - constant choice values
    listed_now=LISTED_NOW,
    admin=Role.ADMINISTRATOR.value,
    removed=InheritanceOptOut.Reason.REMOVED.value,
    verified="verified",
    registered="registered",
    invited="invited",
)


class HeldGrant(NamedTuple):
    """A live grant as Manage Users shows it."""

    role: str
    source: str
    sa_benefits: list


def people_page(
    licensing_id: LicensingID, *, viewer: str | None, offset: int, limit: int
) -> tuple[int, list[str], dict[str, Person], dict[str, str]]:
    """(how many people Manage Users lists on the licensing ID, the emails from `offset` in page order, the Person
    of each and of `viewer`, their PERM-12 account states: "invited", "registered" or "verified"): one query. A page
    past the end gives no emails and a count of 0."""
    params = {
        "pk": licensing_id.pk,
        "parent": licensing_id.parent_id,
        "now": now(),
        "viewer": viewer or "",
        "limit": limit,
        "offset": offset,
    }
    total, emails, found, states = 0, [], {}, {}
    for email, count, on_here, role, source, sa_benefits, opted_out, state in fetch(
        *prepared("portal_people_page_v4", _PEOPLE_PAGE_SQL, params)
    ):
        person = found.get(email)
        if person is None:
            person = found[email] = Person(email=email, grants=[], opted_out=opted_out)
            states[email] = state
            if count is not None:
                total = count
                emails.append(email)
        if role is None:
            continue
        if on_here:
            if isinstance(sa_benefits, str):  # Django loads jsonb as text
                sa_benefits = json.loads(sa_benefits)
            person.grants.append(HeldGrant(role, source, sa_benefits or []))
        else:
            person.parent_admin_source = source
    for person in found.values():
        if person.parent_admin_source is None:
            person.opted_out = False  # Person.opted_out: a parent administrator who opted out here (as `people`)
    return total, emails, found, states
