"""The access core: the ONE place that knows who holds which role on which licensing ID.

PERM-1 roles are held per licensing ID by a *verified* business email (ACC-2, ACC-3), through a `Grant`.
Administrator of an MBSA/parent is inherited by its children unless the person opted out there or removed the
child from their permissions (`InheritanceOptOut`, both reasons: PERM-8, PERM-9). Administrator implies every
role. A grant a partner holds through a reseller relationship (`DELEGATED_SOURCES`) acts on the customer's
licences but is not one of the customer's own administrators (SEC-6).

The time bound: a grant whose `ends_at` has passed counts for nothing here, in every answer, ORM and hand-written
SQL alike, from the very next request, whether or not the task that deletes it has run (RES-8, RES-9). "Now" is
Django's clock, passed into SQL as a parameter (never the database's `now()`), so every answer agrees on it.
Cached answers are keyed on `viewer_stamp()` or the stamp `licensing_id_with_roles()` reads: the counters of the
namespaces they depend on (permissions/access_namespaces.py) and the next end among the grants concerned.

Selectors, services, policies (permissions/policies.py asks "may X do Y" on top of these answers), the partner
and subscription apps, and later API/SCIM views ask here; nobody else queries Grant or InheritanceOptOut to
decide access (tests/test_architecture.py). `licensing_portal.tenancy.LicensingScopedQuerySet.visible_to` reaches
`accessible_licensing_ids` through `settings.PORTAL_ACCESS_SCOPE`, so the kernel imports no domain app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from agreements.models import AgreementContact, ContactType, LicensingID, Organization, OrganizationMember
from licensing_portal.converters import parse_pk
from licensing_portal.db import fetch, instance_from_row, prepared
from licensing_portal.tenancy import business_email_of
from permissions.access_namespaces import NAMESPACE_SQL, stamp, viewer_stamp
from permissions.models import DELEGATED_SOURCES, PARTNER_SOURCES, Grant, InheritanceOptOut, Role

__all__ = [
    "DELEGATED_SOURCES",
    "PARTNER_SOURCES",
    "Holding",
    "accessible_licensing_ids",
    "administered_organization_ids",
    "administrator_sources",
    "administrators_of_record",
    "business_email_of",
    "direct_holdings",
    "customer_organization_ids",
    "held_roles",
    "holders",
    "inheritable_licensing_ids",
    "inherits_administrator",
    "is_parent_administrator",
    "licensing_id_or_404",
    "licensing_id_with_roles",
    "live_grants",
    "opted_out_licensing_ids",
    "own_administered_licensing_ids",
    "partner_organization_ids",
    "roles_on",
    "roles_on_many",
    "would_leave_without_administrator",
    "would_leave_without_own_administrator",
    "viewer_stamp",
]

PRIMARY_OR_NOTICES = (ContactType.PRIMARY, ContactType.NOTICES)


# --- The time bound (RES-8, RES-9) ------------------------------------------------------------------------


def now() -> datetime:
    return timezone.now()


def live_q(*, at: datetime | None = None, prefix: str = "") -> Q:
    """Grants that still count at `at` (default: now): no end, or an end still ahead."""
    at = at or now()
    return Q(**{f"{prefix}ends_at__isnull": True}) | Q(**{f"{prefix}ends_at__gt": at})


def live_grants(*, at: datetime | None = None) -> models.QuerySet:
    """Every grant that counts now: the start of every access question asked of the ORM."""
    return Grant.objects.filter(live_q(at=at))


# --- Which licensing IDs, for one user (subqueries for the right of `__in`) --------------------------------


def accessible_licensing_ids(user, *, roles: Iterable[str] | None = None) -> models.QuerySet:
    """A one-column subquery of the licensing ID pks on which `user` holds any of `roles` (SEC-1, PERM-8): use it
    only on the right of `__in`. Administrator implies every role; `roles=None` means any role at all."""
    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none().values("pk")
    mine = live_grants().filter(email=email)
    direct = mine if roles is None else mine.filter(role__in=set(roles) | {Role.ADMINISTRATOR})
    inherited = _children_inheriting(email, mine.filter(role=Role.ADMINISTRATOR))
    # One UNION rather than `pk IN direct OR (parent_id IN ... AND NOT ...)`: an OR of subqueries makes
    # PostgreSQL scan the whole licensing ID table and hash each subplan; IN (... UNION ...) is a semi-join
    # driven by the grant indexes (issue 7).
    return direct.order_by().values("licensing_id").union(inherited)


def _children_inheriting(email: str, parent_admin_grants: models.QuerySet) -> models.QuerySet:
    """Children of the parents in `parent_admin_grants` where `email` did not opt out (PERM-8) or remove (PERM-9)."""
    opted_out = InheritanceOptOut.objects.filter(email=email).values("licensing_id")
    return (
        LicensingID.objects.filter(parent_id__in=parent_admin_grants.values("licensing_id"))
        .exclude(pk__in=opted_out)
        .order_by()
        .values("pk")
    )


def inheritable_licensing_ids(user) -> models.QuerySet:
    """A `values("pk")` subquery of the children of parents `user` administers directly, opted out or not: the
    only licensing IDs on which opting out of / back into inherited administration makes sense (PERM-8)."""
    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none().values("pk")
    parents = live_grants().filter(email=email, role=Role.ADMINISTRATOR).values("licensing_id")
    return LicensingID.objects.filter(parent_id__in=parents).values("pk")


def opted_out_licensing_ids(user, *, reason: str | None = InheritanceOptOut.Reason.OPT_OUT) -> models.QuerySet:
    """A `values("licensing_id")` subquery of the inheritable children `user` opted out of (PERM-8), which My
    Permissions lists so that they can opt in again; `reason=None`: removed ones too (PERM-9)."""
    email = business_email_of(user)
    if not email:
        return InheritanceOptOut.objects.none().values("licensing_id")
    opt_outs = InheritanceOptOut.objects.filter(email=email, licensing_id__in=inheritable_licensing_ids(user))
    if reason is not None:
        opt_outs = opt_outs.filter(reason=reason)
    return opt_outs.order_by().values("licensing_id")


def own_administered_licensing_ids(user) -> models.QuerySet:
    """A one-column subquery (right of `__in` only) of the licensing IDs `user` administers as one of the customer's
    own people: through an Administrator grant that did not come from a reseller relationship, held there or on
    its MBSA/parent (not opted out, PERM-8). Delegated partner access (RES-5) is left out (SEC-6)."""
    email = business_email_of(user)
    if not email:
        return LicensingID.objects.none().values("pk")
    own = live_grants().filter(email=email, role=Role.ADMINISTRATOR).exclude(source__in=DELEGATED_SOURCES)
    return own.order_by().values("licensing_id").union(_children_inheriting(email, own))


def customer_organization_ids(user) -> models.QuerySet:
    """A `values("organization_id")` subquery of the organisations `user` acts for as one of their own
    administrators: the customer side of reseller relationships (RES-5, RES-6, SEC-6)."""
    return LicensingID.objects.filter(pk__in=own_administered_licensing_ids(user)).values("organization_id")


def partner_organization_ids(user) -> models.QuerySet:
    """A `values("organization_id")` subquery of the partner organisations the user works for (RES-3..7)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return OrganizationMember.objects.none().values("organization_id")
    return OrganizationMember.objects.filter(user=user, organization__kind=Organization.Kind.PARTNER).values(
        "organization_id"
    )


