"""The access core's page reads of My Permissions and Manage Users in the ORM, for databases other than PostgreSQL
(the SQLite demo of scripts/demo), where the hand-written queries of permissions/access_mine.py (LATERAL, ARRAY)
and permissions/access_people.py (bool_or, ::text) do not run. Part of the access core (permissions/access.py).

Each function takes the arguments of its hand-written twin and returns the same shapes, in a constant number of
queries whatever the number of rows; tests/permissions/test_access_pages_sql.py proves them equal to the
hand-written queries (and so to `selectors.my_permissions_list` + `access.roles_on_many`, and to
`access_people.people_emails` + `people`) on generated trees. `permissions.selectors` picks one or the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Count, Window

from agreements.models import LicensingID
from licensing_portal.core.models import User
from permissions import access, access_people
from permissions.access_mine import MyRow, Related
from permissions.access_people import HeldGrant, Person
from permissions.models import InheritanceOptOut, Role

# --- My Permissions (PERM-3, PERM-8, PERM-9) --------------------------------------------------------------


def _listed_licensing_ids(email: str) -> models.QuerySet:
    """A one-column subquery (right of `__in` only) of what My Permissions lists for `email`: the licensing IDs it
    holds a live role on, plus the children of the parents it administers that it did not remove from its
    permissions (PERM-9); opted-out ones stay listed so that it can opt in again (PERM-8)."""
    mine = access.live_grants().filter(email=email)
    removed = (
        InheritanceOptOut.objects.filter(email=email)
        .exclude(reason=InheritanceOptOut.Reason.OPT_OUT)
        .values("licensing_id")
    )
    children = (
        LicensingID.objects.filter(parent_id__in=mine.filter(role=Role.ADMINISTRATOR).values("licensing_id"))
        .exclude(pk__in=removed)
        .order_by()
        .values("pk")
    )
    return mine.order_by().values("licensing_id").union(children)


def _related(licensing_id: LicensingID | None) -> Related | None:
    return Related(licensing_id.number, licensing_id.program) if licensing_id else None


def my_permissions_rows(email: str, *, include_inactive: bool, offset: int, limit: int) -> tuple[int, list[MyRow]]:
    """The ORM twin of `access_mine.my_permissions_rows`: (how many licensing IDs `email` lists on My Permissions,
    the rows from `offset` to `offset + limit` in page order). Two queries: the page with its parent, grandparent
    and count, then `access.roles_on_many` for the holdings. A page past the end gives (0, [])."""
    if not email:
        return 0, []
    listed = LicensingID.objects.filter(pk__in=_listed_licensing_ids(email))
    if not include_inactive:
        listed = listed.filter(status=LicensingID.Status.ACTIVE)
    page = list(
        listed.select_related("parent__parent")
        .annotate(total=Window(Count("pk")))
        .order_by("number", "pk")[offset : offset + limit]
    )
    holdings = access.roles_on_many(email, page)
    rows = [
        MyRow(
            lid.pk,
            lid.number,
            lid.program,
            lid.status,
            _related(lid.parent),
            _related(lid.parent.parent if lid.parent else None),
            holdings[lid.pk],
        )
        for lid in page
    ]
    return (page[0].total if page else 0), rows


# --- Manage Users (PERM-7, PERM-8, PERM-12) ---------------------------------------------------------------

INVITED, REGISTERED, VERIFIED = "invited", "registered", "verified"


def account_states(emails: Iterable[str] | models.QuerySet) -> dict[str, str]:
    """PERM-12: business email -> "verified" (an account with that business email verified it) or "registered"
    (accounts, none verified) for each of `emails` (a list or a one-column subquery) that has an account; the
    others are "invited". One query."""
    states: dict[str, str] = {}
    for email, verified_at in (
        User.objects.filter(business_email__in=emails)
        .order_by("business_email", "pk")
        .values_list("business_email", "business_email_verified_at")
    ):
        if states.get(email) != VERIFIED:
            states[email] = VERIFIED if verified_at else REGISTERED
    return states


def people_page(
    licensing_id: LicensingID, *, viewer: str | None, offset: int, limit: int
) -> tuple[int, list[str], dict[str, Person], dict[str, str]]:
    """The ORM twin of `access_people.people_page`: (how many people Manage Users lists on the licensing ID, the
    emails from `offset` in page order, the Person of each and of `viewer` with its grants as HeldGrant in role
    order, their PERM-12 account states). At most five queries: the page, its count (only when the page does not
    show it), the grants and opt-outs (`access_people.people`), the accounts. A page past the end gives no emails
    and a count of 0."""
    listed = access_people.people_emails(licensing_id)
    emails = list(listed[offset : offset + limit])
    if not emails:
        total = 0
    elif offset == 0 and len(emails) < limit:
        total = len(emails)
    else:
        total = listed.count()
    wanted = [*emails, viewer] if viewer and viewer not in emails else emails
    found = {
        email: Person(
            email=email,
            grants=sorted(
                (HeldGrant(g.role, g.source, list(g.sa_benefits or [])) for g in person.grants),
                key=lambda g: g.role,
            ),
            parent_admin_source=person.parent_admin_source,
            opted_out=person.opted_out,
        )
        for email, person in access_people.people(licensing_id, wanted).items()
    }
    states = account_states(wanted)
    return total, emails, found, {email: states.get(email, INVITED) for email in wanted}
