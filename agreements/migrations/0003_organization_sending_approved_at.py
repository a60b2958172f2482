from django.db import migrations, models
from django.utils import timezone


def approve_existing_partners(apps, schema_editor):
    """Partner organisations that exist today keep sending as before (SEC-8): only those registered from now on
    wait for support's approval."""
    Organization = apps.get_model("agreements", "Organization")
    Organization.objects.filter(kind="partner", sending_approved_at__isnull=True).update(
        sending_approved_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_organization_member"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="sending_approved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="approved for sending"),
        ),
        migrations.RunPython(approve_existing_partners, migrations.RunPython.noop),
    ]
