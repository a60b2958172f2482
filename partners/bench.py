"""seed_bench hook: Open Licences for the Add Open License submit (OPEN-1..6) and the account that adds them.

The benchmark POSTs `partners:open_license_add` with a *different* licence number on every request (wrk counts
through them), so every request takes the full success path (pair check, grants, audit, emails) and none
counts as an invalid attempt (no OPEN-5 suspension). All licences share one authorization number, hashed once.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from agreements.models import LicensingID, OpenLicense, Program

AUTHORIZATION_NUMBER = "BENCHAUTH01"
PREFIX = "OLB"
WIDTH = 6
# The pair check costs one password hash (about 0.3-0.6 s here), so a 5 s x 3 round run needs a few dozen.
BASE_LICENCES = 400


def licence_number(index: int) -> str:
    return f"{PREFIX}{index:0{WIDTH}d}"


def seed(ctx) -> None:
    from allauth.account.models import EmailAddress

    from licensing_portal.core.bench import VERIFIED_AT
    from licensing_portal.core.models import User

    count = max(50, round(BASE_LICENCES * ctx.scale))
    org = ctx.data["organizations"][-1]
    lids = LicensingID.objects.bulk_create(
        [LicensingID(number=licence_number(i), program=Program.OPEN_LICENSE, organization=org) for i in range(count)],
        batch_size=2000,
    )
    authorization_hash = make_password(AUTHORIZATION_NUMBER)
    OpenLicense.objects.bulk_create(
        [
            OpenLicense(
                licensing_id=lid,
                license_number=lid.number,
                authorization_hash=authorization_hash,
                authorization_hint=AUTHORIZATION_NUMBER[-4:],
                customer_email=ctx.email("open-customer"),
            )
            for lid in lids
        ],
        batch_size=2000,
    )
    email = ctx.email("open-license")
    user = User.objects.create(
        email=email,
        password=ctx.password_hash,
        first_name="Olivia",
        last_name="Bench",
        business_email=email,
        business_email_verified_at=VERIFIED_AT,
        date_joined=VERIFIED_AT,
        language="en",
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    ctx.anchors.update(
        open_license_user=email,
        open_license_post={
            "license_number": licence_number(0),
            "authorization_number": AUTHORIZATION_NUMBER,
            "acknowledge": "on",
        },
        open_license_rotation={"field": "license_number", "prefix": PREFIX, "width": WIDTH, "count": count},
    )
    ctx.logins.append(
        (email, f"Add Open License: {licence_number(0)}..{licence_number(count - 1)}, {AUTHORIZATION_NUMBER}")
    )
    ctx.log(f"  open licences: {count}")
