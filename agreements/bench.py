"""seed_bench hook: organisations, licensing IDs in MBSA/parent trees, contacts and licence data."""

from __future__ import annotations

from datetime import date

from agreements.models import (
    AgreementContact,
    ContactType,
    Download,
    LicenseSummaryLine,
    LicensingID,
    Organization,
    ProductKey,
    Program,
    SABenefitLine,
)

PRODUCTS = [
    "Windows Server Standard",
    "Office LTSC Professional Plus",
    "SQL Server Enterprise",
    "Visio Professional",
    "Project Professional",
    "Windows 11 Enterprise E3",
    "Exchange Server Standard CAL",
]
CHILD_PROGRAMS = [Program.ENTERPRISE, Program.SELECT]
STANDALONE_PROGRAMS = [Program.ENTERPRISE, Program.SELECT, Program.OPEN_VALUE]
PREFIX = {
    Program.MBSA: "M",
    Program.PARENT: "P",
    Program.ENTERPRISE: "E",
    Program.SELECT: "S",
    Program.OPEN_VALUE: "OV",
}


def _licensing_id(rng, number: int, org, program, parent=None) -> LicensingID:
    start = date(2018 + rng.randrange(8), 1 + rng.randrange(12), 1)
    inactive = program not in (Program.MBSA, Program.PARENT) and rng.random() < 0.1
    return LicensingID(
        number=f"{PREFIX[program]}{number:07d}",
        program=program,
        organization=org,
        parent=parent,
        status=LicensingID.Status.INACTIVE if inactive else LicensingID.Status.ACTIVE,
        start_date=start,
        end_date=date(start.year + 3, start.month, 1),
    )


def seed(ctx) -> None:
    from licensing_portal.core.bench import person_email

    rng = ctx.rng("agreements")
    n_orgs, n_lids = ctx.count("organizations"), ctx.count("licensing_ids")
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Bench Customer {i:03d}", address=f"{i + 1} Bench Street") for i in range(n_orgs)]
    )
    per_org = [n_lids // n_orgs + (1 if i < n_lids % n_orgs else 0) for i in range(n_orgs)]
    number = iter(range(1, 10 * n_lids + 1))

    parents, plans = [], []
    for org, size in zip(orgs, per_org, strict=True):
        mbsa_children = rng.randint(int(size * 0.3), int(size * 0.5)) if size > 1 else 0
        parent_children = rng.randint(int(size * 0.1), int(size * 0.2)) if size >= 10 else 0
        tops = [_licensing_id(rng, next(number), org, Program.MBSA)]
        if size >= 10:
            tops.append(_licensing_id(rng, next(number), org, Program.PARENT))
        standalone = size - len(tops) - mbsa_children - parent_children
        parents += tops
        plans.append((tops, mbsa_children, parent_children, standalone))
    LicensingID.objects.bulk_create(parents, batch_size=2000)

    leaves = []
    for tops, mbsa_children, parent_children, standalone in plans:
        org = tops[0].organization
        leaves += [
            _licensing_id(rng, next(number), org, rng.choice(CHILD_PROGRAMS), tops[0]) for _ in range(mbsa_children)
        ]
        if len(tops) > 1:
            leaves += [
                _licensing_id(rng, next(number), org, rng.choice(CHILD_PROGRAMS), tops[1])
                for _ in range(parent_children)
            ]
        leaves += [_licensing_id(rng, next(number), org, rng.choice(STANDALONE_PROGRAMS)) for _ in range(standalone)]
    LicensingID.objects.bulk_create(leaves, batch_size=2000)
    all_lids = parents + leaves

    org_index = {org.pk: i for i, org in enumerate(orgs)}
    contacts = [
        AgreementContact(
            licensing_id=lid,
            contact_type=ContactType.PRIMARY,
            email=person_email(ctx, org_index[lid.organization_id], 0),
            name="Primary Contact",
        )
        for lid in parents
    ]
    AgreementContact.objects.bulk_create(contacts, batch_size=2000)

    lines, benefits, downloads, keys = [], [], [], []
    for lid in all_lids:
        for product in rng.sample(PRODUCTS, 2):
            lines.append(LicenseSummaryLine(licensing_id=lid, product=product, quantity=rng.randint(5, 5000)))
        benefits.append(
            SABenefitLine(
                licensing_id=lid,
                benefit="Training Vouchers",
                available=rng.randint(0, 40),
                used=rng.randint(0, 10),
            )
        )
        downloads.append(Download(licensing_id=lid, product=PRODUCTS[1], file_name="office_ltsc_x64.iso"))
        keys.append(ProductKey(licensing_id=lid, product=PRODUCTS[0], key=f"BENCH-{lid.pk:05d}-KEY00-00000"))
    for model, rows in (
        (LicenseSummaryLine, lines),
        (SABenefitLine, benefits),
        (Download, downloads),
        (ProductKey, keys),
    ):
        model.objects.bulk_create(rows, batch_size=5000)

    first_org_children = [lid for lid in leaves if lid.parent_id == parents[0].pk]
    hot, pool = first_org_children[0], first_org_children[-1]
    ctx.data.update(
        organizations=orgs,
        licensing_ids=all_lids,
        parents=parents,
        leaves=leaves,
        org_index=org_index,
        contacts=contacts,
        hot_licensing_id=hot,
        pool_licensing_id=pool,
    )
    ctx.anchors.update(hot_licensing_id=hot.pk, pool_licensing_id=pool.pk)
    ctx.log(f"  organisations: {len(orgs)}, licensing IDs: {len(all_lids)} ({len(parents)} MBSA/parent)")
