"""Demo data for the partners app (seed_demo calls `seed(world)`)."""

from __future__ import annotations

from agreements.models import OrganizationMember
from partners import services


def seed(world: dict) -> None:
    users = world["users"]
    contoso = world["organizations"]["contoso"]
    northwind = world["organizations"]["northwind"]
    OrganizationMember.objects.get_or_create(
        organization=northwind, user=users["reseller"], defaults={"is_admin": True}
    )
    # RES-1: an order naming Northwind as reseller; Alice's welcome email carries the Deny Access link.
    services.open_license_order_record(
        organization=contoso,
        license_number="V4000002",
        authorization_number="AUTH4000002",
        customer_email="admin@contoso.example",
        reseller_email="reseller@northwind.example",
        actor=users["support"],
    )
    # RES-5: a relationship Northwind's Ravi invited and Contoso's Alice accepted.
    rel, url = services.relationship_invite(
        partner=northwind, invited_by=users["reseller"], customer_email="admin@contoso.example"
    )
    token = url.rstrip("/").rsplit("/", 1)[-1]
    rel = services.relationship_accept(token=token, user=users["contoso_admin"], customer_id=contoso.pk)
    services.support_contact_add(
        relationship=rel,
        member=OrganizationMember.objects.get(organization=northwind, user=users["reseller"]),
        actor=users["reseller"],
    )
