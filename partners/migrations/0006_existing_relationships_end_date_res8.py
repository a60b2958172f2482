"""RES-8 transition: relationships accepted before roles and end dates existed keep what they had (Administrator on
the licences they administer) for two years from this migration, the longest duration RES-8 allows; their grants
get the same end, so the access rule and the RES-9 reminders and revocation treat them like any other."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

TRANSITION = timedelta(days=730)


def forwards(apps, schema_editor):
    Relationship = apps.get_model("partners", "ResellerRelationship")
    Grant = apps.get_model("permissions", "Grant")
    Member = apps.get_model("agreements", "OrganizationMember")
    ends_at = timezone.now() + TRANSITION
    for rel in Relationship.objects.filter(status="active", ends_at__isnull=True):
        rel.roles = ["administrator"]
        rel.requested_roles = ["administrator"]
        rel.requested_days = 730
        rel.ends_at = ends_at
        rel.save(update_fields=["roles", "requested_roles", "requested_days", "ends_at"])
        emails = Member.objects.filter(organization_id=rel.partner_id).exclude(user__business_email="")
        Grant.objects.filter(
            source="relationship",
            licensing_id__in=rel.administered_licences.values("pk"),
            email__in=emails.values("user__business_email"),
        ).update(ends_at=ends_at)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_relationship_roles_and_end_res8"),
        ("permissions", "0005_grant_ends_at"),
        ("agreements", "0004_download_file"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