def administered_organization_ids(user) -> models.QuerySet:
    """A `values("pk")` subquery of the organisations whose organisation-wide tools (API service tokens, webhooks,
    domains and single sign-on, SCIM) `user` manages: a partner they are an administrator member of (RES-7, MPN-2),
    a customer they are one of the own administrators of, never through a partner's delegated access (SEC-6)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organization.objects.none().values("pk")
    partner_ids = OrganizationMember.objects.filter(
        user=user, is_admin=True, organization__kind=Organization.Kind.PARTNER
    ).values("organization_id")
    return Organization.objects.filter(
        Q(pk__in=partner_ids) | Q(pk__in=customer_organization_ids(user), kind=Organization.Kind.CUSTOMER)
    ).values("pk")


# --- One licensing ID, for one user: the hand-written one-row lookup every page runs -----------------------

# The licensing ID, the user's live grants on it and its parent, and whether the user opted out of inheriting the
# parent's Administrator here (PERM-8): one indexed query, as planning and compiling the ORM equivalent cost more
# than running it (issue 7); a row per grant, or one without. A page caching under it reads the cache stamp along
# (namespaces of the licensing ID and its parent, next end among their grants); the others skip it (issue 13).
# `roles_on_many` is its ORM twin; tests/permissions/test_access_core.py proves they agree on generated trees.
_LICENSING_ID_ROLES_SQL = """
SELECT {columns}, g.role AS held_role, g.licensing_id_id AS held_on, EXISTS (
    SELECT 1 FROM permissions_inheritanceoptout o WHERE o.licensing_id_id = l.id AND o.email = %(email)s
) AS opted_out{stamp}
FROM agreements_licensingid l
LEFT JOIN permissions_grant g ON g.email = %(email)s AND g.licensing_id_id IN (l.id, l.parent_id)
    AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
