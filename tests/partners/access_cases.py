"""Access cases of the partners app (format: tests/access_matrix.py).

Partner-programme pages answer 403 "not a recognised partner" (with the OLP Partners registration offer,
RES-4c) to signed-in people outside any partner organisation; objects of another partner or customer are 404.
"""

from tests.access_matrix import ADMINS, Case, Kind

PARTNER = frozenset({"partner"})


def extend_world(world: dict) -> None:
    from django.utils import timezone

    from agreements.models import OrganizationMember
    from partners.models import OpenLicenseAccess, PartnerInvitation, ResellerRelationship, SupportContact
    from permissions.models import OPEN_LICENSE_ROLES, Grant
    from tests.factories import OpenLicenseFactory, UserFactory

    member = OrganizationMember.objects.get(organization=world["partner_org"], user=world["users"]["partner"])
    member.is_admin = True
    member.save(update_fields=["is_admin"])
    licence = OpenLicenseFactory()
    for role in OPEN_LICENSE_ROLES:
        Grant.objects.get_or_create(
            licensing_id=licence.licensing_id,
            email=member.user.business_email,
            role=role,
            defaults={"source": Grant.Source.RESELLER},
        )
    relationship = ResellerRelationship.objects.create(
        partner=world["partner_org"],
        customer=world["tenant"],
        status=ResellerRelationship.Status.ACTIVE,
        accepted_at=timezone.now(),
    )
    colleague = OrganizationMember.objects.create(
        organization=world["partner_org"], user=UserFactory(email="colleague@northwind.example")
    )
    world.update(
        partner_colleague=colleague,
        partner_invitation=PartnerInvitation.objects.create(
            partner=world["partner_org"], email="new@northwind.example", invited_by=member.user
        ),
        partner_licence=licence.licensing_id,
        relationship=relationship,
        support_contact=SupportContact.objects.create(relationship=relationship, member=member),
        access=OpenLicenseAccess.objects.create(
            licensing_id=licence.licensing_id,
            email=member.user.business_email,
            kind=OpenLicenseAccess.Kind.values[0],
        ),
    )


def _pk(key):
    return lambda w: {"pk": w[key].pk}


CASES = [
    Case("partners:index", Kind.LOGIN),
    Case("partners:open_license_add", Kind.LOGIN),
    Case("partners:olp_register", Kind.LOGIN),
    Case("partners:customer_partners", Kind.LOGIN),
    Case("partners:access_deny", Kind.TOKEN, kwargs=lambda w: {"pk": w["access"].pk, "token": "not-a-token"}),
    Case("partners:relationship_accept", Kind.LOGIN, kwargs={"token": "not-a-token"}, ok=frozenset({200, 400})),
    Case("partners:person_accept", Kind.LOGIN, kwargs={"token": "not-a-token"}, ok=frozenset({200, 400})),
    Case("partners:people", Kind.TENANT, allowed=PARTNER, denied=403),
    Case(
        "partners:person_remove",
        Kind.TENANT,
        method="post",
        kwargs=_pk("partner_colleague"),
        allowed=PARTNER,
        denied=403,
    ),
    Case(
        "partners:person_invitation_revoke",
        Kind.TENANT,
        method="post",
        kwargs=_pk("partner_invitation"),
        allowed=PARTNER,
        denied=403,
    ),
    Case("partners:order_record", Kind.STAFF),
    Case("partners:order_create", Kind.TENANT, allowed=PARTNER, denied=403),
    Case(
        "partners:switch",
        Kind.TENANT,
        method="post",
        data=lambda w: {"organization": w["partner_org"].pk},
        allowed=PARTNER,
        denied=403,
    ),
    Case("partners:agreement_select", Kind.TENANT, allowed=PARTNER, denied=403, ok=frozenset({200, 302})),
    Case("partners:relationship_summary", Kind.TENANT, allowed=PARTNER, denied=403),
    Case("partners:license_register", Kind.TENANT, allowed=PARTNER, denied=403),
    Case("partners:customers", Kind.TENANT, allowed=PARTNER, denied=403),
    Case("partners:relationship_invite", Kind.TENANT, allowed=PARTNER, denied=403),
    Case("partners:license_detail", Kind.TENANT, kwargs=_pk("partner_licence"), allowed=PARTNER, denied=403),
    Case(
        "partners:support_contact_add",
        Kind.TENANT,
        method="post",
        kwargs=_pk("relationship"),
        allowed=PARTNER,
        denied=403,
    ),
    Case(
        "partners:support_contact_remove",
        Kind.TENANT,
        method="post",
        kwargs=_pk("support_contact"),
        allowed=PARTNER,
        denied=403,
    ),
    # the partner side reaches the relationship too, but is refused the change with a message (redirect)
    Case(
        "partners:relationship_admin",
        Kind.TENANT,
        method="post",
        kwargs=_pk("relationship"),
        allowed=ADMINS | PARTNER,
    ),
    # RES-8..10: the customer's own administrators see their partners' access (a page of their own data); the
    # partner reaches the relationship too, but is refused the customer's decisions with a message (redirect)
    Case("partners:partner_access", Kind.LOGIN),
    *[
        Case(name, Kind.TENANT, method="post", kwargs=_pk("relationship"), allowed=ADMINS | PARTNER, data=data)
        for name, data in [
            ("partners:relationship_extend", {"days": "30"}),
            ("partners:relationship_end", {}),
            ("partners:relationship_extension_request", {"days": "30"}),
            ("partners:relationship_extension_decide", {"decision": "decline"}),
        ]
    ],
    Case(
        "partners:relationship_remove",
        Kind.TENANT,
        method="post",
        kwargs=_pk("relationship"),
        allowed=ADMINS | PARTNER,
    ),
]
