"""Access cases of the subscriptions app (format: tests/access_matrix.py)."""

from tests.access_matrix import Case, Kind

MANAGERS = frozenset({"administrator", "inherited_admin", "subscriptions_manager"})
PROGRAM_ADMIN = frozenset({"partner"})


def extend_world(world: dict) -> None:
    from django.utils import timezone

    from agreements.models import OrganizationMember
    from subscriptions.models import BulkEdit, BulkUpload, ContactRole, PartnerContactRole, PartnerSubscription
    from tests.factories import MembershipFactory, PoolFactory, SeatFactory

    pool = PoolFactory(licensing_id=world["lid"])
    member = OrganizationMember.objects.get(organization=world["partner_org"], user=world["users"]["partner"])
    member.is_admin = True  # the partner persona is its organisation's Program Administrator (MPN-2)
    member.save(update_fields=["is_admin"])
    membership = MembershipFactory(organization=world["partner_org"])
    world.update(
        pool=pool,
        seat=SeatFactory(pool=pool),
        own_seat=SeatFactory(pool=pool, email=world["users"]["download"].business_email),  # SUB-9 subscriber
        upload=BulkUpload.objects.create(pool=pool, file_name="seats.csv", obligation_confirmed_at=timezone.now()),
        bulk_edit=BulkEdit.objects.create(pool=pool, file_name="edited.csv"),  # SUB-6
        membership=membership,
        contact_role=PartnerContactRole.objects.create(
            membership=membership, member=member, role=ContactRole.values[0]
        ),
        partner_subscription=PartnerSubscription.objects.create(membership=membership, member=member),
    )


def _pk(key):
    return lambda w: {"pk": w[key].pk}


CASES = [
    Case("subscriptions:index", Kind.LOGIN),
    Case("subscriptions:my_benefits", Kind.LOGIN),
    # SUB-9: only the subscriber of the seat may write about it; for anyone else it is missing
    Case("subscriptions:contact_admin", Kind.TENANT, kwargs=_pk("own_seat"), allowed=frozenset({"download"})),
    Case("subscriptions:report", Kind.LOGIN),
    Case("subscriptions:subscribers", Kind.LOGIN),
    Case("subscriptions:subscribers_export", Kind.LOGIN),
    Case("subscriptions:subscribers_export_xlsx", Kind.LOGIN),  # SUB-6
    Case("subscriptions:bulk_template", Kind.LOGIN, kwargs={"file_format": "csv"}),
    Case("subscriptions:pool_detail", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS),
    # SUB-8 Maximum usage and its CSV: those who may manage the pool
    Case("subscriptions:pool_usage", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS),
    Case("subscriptions:pool_usage_export", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS),
    Case("subscriptions:pool_settings", Kind.TENANT, method="post", kwargs=_pk("pool"), allowed=MANAGERS),
    Case("subscriptions:seat_assign", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS),
    Case("subscriptions:bulk_upload", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS),
    # SUB-7: without a selection the confirmation page sends a manager back to the pool page
    Case("subscriptions:seats_remove", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS, ok=frozenset({302})),
    Case("subscriptions:bulk_edit", Kind.TENANT, kwargs=_pk("pool"), allowed=MANAGERS),  # SUB-6
    Case("subscriptions:bulk_edit_detail", Kind.TENANT, kwargs=_pk("bulk_edit"), allowed=MANAGERS),  # SUB-6
    Case("subscriptions:bulk_status", Kind.TENANT, kwargs=_pk("upload"), allowed=MANAGERS),
    Case("subscriptions:seat_edit", Kind.TENANT, kwargs=_pk("seat"), allowed=MANAGERS),
    Case("subscriptions:seat_reassign", Kind.TENANT, kwargs=_pk("seat"), allowed=MANAGERS),
    Case("subscriptions:seat_remove", Kind.TENANT, kwargs=_pk("seat"), allowed=MANAGERS),
    Case("subscriptions:seat_resend", Kind.TENANT, method="post", kwargs=_pk("seat"), allowed=MANAGERS),  # SUB-10
    Case("subscriptions:mpn_requirements", Kind.TENANT, kwargs=_pk("membership"), allowed=PROGRAM_ADMIN),
    Case("subscriptions:mpn_privileges", Kind.TENANT, kwargs=_pk("membership"), allowed=PROGRAM_ADMIN),
    Case("subscriptions:mpn_vs_subscriptions", Kind.TENANT, kwargs=_pk("membership"), allowed=PROGRAM_ADMIN),
    Case(
        "subscriptions:mpn_contact_role_remove",
        Kind.TENANT,
        method="post",
        kwargs=_pk("contact_role"),
        allowed=PROGRAM_ADMIN,
    ),
    Case(
        "subscriptions:mpn_subscription_remove",
        Kind.TENANT,
        method="post",
        kwargs=_pk("partner_subscription"),
        allowed=PROGRAM_ADMIN,
    ),
]