WHERE l.id = %(pk)s
"""
_STAMP_COLUMNS = """, {namespaces} AS access_stamp,
(SELECT min(n.ends_at) FROM (  -- each by index `grant_lid_ends`: the first end after now, not every grant's
    SELECT min(e.ends_at) AS ends_at FROM permissions_grant e WHERE e.licensing_id_id = l.id AND e.ends_at > %(now)s
    UNION ALL
    SELECT min(e.ends_at) FROM permissions_grant e WHERE e.licensing_id_id = l.parent_id AND e.ends_at > %(now)s
) n) AS next_end""".format(  # noqa: S608 - constant key expressions
    namespaces=" || '.' || ".join(
        f"coalesce({NAMESPACE_SQL.format(key=key)}, 0)" for key in ("'*'", "'l:' || l.id", "'l:' || l.parent_id")
    ),
)
_COLUMNS = ", ".join(f"l.{f.column}" for f in LicensingID._meta.concrete_fields)
_ROLES_STATEMENTS = {  # stamped? -> (prepared statement name, SQL)
    stamped: (name, _LICENSING_ID_ROLES_SQL.format(columns=_COLUMNS, stamp=_STAMP_COLUMNS if stamped else ""))
    for stamped, name in ((True, "portal_licensing_id_roles_v5"), (False, "portal_licensing_id_roles_bare_v1"))
}


def licensing_id_with_roles(user, pk: int, *, stamped: bool = True) -> tuple[LicensingID | None, frozenset[str]]:
    """The licensing ID `pk` (None if missing, or before the business email is confirmed: ACC-2) and the user's
    roles on it: those held there, plus Administrator inherited from the parent unless opted out. Remembered for
    the rest of the request; `stamped`, it carries the cache stamp (`access_version`) read with them."""
    email = business_email_of(user)
    if not email:
        return None, frozenset()
    params = {"email": email, "pk": pk, "now": now()}
    rows = fetch(*prepared(*_ROLES_STATEMENTS[stamped], params))
    if not rows:
        return None, frozenset()
    width = len(LicensingID._meta.concrete_fields)
    licensing_id = instance_from_row(LicensingID, rows[0][:width])
    if stamped:
        licensing_id.access_version = stamp(*rows[0][width + 3 :])
    roles = set()
    for held_role, held_on, opted_out, *_stamp in (row[width:] for row in rows):
        if held_on == licensing_id.pk:
            roles.add(held_role)
        elif held_role == Role.ADMINISTRATOR and not opted_out:
            roles.add(Role.ADMINISTRATOR)
    _remembered_roles(user)[licensing_id.pk] = frozenset(roles)
    return licensing_id, frozenset(roles)


def _remembered_roles(user) -> dict[int, frozenset[str]]:
    cache = getattr(user, "_roles_cache", None)
    if cache is None:
        cache = user._roles_cache = {}
    return cache


def forget_cached_roles(user) -> None:
    """After a change to `user`'s own roles within the request (opt-out, removal)."""
    if hasattr(user, "_roles_cache"):
        del user._roles_cache


