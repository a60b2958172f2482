"""seed_bench hook: permission grants (contacts, the busy licensing ID, the 500-ID user, the bulk of the
table), a few inheritance opt-outs and ctx.count("permission_requests") (5,000) permission requests."""

from __future__ import annotations

from licensing_portal.core.bench import VERIFIED_AT
from permissions.models import Grant, InheritanceOptOut, Role

NON_ADMIN = [r for r in Role.values if r != Role.ADMINISTRATOR]


def seed(ctx) -> None:
    from licensing_portal.core.bench import person_email

    rng = ctx.rng("permissions")
    rows: dict[tuple[int, str, str], str] = {}

    def add(lid_pk: int, email: str, role: str, source: str = Grant.Source.MANUAL) -> None:
        rows.setdefault((lid_pk, email, role), source)

    for contact in ctx.data["contacts"]:
        add(contact.licensing_id_id, contact.email, Role.ADMINISTRATOR, Grant.Source.CONTACT)

    hot, pool = ctx.data["hot_licensing_id"], ctx.data["pool_licensing_id"]
    for email in ctx.data["hot_admins"]:
        add(hot.pk, email, Role.ADMINISTRATOR)
    for email in ctx.data["hot_others"]:
        for role in rng.sample(NON_ADMIN, rng.randint(1, 3)):
            add(hot.pk, email, role)
    add(pool.pk, ctx.data["hot_admins"][0], Role.ADMINISTRATOR)

    # Leaves only, so that an Administrator grant there adds no inherited children: exactly N visible IDs.
    candidates = [lid for lid in ctx.data["leaves"] if lid.pk not in (hot.pk, pool.pk)]
    power_lids = rng.sample(candidates, min(ctx.count("power_user_licensing_ids"), len(candidates)))
    power = ctx.data["power_user"].email
    for lid in power_lids:
        for role in rng.sample(Role.values, rng.randint(1, 2)):
            add(lid.pk, power, role)

    by_org: dict[int, list[int]] = {}
    for lid in ctx.data["licensing_ids"]:
        by_org.setdefault(ctx.data["org_index"][lid.organization_id], []).append(lid.pk)
    n_orgs, people = ctx.count("organizations"), ctx.count("people_per_org")
    roles, weights = Role.values, [4 if r == Role.ADMINISTRATOR else 6 for r in Role.values]
    target = ctx.count("grants")
    while len(rows) < target:
        org = rng.randrange(n_orgs)
        add(
            rng.choice(by_org[org]),
            person_email(ctx, org, rng.randrange(people)),
            rng.choices(roles, weights)[0],
            Grant.Source.LEGACY,
        )

    Grant.objects.bulk_create(
        [
            Grant(licensing_id_id=lid_pk, email=email, role=role, source=source, sa_benefits=[])
            for (lid_pk, email, role), source in rows.items()
        ],
        batch_size=5000,
    )
    children = [lid for lid in ctx.data["leaves"] if lid.parent_id and lid.pk not in (hot.pk, pool.pk)]
    contact_of = {c.licensing_id_id: c.email for c in ctx.data["contacts"]}
    opt_outs = [
        InheritanceOptOut(licensing_id=lid, email=contact_of[lid.parent_id])
        for lid in rng.sample(children, max(1, len(children) // 100))
    ]
    InheritanceOptOut.objects.bulk_create(opt_outs)
    ctx.data["power_user_licensing_ids"] = [lid.pk for lid in power_lids]
    ctx.anchors.update(power_user_licensing_id=power_lids[0].pk, pool_manager=ctx.data["hot_admins"][0])
    ctx.log(f"  grants: {len(rows)}, inheritance opt-outs: {len(opt_outs)}")
    seed_permission_requests(ctx)


def seed_permission_requests(ctx) -> None:
    """ctx.count("permission_requests") partner requests (PERM-4), mostly decided, a few pending on the busy
    licensing ID so its administrators' inbox has a page to show."""
    from permissions.models import PermissionRequest

    rng = ctx.rng("permission_requests")
    users = list(ctx.data["users"].values())
    lids = ctx.data["licensing_ids"]
    hot = ctx.data["hot_licensing_id"]
    status = PermissionRequest.Status
    statuses = [status.APPROVED, status.DENIED, status.PENDING]
    rows = []
    for i in range(ctx.count("permission_requests")):
        lid = hot if i % 100 == 0 else rng.choice(lids)
        decision = status.PENDING if lid is hot else rng.choices(statuses, [6, 2, 2])[0]
        requester = rng.choice(users)
        rows.append(
            PermissionRequest(
                requester=requester,
                email=requester.email,
                program=lid.program,
                number=lid.number,
                licensing_id=lid,
                roles=rng.sample(NON_ADMIN, rng.randint(1, 2)),
                sa_benefits=[],
                status=decision,
                decided_at=None if decision == status.PENDING else VERIFIED_AT,
            )
        )
    PermissionRequest.objects.bulk_create(rows, batch_size=2000)
    ctx.log(f"  permission requests: {len(rows)}")
