"""The access core's answer for My Permissions (PERM-3, PERM-8, PERM-9): one page of the licensing IDs one email
lists, with its holding on each, in ONE hand-written query. Part of the access core (permissions/access.py),
split out to keep each module under 500 lines.

Which licensing IDs an email lists, in what order, comes from the listing the triggers of
permissions/access_listing.py keep: the page is the first rows of one range of the covering index `listing_page`
(email, number), bounded by each row's latest grant end against the request's clock (RES-8), and the count an
index-only count of that range (0.7 ms for the 2,500 licensing IDs of the scale 5 bench user; a window count over
the same rows buffered them all and cost twice that). So the page no longer sorts the viewer's holdings (issue 13:
read from the grants, that cost 1.8 ms for the 500 licensing IDs of the scale 1 bench user and ~8 ms for the 2,500
of scale 5). Each page row's facts (direct roles, parent Administrator, opt-out, Primary Contact / Notices here
and on the parent) come by index (`uniq_grant`) from the grants themselves. Prepared once per connection: no ORM
compilation, no planning per request.

Its ORM twin is `permissions.selectors.my_permissions_list` (the accessible licensing IDs plus the inheritable
children opted out of) with `access.roles_on_many`; tests/permissions/test_access_pages_sql.py proves they agree
on generated trees, and tests/permissions/test_access_listing.py after generated sequences of writes.
"""

from __future__ import annotations

from typing import NamedTuple

from agreements.models import ContactType, LicensingID
from licensing_portal.db import fetch, prepared
from permissions.access import Holding, now
from permissions.access_listing import LISTED_NOW
from permissions.models import Role

_MY_PERMISSIONS_SQL = """
WITH page AS (
    SELECT h.licensing_id_id AS id FROM permissions_holderlisting h WHERE {listed}
    ORDER BY h.number, h.licensing_id_id LIMIT %(limit)s OFFSET %(offset)s
)
SELECT l.id, l.number, l.program, l.status, (
        SELECT count(*) FROM permissions_holderlisting h WHERE {listed}
    ), p.number, p.program, gp.number, gp.program,
    ARRAY(
        SELECT g.role FROM permissions_grant g WHERE g.licensing_id_id = l.id AND g.email = %(email)s
        AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
    ) AS direct,
    EXISTS (
        SELECT 1 FROM permissions_grant g WHERE g.licensing_id_id = l.parent_id AND g.email = %(email)s
        AND g.role = '{admin}' AND (g.ends_at IS NULL OR g.ends_at > %(now)s)
    ) AS parent_admin,
    o.reason AS opt_out,
    EXISTS (
        SELECT 1 FROM agreements_agreementcontact c
        WHERE c.licensing_id_id = l.id AND c.email = %(email)s AND c.contact_type IN ({pc_nc})
    ) AS pc_nc,
    EXISTS (
        SELECT 1 FROM agreements_agreementcontact c
        WHERE c.licensing_id_id = l.parent_id AND c.email = %(email)s AND c.contact_type IN ({pc_nc})
    ) AS parent_pc_nc
FROM page
JOIN agreements_licensingid l ON l.id = page.id
LEFT JOIN agreements_licensingid p ON p.id = l.parent_id
LEFT JOIN agreements_licensingid gp ON gp.id = p.parent_id
LEFT JOIN permissions_inheritanceoptout o ON o.licensing_id_id = l.id AND o.email = %(email)s  -- at most one
ORDER BY l.number, l.id
""".format(  # noqa: S608 - constant choice values
    # The viewer's listed licensing IDs now (RES-8), active only unless asked: for the page and for its count.
    listed=f"h.email = %(email)s AND {LISTED_NOW} AND (%(all)s OR h.status = '{LicensingID.Status.ACTIVE.value}')",
    admin=Role.ADMINISTRATOR.value,
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
    found = fetch(*prepared("portal_my_permissions_v6", _MY_PERMISSIONS_SQL, params))
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