def roles_on(user, licensing_id: LicensingID) -> frozenset[str]:
    """Roles held directly, plus Administrator inherited from the parent unless opted out (PERM-1, PERM-8)."""
    if not business_email_of(user):
        return frozenset()
    remembered = _remembered_roles(user)
    if licensing_id.pk not in remembered:
        licensing_id_with_roles(user, licensing_id.pk)
    return remembered.get(licensing_id.pk, frozenset())


def licensing_id_or_404(user, pk, *, roles: Iterable[str] | None = None, stamped: bool = True) -> LicensingID:
    """The licensing ID `pk` if `user` holds any of `roles` on it, else Http404 like a missing one (SEC-1).

    The per-object form of `visible_to`, with the same answer: one query fetches the row together with the
    user's roles on it (kept for the rest of the request), cheaper than compiling the scoping subquery (issue 7).
    """
    if parse_pk(pk) is None:  # out of the bigint range the hand-written query takes (SEC-9)
        raise Http404("No licensing ID matches the given query.")
    licensing_id, held = licensing_id_with_roles(user, pk, stamped=stamped)
    wanted = held if roles is None else held & (set(roles) | {Role.ADMINISTRATOR})
    if not wanted:
        raise Http404("No licensing ID matches the given query.")
    return licensing_id


# --- Many licensing IDs, for one email: one query (ORM) ---------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """What one email holds on one licensing ID."""

    direct: frozenset[str] = frozenset()
    parent_admin: bool = False  # holds Administrator on the MBSA/parent (opted out here or not)
    opt_out: str | None = None  # InheritanceOptOut.Reason here, if any
    primary_or_notices: bool = False  # listed as its Primary Contact / Notices Correspondent (PERM-9)
    parent_primary_or_notices: bool = False  # ... of its MBSA/parent: keeps Licensing Info on removal (PERM-9)

    @property
    def inherited_admin(self) -> bool:
        return self.parent_admin and self.opt_out is None

    @property
    def roles(self) -> frozenset[str]:
        return self.direct | {Role.ADMINISTRATOR} if self.inherited_admin else self.direct

    @property
    def may_opt_in(self) -> bool:
        """Opted out (not removed: PERM-9) of administration it would inherit from the parent (PERM-8)."""
        return self.parent_admin and self.opt_out == InheritanceOptOut.Reason.OPT_OUT

    @property
    def is_admin(self) -> bool:
        return Role.ADMINISTRATOR in self.roles

    @property
    def may_remove_self(self) -> bool:
        """PERM-9: holds something here and is not its Primary Contact / Notices Correspondent."""
        return bool(self.roles) and not self.primary_or_notices


_PC_NC = "pc_nc"
_OPT_OUT = "optout:"


def roles_on_many(email: str | None, licensing_ids: Iterable[LicensingID]) -> dict[int, Holding]:
    """`email`'s Holding on each of `licensing_ids` (their `parent_id` must be loaded), in ONE query whatever
    their number: live grants here and on the parents, opt-outs and Primary Contact / Notices facts (PERM-1,
    PERM-8, PERM-9)."""
    lids = list(licensing_ids)
    if not email or not lids:
        return {lid.pk: Holding() for lid in lids}
    pks = [lid.pk for lid in lids]
    here_and_parents = set(pks) | {lid.parent_id for lid in lids if lid.parent_id}
    facts = (
        live_grants()
        .filter(email=email, licensing_id__in=here_and_parents)
        .values_list("licensing_id", "role")
        .union(
            InheritanceOptOut.objects.filter(email=email, licensing_id__in=pks).values_list(
                "licensing_id", Concat(Value(_OPT_OUT), "reason", output_field=CharField())
            ),
            AgreementContact.objects.filter(
                email=email, contact_type__in=PRIMARY_OR_NOTICES, licensing_id__in=here_and_parents
            ).values_list("licensing_id", Value(_PC_NC, output_field=CharField())),
            all=True,
        )
    )
    held: dict[int, set[str]] = {}
    opt_outs: dict[int, str] = {}
    pc_nc: set[int] = set()
    for lid_pk, fact in facts:
        if fact == _PC_NC:
            pc_nc.add(lid_pk)
        elif fact.startswith(_OPT_OUT):
            opt_outs[lid_pk] = fact.removeprefix(_OPT_OUT)
        else:
            held.setdefault(lid_pk, set()).add(fact)
    return {
        lid.pk: Holding(
            direct=frozenset(held.get(lid.pk, ())),
            parent_admin=bool(lid.parent_id) and Role.ADMINISTRATOR in held.get(lid.parent_id, ()),
            opt_out=opt_outs.get(lid.pk),
            primary_or_notices=lid.pk in pc_nc,
            parent_primary_or_notices=bool(lid.parent_id) and lid.parent_id in pc_nc,
        )
        for lid in lids
    }


