"""Demo subscriptions: pools on Contoso's Open License and enterprise enrollment, a few seats, and Northwind's
Action Pack membership run by its reseller contact (seed_demo calls `seed`)."""

from agreements.models import OrganizationMember
from subscriptions import services
from subscriptions.models import PartnerMembership, Product, SubscriptionPool


def seed(world: dict) -> None:
    users = world["users"]
    open_license = world["licensing_ids"]["open_license"]
    enterprise = world["licensing_ids"]["enterprise"]
    manager = users["contoso_subs"]
    admin = users["contoso_admin"]

    vs_pro = SubscriptionPool.objects.create(
        licensing_id=open_license, product=Product.VS_PROFESSIONAL, quantity=10, low_seats_threshold=2
    )
    SubscriptionPool.objects.create(
        licensing_id=open_license,
        product=Product.MSDN,
        quantity=5,
        over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG,
    )
    vs_ent = SubscriptionPool.objects.create(
        licensing_id=enterprise, product=Product.VS_ENTERPRISE, quantity=25, low_seats_threshold=3
    )
    SubscriptionPool.objects.create(licensing_id=enterprise, product=Product.TECHNET, quantity=50)

    services.seat_assign(
        pool=vs_pro,
        email="info@contoso.example",
        first_name="Ibrahim",
        last_name="Nasser",
        actor=manager,
        obligation_confirmed=True,
    )
    services.seat_assign(
        pool=vs_pro,
        email="dev1@contoso.example",
        first_name="Devi",
        last_name="Shah",
        actor=manager,
        obligation_confirmed=True,
    )
    services.seats_bulk_assign(
        pool=vs_ent,
        actor=admin,
        obligation_confirmed=True,
        rows=[
            services.BulkRow(
                line=i + 2,
                email=f"engineer{i + 1}@contoso.example",
                first_name="Engineer",
                last_name=str(i + 1),
            )
            for i in range(5)
        ]
        + [services.BulkRow(line=7, email="download@contoso.example", first_name="Dana", last_name="Lee")],
    )

    northwind = world["organizations"]["northwind"]
    reseller = users["reseller"]
    OrganizationMember.objects.update_or_create(organization=northwind, user=reseller, defaults={"is_admin": True})
    membership = PartnerMembership.objects.create(
        organization=northwind,
        kind=PartnerMembership.Kind.ACTION_PACK,
        product=Product.VS_PROFESSIONAL,
        entitlements=3,
    )
    member = OrganizationMember.objects.get(organization=northwind, user=reseller)
    services.partner_contact_role_assign(membership=membership, member=member, role="technical_1", actor=reseller)
    services.partner_subscription_assign(membership=membership, member=member, actor=reseller)
