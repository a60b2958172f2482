"""seed_bench hook: accounts with verified business emails, all sharing one precomputed password hash."""

from __future__ import annotations

from datetime import UTC, datetime

VERIFIED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def person_email(ctx, org_index: int, person_index: int) -> str:
    return ctx.email(f"p{person_index:02d}.o{org_index:03d}")


def seed(ctx) -> None:
    from allauth.account.models import EmailAddress

    from licensing_portal.core.models import User

    rng = ctx.rng("core")
    people = [
        person_email(ctx, o, p)
        for o in range(ctx.count("organizations"))
        for p in range(ctx.count("registered_per_org"))
    ]
    power = ctx.email("power")
    hot_admins = [ctx.email(f"hot-admin-{k:02d}") for k in range(ctx.count("hot_admins"))]
    hot_others = [ctx.email(f"hot-user-{k:03d}") for k in range(ctx.count("hot_others"))]
    assignees = [ctx.email(f"assignee-{k:04d}") for k in range(ctx.count("bulk_assignees"))]
    emails = [power, *hot_admins, *hot_others, *assignees, *people]
    users = User.objects.bulk_create(
        [
            User(
                email=email,
                password=ctx.password_hash,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                business_email=email,
                business_email_verified_at=VERIFIED_AT,
                date_joined=VERIFIED_AT,
                language="fr" if rng.random() < 0.2 else "en",
            )
            for email in emails
        ],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=2000
    )
    by_email = {u.email: u for u in users}
    ctx.data.update(
        users=by_email,
        power_user=by_email[power],
        hot_admins=hot_admins,
        hot_others=hot_others,
        bulk_assignees=[by_email[e] for e in assignees],
    )
    ctx.anchors.update(power_user=power, hot_admin=hot_admins[0], bulk_assignees=assignees)
    ctx.logins += [
        (power, f"{ctx.count('power_user_licensing_ids')} licensing IDs (My Permissions, Agreements)"),
        (hot_admins[0], "one of the administrators of the busy licensing ID (Manage Users)"),
    ]
    ctx.log(f"  users: {len(users)}")


FIRST = [
    "Alice",
    "Bruno",
    "Chloé",
    "Dana",
    "Émile",
    "Farah",
    "Gustave",
    "Hana",
    "Ibrahim",
    "Jeanne",
    "Kenji",
    "Lea",
    "Mateo",
    "Nora",
    "Olivier",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Tess",
]
LAST = [
    "Martin",
    "Bernard",
    "Nasser",
    "Lee",
    "Dubois",
    "Rossi",
    "Patel",
    "Tremblay",
    "Gagnon",
    "Roy",
    "Côté",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Ouellet",
    "Pelletier",
    "Bélanger",
    "Lévesque",
]
