"""The access core's answer for My Permissions (PERM-3, PERM-8, PERM-9): one page of the licensing IDs one email
holds roles on, with its holding on each, in ONE hand-written query. Part of the access core
(permissions/access.py), split out to keep each module under 500 lines.

The query starts from the viewer's live grants (index `grant_email_role_lid`) and the children of the parents they
administer (index on `agreements_licensingid.parent_id`), so its cost follows the viewer's own grants, not the
number of tenants; it sorts and pages only those, counts them in the same pass, and fetches each page row's facts
(direct roles, parent Administrator, opt-out, Primary Contact / Notices here and on the parent) by index
(`uniq_grant`), 25 lookups rather than a scan of the viewer's grants per row. Prepared
once per connection: no ORM compilation, no planning per request (issue 13: a cold My Permissions cost ~22 ms at
scale 1 and ~42 ms at scale 5, the ordered pk list scanning the licensing ID table).

Its ORM twin is `permissions.selectors.my_permissions_list` (the accessible licensing IDs plus the inheritable
children opted out of) with `access.roles_on_many`; tests/permissions/test_access_core.py proves they agree on
generated trees.
"""

from __future__ import annotations

from typing import NamedTuple

from agreements.models import ContactType, LicensingID
from licensing_portal.db import fetch, prepared
from permissions.access import Holding, now
from permissions.models import InheritanceOptOut, Role

_MY_PERMISSIONS_SQL = """
WITH held AS MATERIALIZED (
    SELECT DISTINCT g.licensing_id_id AS lid, g.role = '{admin}' AS admin
    FROM permissions_grant g
    WHERE g.email = %(email)s AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
), listed AS (
    SELECT h.lid AS id FROM held h
    UNION
    SELECT c.id FROM held a CROSS JOIN LATERAL (
        SELECT c.id FROM agreements_licensingid c WHERE c.parent_id = a.lid OFFSET 0
    ) c
    WHERE a.admin AND NOT EXISTS (
        SELECT 1 FROM permissions_inheritanceoptout o
        WHERE o.licensing_id_id = c.id AND o.email = %(email)s AND o.reason <> '{opt_out}'
    )
), page AS (
    SELECT l.id, l.number, l.program, l.status, l.parent_id, count(*) OVER () AS total
    FROM listed CROSS JOIN LATERAL (
        SELECT l.id, l.number, l.program, l.status, l.parent_id FROM agreements_licensingid l
        WHERE l.id = listed.id AND (%(all)s OR l.status = '{active}') OFFSET 0
    ) l
    ORDER BY l.number, l.id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT page.id, page.number, page.program, page.status, page.total, p.number, p.program, gp.number, gp.program,
    ARRAY(
        SELECT g.role FROM permissions_grant g WHERE g.licensing_id_id = page.id AND g.email = %(email)s
        AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
    ) AS direct,
    EXISTS (
        SELECT 1 FROM permissions_grant g WHERE g.licensing_id_id = page.parent_id AND g.email = %(email)s
        AND g.role = '{admin}' AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
    ) AS parent_admin,
    (SELECT o.reason FROM permissions_inheritanceoptout o WHERE o.licensing_id_id = page.id AND o.email = %(email)s)
        AS opt_out,
    EXISTS (
        SELECT 1 FROM agreements_agreementcontact c
        WHERE c.licensing_id_id = page.id AND c.email = %(email)s AND c.contact_type IN ({pc_nc})
    ) AS pc_nc,
    EXISTS (
        SELECT 1 FROM agreements_agreementcontact c
        WHERE c.licensing_id_id = page.parent_id AND c.email = %(email)s AND c.contact_type IN ({pc_nc})
    ) AS parent_pc_nc
FROM page
LEFT JOIN agreements_licensingid p ON p.id = page.parent_id
LEFT JOIN agreements_licensingid gp ON gp.id = p.parent_id
ORDER BY page.number, page.id
""".format(  # noqa: S608 - constant choice values
    active=LicensingID.Status.ACTIVE.value,
    admin=Role.ADMINISTRATOR.value,
    opt_out=InheritanceOptOut.Reason.OPT_OUT.value,
    pc_nc=", ".join(f"'{t.value}'" for t in (ContactType.PRIMARY, ContactType.NOTICES)),
)


class Related(NamedTuple):
    number: str
    program: str


class MyRow(NamedTuple):
    """One licensing ID of a My Permissions page, with the viewer's holding on it."""

    pk: int
    number: str
    program: str
    status: str
    parent: Related | None
    grandparent: Related | None
    holding: Holding


def my_permissions_rows(email: str, *, include_inactive: bool, offset: int, limit: int) -> tuple[int, list[MyRow]]:
    """(how many licensing IDs `email` lists on My Permissions, the rows from `offset` to `offset + limit` in page
    order): those it holds a live role on, directly or as Administrator inherited from the MBSA/parent (PERM-8),
    plus inheritable children it opted out of (so that it can opt in again); not the ones it removed (PERM-9).
    One query. A page past the end gives (0, [])."""
    params = {"email": email, "now": now(), "all": include_inactive, "limit": limit, "offset": offset}
    found = fetch(*prepared("portal_my_permissions_v2", _MY_PERMISSIONS_SQL, params))
    rows = []
    for pk, number, program, status, _total, p_num, p_prog, gp_num, gp_prog, *facts in found:
        direct, parent_admin, opt_out, pc_nc, parent_pc_nc = facts
        holding = Holding(
            direct=frozenset(direct),
            parent_admin=parent_admin,
            opt_out=opt_out,
            primary_or_notices=pc_nc,
            parent_primary_or_notices=parent_pc_nc,
        )
        parent = Related(p_num, p_prog) if p_num is not None else None
        grandparent = Related(gp_num, gp_prog) if gp_num is not None else None
        rows.append(MyRow(pk, number, program, status, parent, grandparent, holding))
    return (found[0][4] if found else 0), rows