def roles_by_licensing_id(user, licensing_ids: Iterable[LicensingID]) -> dict[int, frozenset[str]]:
    """`user`'s roles on each licensing ID (inherited Administrator included), in one query."""
    return {pk: h.roles for pk, h in roles_on_many(business_email_of(user), licensing_ids).items()}


# --- One licensing ID, any email --------------------------------------------------------------------------


def ended_grants_clear(licensing_id: LicensingID, email: str) -> int:
    """Delete `email`'s ended grants on the licensing ID (they already count for nothing), so that a service about to
    grant or change roles sees only live ones and a role can be granted again after its end (RES-8, RES-9)."""
    ended = Grant.objects.filter(licensing_id=licensing_id, email=email, ends_at__lte=now())
    if not ended.exists():  # skip the DELETE statement (and its trigger) when nothing ended
        return 0
    deleted, _ = ended.delete()
    return deleted


def held_roles(licensing_id: LicensingID, email: str) -> set[str]:
    """The roles `email` holds directly (and live) on the licensing ID."""
    return set(live_grants().filter(licensing_id=licensing_id, email=email).values_list("role", flat=True))


def is_parent_administrator(user, licensing_id: LicensingID) -> bool:
    """Holds Administrator directly on the licensing ID's MBSA/parent (whether or not opted out here)."""
    email = business_email_of(user)
    return bool(
        email
        and licensing_id.parent_id
        and live_grants().filter(licensing_id=licensing_id.parent_id, email=email, role=Role.ADMINISTRATOR).exists()
    )


def inherits_administrator(licensing_id: LicensingID, email: str) -> bool:
    """Administers the licensing ID through its MBSA/parent and has not opted out or removed it (PERM-8)."""
    _direct, inherited = administrator_sources(licensing_id, email)
    return inherited is not None


def administrators_of_record(licensing_id: LicensingID, *, own_only: bool = False) -> set[str]:
    """Business emails administering the licensing ID: direct Administrator grants plus administrators of its
    MBSA/parent who have not opted out (PERM-4, PERM-8). `own_only`: the customer's own administrators, leaving
    out Administrator a partner holds through a reseller relationship (SEC-6)."""
    return holders(licensing_id, [Role.ADMINISTRATOR], own_only=own_only)


def holders(licensing_id: LicensingID, roles: Iterable[str], *, own_only: bool = False) -> set[str]:
    """Business emails holding any of `roles` on the licensing ID, directly or as Administrator (which implies
    every role), inherited from its MBSA/parent unless opted out (PERM-1, PERM-8): one query."""
    grants = live_grants()
    if own_only:
        grants = grants.exclude(source__in=DELEGATED_SOURCES)
    q = Q(licensing_id=licensing_id.pk, role__in=set(roles) | {Role.ADMINISTRATOR})
    if licensing_id.parent_id:
        opted_out = InheritanceOptOut.objects.filter(licensing_id=licensing_id.pk).values("email")
        q |= Q(licensing_id=licensing_id.parent_id, role=Role.ADMINISTRATOR) & ~Q(email__in=opted_out)
    return set(grants.filter(q).values_list("email", flat=True))


