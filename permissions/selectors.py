"""Reads for the permissions pages. Who holds what comes from the access core, permissions/access.py (SEC-1,
PERM-8, the grant time bound); this module only shapes it into pages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import quote_plus

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from agreements.models import LicensingID, Program
from agreements.selectors import Listing, choice_labels, pk_path
from licensing_portal.core.models import AuditEvent
from permissions import access, access_mine, access_pages_orm, access_people
from permissions.access import (
    accessible_licensing_ids,
    business_email_of,
    inheritable_licensing_ids,
    licensing_id_or_404,
)
from permissions.access_pages_orm import INVITED, REGISTERED, VERIFIED
from permissions.models import (
    DELEGATED_SOURCES,
    PARTNER_SOURCES,
    PermissionRequest,
    Role,
    SABenefit,
)

ADMIN = [Role.ADMINISTRATOR]


def _on_postgresql() -> bool:
    """The hand-written page queries (permissions/access_mine.py, access_people.py) are PostgreSQL SQL; elsewhere
    (the SQLite demo, scripts/demo) their ORM twins in permissions/access_pages_orm.py read the same pages."""
    return connection.vendor == "postgresql"


def licensing_id_for_admin(*, user, pk: int) -> LicensingID:
    """The licensing ID if `user` administers it (directly or inherited); else 404 like a missing one."""
    return licensing_id_or_404(user, pk, roles=ADMIN)


def licensing_id_for_holder(*, user, pk: int) -> LicensingID:
    """The licensing ID if `user` holds any role on it (what "Remove" on My Permissions may act on)."""
    return licensing_id_or_404(user, pk)


def licensing_id_inheritable(*, user, pk: int) -> LicensingID:
    """A child of a parent `user` administers (PERM-8 opt-out / opt-in); else 404."""
    return get_object_or_404(
        LicensingID.objects.filter(pk__in=inheritable_licensing_ids(user)).select_related("parent"), pk=pk
    )


# --- My Permissions (PERM-3) ------------------------------------------------------------------------------


def my_permissions_list(*, user, include_inactive: bool = False) -> QuerySet[LicensingID]:
    """Licensing IDs the user holds roles on, plus children they opted out of (so they can opt in again),
    in page order: the ORM twin of the query `my_permissions_page` runs (permissions/access_mine.py), which
    tests/permissions/test_access_core.py compares it with."""
    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none()
    opted_out_children = access.opted_out_licensing_ids(user)
    qs = LicensingID.objects.filter(pk__in=accessible_licensing_ids(user).union(opted_out_children))
    if not include_inactive:
        qs = qs.filter(status=LicensingID.Status.ACTIVE)
    return qs.order_by("number", "pk")


def my_permissions_page(*, user, include_inactive: bool = False, number=None, per_page: int = 25) -> Listing:
    """One page of My Permissions: ONE prepared query (permissions/access_mine.py) gives the page's licensing IDs
    with the viewer's holding on each and their count, whatever the number of rows (issue 13: cold cost); two ORM
    queries on other databases (permissions/access_pages_orm.py)."""
    email = business_email_of(user)
    if not email:
        return Listing(Paginator([], per_page).get_page(1), [])
    rows_of = access_mine.my_permissions_rows if _on_postgresql() else access_pages_orm.my_permissions_rows

    def fetch_page(offset):
        total, rows = rows_of(email, include_inactive=include_inactive, offset=offset, limit=per_page)
        return total, rows, None

    page, _extra = _fetched_page(fetch_page, number, per_page)
    return Listing(page, my_permission_rows(list(page.object_list)))


def _fetched_page(fetch_page, number, per_page: int):
    """(the Paginator page, whatever `fetch_page` returned besides) for a page read with its count in one query:
    `fetch_page(offset)` -> (total, that page's items, anything else). A page number past the end gives the last
    page, as Paginator.get_page does (two more queries, only then)."""
    try:
        wanted = max(int(number), 1)
    except (TypeError, ValueError):
        wanted = 1
    total, items, extra = fetch_page((wanted - 1) * per_page)
    if not items and wanted > 1:  # past the end (the query counts nothing then): count, then the last page
        total, items, extra = fetch_page(0)
        wanted = max(1, -(-total // per_page))
        if wanted > 1:
            total, items, extra = fetch_page((wanted - 1) * per_page)
    page = Paginator(_Counted(total, (wanted - 1) * per_page, items), per_page).get_page(wanted)
    return page, extra


class _Counted:
    """What Paginator needs of the items of one page fetched with their total: `count()` and the page's slice."""

    def __init__(self, total: int, offset: int, items: list):
        self.total, self.offset, self.items = total, offset, items

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> list:
        return self.items[index.start - self.offset : index.stop - self.offset]


def my_permission_rows(found: list[access_mine.MyRow]) -> list[dict]:
    """Plain rows for one page (in this order): labels, links and action paths are resolved here once per page
    (one reverse() per action, one gettext per label): the loop only prints (issue 7)."""
    if not found:
        return []
    programs, statuses = choice_labels(Program.choices), choice_labels(LicensingID.Status.choices)
    role_labels = choice_labels(Role.choices)
    detail, opt_out, opt_in, remove, manage = (
        pk_path(name)
        for name in (
            "agreements:detail",
            "permissions:opt_out",
            "permissions:opt_in",
            "permissions:remove_self",
            "permissions:manage_users",
        )
    )
    remove_aria = gettext("Remove %(number)s")
    mbsa_program, parent_program = Program.MBSA.value, Program.PARENT.value
    role_order = Role.values  # an enum property: computed on each access
    rows = []
    for pk, number, program, status, parent, grandparent, holding in found:
        direct, inherited = holding.direct, holding.inherited_admin
        mbsa = (
            parent
            if parent and parent.program == mbsa_program
            else grandparent
            if grandparent and grandparent.program == mbsa_program
            else None
        )
        rows.append(
            {
                "pk": pk,
                "number": number,
                "url": detail(pk),
                "program": programs.get(program, program),
                "status": statuses.get(status, status),
                "parent_program": parent.number if parent and parent.program == parent_program else None,
                "mbsa": mbsa.number if mbsa else None,
                "roles": ", ".join(role_labels[r] for r in role_order if r in direct),
                "inherited_admin": inherited and Role.ADMINISTRATOR not in direct,
                "opt_out_url": opt_out(pk) if inherited else None,
                "opt_in_url": opt_in(pk) if holding.may_opt_in else None,
                "remove_url": remove(pk) if holding.may_remove_self else None,  # PERM-9 (access core)
                "remove_aria": remove_aria % {"number": number},
                "keeps_licensing_info": holding.parent_primary_or_notices,  # PERM-9
                "manage_url": manage(pk) if holding.is_admin else None,
            }
        )
    return rows


# --- Manage Users (PERM-7) --------------------------------------------------------------------------------


def people_emails(*, licensing_id: LicensingID) -> QuerySet:
    """Everyone with a role on the licensing ID, including administrators of its parent (paginate this)."""
    return access_people.people_emails(licensing_id)


def people_page(*, licensing_id: LicensingID, number=None, per_page: int = 25, viewer: str | None = None) -> Listing:
    """One page of Manage Users: ONE prepared query (permissions/access_people.py) gives the page of emails, their
    count, each person's grants, the parent's Administrator, opt-outs and PERM-12 state (invited, registered or
    verified), and the viewer's grants (issue 13: cold cost); at most five ORM queries on other databases
    (permissions/access_pages_orm.py)."""
    page_of = access_people.people_page if _on_postgresql() else access_pages_orm.people_page

    def fetch_page(offset):
        total, emails, found, states = page_of(licensing_id, viewer=viewer, offset=offset, limit=per_page)
        return total, emails, (found, states)

    page, (found, states) = _fetched_page(fetch_page, number, per_page)
    rows = _people_rows(licensing_id, list(page.object_list), found, viewer)
    labels = choice_labels(PERSON_STATES)
    for row in rows:
        state = states.get(row["email"], INVITED)
        row["state"], row["state_label"] = state, labels[state]
    return Listing(page, rows)


PERSON_STATES = (
    (INVITED, gettext_lazy("invited")),
    (REGISTERED, gettext_lazy("registered")),
    (VERIFIED, gettext_lazy("verified")),
)


def people_states(*, licensing_id: LicensingID) -> dict[str, str]:
    """PERM-12: business email -> "registered" (an account with that business email, not yet verified) or
    "verified", for everyone listed on Manage Users; a missing email is "invited" (no account yet). One query: the
    ORM twin of the states `people_page` reads with its page (tests/permissions/test_access_pages_sql.py). A
    registration or verification bumps the namespaces of the licensing IDs the person holds grants on
    (permissions/access_namespaces.py), so it shows at once."""
    return access_pages_orm.account_states(access_people.people_accounts_filter(licensing_id))


def people_rows(*, licensing_id: LicensingID, emails: list[str], viewer: str | None = None) -> list[dict]:
    """Plain rows for one page of emails: two queries whatever the page size (the ORM path; Manage Users itself
    reads them with its page in `people_page`). The viewer's grants come along in the same queries:
    `may_take_roles` says whether the viewer may remove or deny that person (SEC-6)."""
    wanted = [*emails, viewer] if viewer and viewer not in emails else list(emails)
    return _people_rows(licensing_id, emails, access_people.people(licensing_id, wanted), viewer)


def _people_rows(
    licensing_id: LicensingID, emails: list[str], people: dict[str, access_people.Person], viewer: str | None
) -> list[dict]:
    """Labels and the edit link are resolved here once per page so the template loop only prints (issue 7)."""
    wanted = [*emails, viewer] if viewer and viewer not in emails else list(emails)
    rows = {
        e: {
            "email": e,
            "roles": [],
            "sa_benefits": [],
            "sources": set(),
            "inherited_admin": False,
            "opted_out": False,
            "admin_sources": set(),
        }
        for e in wanted
    }
    role_labels, benefit_labels = choice_labels(Role.choices), choice_labels(SABenefit.choices)
    order = {r: i for i, r in enumerate(Role.values)}
    for email, person in people.items():
        row = rows.get(email)
        if row is None:
            continue
        for g in sorted(person.grants, key=lambda g: order.get(g.role, 99)):
            row["roles"].append(role_labels.get(g.role, g.role))
            row["sources"].add(g.source)
            if g.role == Role.ADMINISTRATOR:
                row["admin_sources"].add(g.source)
            if g.role == Role.SA_MANAGER:
                row["sa_benefits"] = [benefit_labels[b] for b in g.sa_benefits if b in benefit_labels]
        row["inherited_admin"], row["opted_out"] = person.inherited_admin, person.opted_out
        if person.inherited_admin:
            row["admin_sources"].add(person.parent_admin_source)
    # The row half of SEC-6 (policies.may_take_roles_from, which the services enforce): the customer's own
    # administrators may remove or deny anyone; a partner's delegated access only ordinary users and itself.
    viewer_row = rows.get(viewer) if viewer else None
    viewer_acts_for_customer = bool(viewer_row and viewer_row["admin_sources"] - DELEGATED_SOURCES)
    edit = reverse("permissions:manage_user_edit", kwargs={"pk": licensing_id.pk})
    for row in rows.values():
        row["is_partner"] = bool(row.pop("sources") & PARTNER_SOURCES)
        protected = bool(row.pop("admin_sources")) or row["is_partner"]
        row["may_take_roles"] = viewer_acts_for_customer or row["email"] == viewer or not protected
        row["email_query"] = f"email={quote_plus(row['email'])}"  # for the edit and person links
        row["edit_url"] = f"{edit}?{row['email_query']}" if row["roles"] else None
        row["roles"] = ", ".join(row["roles"])
        row["sa_benefits"] = ", ".join(row["sa_benefits"])
    return [rows[e] for e in emails]


def person_roles(*, licensing_id: LicensingID, email: str) -> tuple[list[str], list[str]]:
    """(roles, sa_benefits) `email` holds directly on the licensing ID."""
    roles, benefits = [], []
    for g in access_people.people(licensing_id, [email])[email].grants:
        roles.append(g.role)
        if g.role == Role.SA_MANAGER:
            benefits = list(g.sa_benefits)
    return roles, benefits


# --- People across licensing IDs (PERM-12) -----------------------------------------------------------------


def administered_licensing_ids(*, user) -> QuerySet[LicensingID]:
    """The licensing IDs `user` administers (directly or inherited), in page order."""
    return LicensingID.objects.filter(pk__in=accessible_licensing_ids(user, roles=ADMIN)).order_by("number", "pk")


def licensing_ids_for_admin(*, user, pks: list[int]) -> list[LicensingID]:
    """Every one of `pks` if `user` administers them all; else 404, like a missing one (SEC-1)."""
    wanted = sorted(set(pks))
    found = list(LicensingID.objects.filter(pk__in=accessible_licensing_ids(user, roles=ADMIN)).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Http404
    return sorted(found, key=lambda lid: (lid.number, lid.pk))


def person_grid(*, user, email: str) -> list[dict]:
    """One row per licensing ID `user` administers: `email`'s direct roles there and whether it inherits
    Administrator from the parent (PERM-8). Three queries whatever the number of licensing IDs."""
    lids = list(administered_licensing_ids(user=user))
    holdings = access.roles_on_many(email, lids)
    programs, role_labels = choice_labels(Program.choices), choice_labels(Role.choices)
    rows = []
    for lid in lids:
        direct, inherited = holdings[lid.pk].direct, holdings[lid.pk].inherited_admin
        rows.append(
            {
                "pk": lid.pk,
                "number": lid.number,
                "program": programs.get(lid.program, lid.program),
                "roles": [r for r in Role.values if r in direct],
                "role_labels": ", ".join(role_labels[r] for r in Role.values if r in direct),
                "inherited_admin": inherited and Role.ADMINISTRATOR not in direct,
            }
        )
    return rows


# --- Permission requests (PERM-4, PERM-5) -----------------------------------------------------------------


def permission_requests_pending(*, user) -> QuerySet[PermissionRequest]:
    return (
        PermissionRequest.objects.visible_to(user, roles=ADMIN)
        .filter(status=PermissionRequest.Status.PENDING)
        .select_related("licensing_id", "requester")
        .order_by("created_at", "pk")
    )


def permission_request_get(*, user, pk: int) -> PermissionRequest:
    """Only administrators of the request's licensing ID reach it; anyone else gets 404."""
    return get_object_or_404(
        PermissionRequest.objects.visible_to(user, roles=ADMIN).select_related(
            "licensing_id", "requester", "decided_by"
        ),
        pk=pk,
    )


# --- Audit log (PERM-11) ----------------------------------------------------------------------------------


def audit_events(*, licensing_id: LicensingID, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Call with a licensing ID obtained through licensing_id_for_admin (that is where the scoping happens)."""
    events = AuditEvent.objects.filter(licensing_id=licensing_id).order_by("-created_at", "-id")
    return _audit_filtered(events, filters or {})


def audit_events_administered(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """OPS-4: the events of every licensing ID `user` administers (directly or inherited), newest first."""
    events = (
        AuditEvent.objects.filter(licensing_id__in=accessible_licensing_ids(user, roles=ADMIN))
        .select_related("licensing_id")
        .order_by("-created_at", "-id")
    )
    return _audit_filtered(events, filters or {})


def _audit_filtered(events: QuerySet[AuditEvent], filters: dict) -> QuerySet[AuditEvent]:
    """`filters` is AuditFilterForm.cleaned_data: UTC days (both ends included), verb prefix, actor or target."""
    if start := filters.get("date_from"):
        events = events.filter(created_at__gte=datetime.combine(start, time.min, tzinfo=UTC))
    if end := filters.get("date_to"):
        events = events.filter(created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    if event := filters.get("event"):
        events = events.filter(verb__startswith=event)
    if person := filters.get("person"):
        events = events.filter(Q(actor_email__iexact=person) | Q(target_email__iexact=person))
    return events


AUDIT_EXPORT_FIELDS = (
    "created_at",
    "licensing_id__number",
    "actor_email",
    "verb",
    "target_email",
    "before",
    "after",
    "detail",
)


def audit_export_rows(events: QuerySet[AuditEvent]):
    """The rows of an export as plain dicts, read in chunks through one server-side cursor (constant queries
    and memory whatever the number of events)."""
    return events.values(*AUDIT_EXPORT_FIELDS).iterator(chunk_size=2000)