def direct_holdings(licensing_id_pks: Iterable[int]) -> dict[tuple[int, str], tuple[set[str], set[str]]]:
    """(licensing ID pk, email) -> (roles held directly there, their sources), over live grants: who an access
    review lists (REV-1; an inherited administrator is reviewed on the parent, where the grant is). One query."""
    found: dict[tuple[int, str], tuple[set[str], set[str]]] = {}
    rows = live_grants().filter(licensing_id__in=list(licensing_id_pks))
    for lid_pk, email, role, source in rows.values_list("licensing_id", "email", "role", "source"):
        roles, sources = found.setdefault((lid_pk, email), (set(), set()))
        roles.add(role)
        sources.add(source)
    return found


def administrator_sources(licensing_id: LicensingID, email: str) -> tuple[str | None, str | None]:
    """(source of `email`'s own Administrator grant on the licensing ID, source of the parent's Administrator grant
    it inherits here): None where there is none, or where it opted out of inheriting (PERM-8)."""
    rows = dict(
        live_grants()
        .filter(
            email=email,
            role=Role.ADMINISTRATOR,
            licensing_id__in=[pk for pk in (licensing_id.pk, licensing_id.parent_id) if pk],
        )
        .values_list("licensing_id", "source")
    )
    inherited = rows.get(licensing_id.parent_id) if licensing_id.parent_id else None
    if inherited is not None and InheritanceOptOut.objects.filter(licensing_id=licensing_id, email=email).exists():
        inherited = None
    return rows.get(licensing_id.pk), inherited


def is_own(source: str | None) -> bool:
    """An Administrator source that makes one of the customer's own administrators, not a partner's (SEC-6)."""
    return source is not None and source not in DELEGATED_SOURCES


def acts_for_customer(user, licensing_id: LicensingID) -> bool:
    """Administrator of the licensing ID as one of the customer's own people, not only through a partner's
    delegated access (SEC-6)."""
    email = business_email_of(user)
    if not email:
        return False
    direct, inherited = administrator_sources(licensing_id, email)
    return is_own(direct) or is_own(inherited)


def holds_partner_access(licensing_id: LicensingID, email: str) -> bool:
    """`email` holds a role on the licensing ID that a partner received (reseller, Open License, relationship)."""
    return live_grants().filter(licensing_id=licensing_id, email=email, source__in=PARTNER_SOURCES).exists()


def would_leave_without_administrator(
    licensing_id: LicensingID, *, email: str, loses_direct: bool = False, loses_inherited: bool = False
) -> bool:
    """True when taking Administrator (direct and/or inherited) away from `email` leaves nobody to manage the
    licensing ID: the last administrator must hand over first (PERM-7)."""
    direct, inherited = administrator_sources(licensing_id, email)
    if direct is None and inherited is None:
        return False
    keeps = (direct is not None and not loses_direct) or (inherited is not None and not loses_inherited)
    return not keeps and not (administrators_of_record(licensing_id) - {email})


def would_leave_without_own_administrator(
    licensing_id: LicensingID, *, email: str, loses_direct: bool = False, loses_inherited: bool = False
) -> bool:
    """SEC-6 (PERM-7, PERM-9): the customer always keeps an administrator of its own, who can end a reseller
    relationship. True when `email` is one of the customer's own administrators here, would stop being one, and
    nobody else is; a partner's delegated Administrator does not count. Refused whoever asks."""
    direct, inherited = administrator_sources(licensing_id, email)
    if not (is_own(direct) or is_own(inherited)):
        return False
    keeps = (is_own(direct) and not loses_direct) or (is_own(inherited) and not loses_inherited)
    return not keeps and not (administrators_of_record(licensing_id, own_only=True) - {email})


def self_removal(licensing_id: LicensingID, email: str) -> Holding:
    """PERM-9, the keep rule, for the service that removes a licensing ID from `email`'s own permissions:
    refused while `email` is its Primary Contact / Notices Correspondent; a PC/NC of its MBSA/parent keeps
    Licensing Info. (My Permissions shows the same through `roles_on_many`.)"""
    return roles_on_many(email, [licensing_id])[licensing_id.pk]
