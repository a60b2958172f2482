"""A believable demo world with printed logins (README quick start)."""

import importlib
import importlib.util
from datetime import date

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agreements import services as agreements
from agreements.models import (
    ContactType,
    Download,
    LicenseSummaryLine,
    LicensingID,
    Organization,
    ProductKey,
    Program,
    SABenefitLine,
)
from licensing_portal.core.models import User
from permissions.contacts import contact_add
from permissions.models import Grant, Role
from permissions.services import grants_add

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for people trying the demo
# A small real file stands in for an installer image, so a Download holder can try the download (AGR-8).
DEMO_DOWNLOAD = "Licensing Portal demo download for licensing ID %s.\nA real portal delivers the installer here.\n"


class Command(BaseCommand):
    help = "Create demo organisations, agreements, contacts and users, then print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):
        if User.objects.filter(email="admin@contoso.example").exists():
            self.stdout.write("Demo data already present.")
        else:
            with transaction.atomic():  # the welcome emails are sent (printed) when this commits
                world = build_demo_world()
                for app in apps.get_app_configs():  # each app may own a `demo.py` with `seed(world)`
                    if importlib.util.find_spec(f"{app.name}.demo") is not None:
                        importlib.import_module(f"{app.name}.demo").seed(world)
        if not options["quiet"]:
            self._print_logins()

    def _print_logins(self):
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for email, what in DEMO_USERS:
            self.stdout.write(f"  {email:<32} {what}")
        self.stdout.write("Add Open License pair to try (e.g. as newcomer@example.com): V4000001 / AUTH4000001")
        self.stdout.write("Emails are printed on this console and listed in the admin outbox (/admin/).")


DEMO_USERS = [
    (
        "admin@contoso.example",
        "Contoso: Primary Contact of the MBSA (administrator of every child); "
        "a pending permission request, partner Northwind under My partners",
    ),
    ("info@contoso.example", "Contoso: Licensing Info on the Enterprise enrollment; a seat in My benefits"),
    ("download@contoso.example", "Contoso: Download only; a seat in My benefits"),
    ("subs@contoso.example", "Contoso: Subscriptions Manager on the Open License (French interface)"),
    ("admin@fabrikam.example", "Fabrikam: administrator (French interface)"),
    (
        "reseller@northwind.example",
        "Northwind (partner): reseller on Contoso's Open Licenses, Customers page, MPN Program Administrator",
    ),
    ("newcomer@example.com", "verified business email, no access yet (empty state)"),
    ("support@portal.example", "support staff (Django admin at /admin/)"),
]


def _user(email, first, last, *, language="en", staff=False):
    user = User.objects.create_user(
        email=email,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        language=language,
        business_email=email,
        business_email_verified_at=timezone.now(),
        is_staff=staff,
    )
    if staff:  # support staff work through the least-privilege Support group, never as superuser (ADM-1)
        from licensing_portal.staff import support_group_sync

        user.groups.add(support_group_sync())
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def build_demo_world() -> dict:
    contoso = agreements.organization_create(name="Contoso Ltd", address="1 Harbour Road, Montréal QC")
    fabrikam = agreements.organization_create(name="Fabrikam Inc", address="22 Rue de la Paix, Paris")
    northwind = agreements.organization_create(name="Northwind Resellers", kind=Organization.Kind.PARTNER)

    users = {
        "contoso_admin": _user("admin@contoso.example", "Alice", "Martin"),
        "contoso_info": _user("info@contoso.example", "Ibrahim", "Nasser"),
        "contoso_download": _user("download@contoso.example", "Dana", "Lee"),
        "contoso_subs": _user("subs@contoso.example", "Sofia", "Rossi", language="fr"),
        "fabrikam_admin": _user("admin@fabrikam.example", "François", "Dubois", language="fr"),
        "reseller": _user("reseller@northwind.example", "Ravi", "Patel"),
        "newcomer": _user("newcomer@example.com", "Nora", "Newman"),
        "support": _user("support@portal.example", "Sam", "Support", staff=True),
    }

    mbsa = agreements.licensing_id_create(
        organization=contoso, number="M1000001", program=Program.MBSA, start_date=date(2024, 1, 1)
    )
    enterprise = agreements.licensing_id_create(
        organization=contoso,
        number="E2000001",
        program=Program.ENTERPRISE,
        parent=mbsa,
        start_date=date(2024, 7, 1),
        end_date=date(2027, 6, 30),
    )
    select = agreements.licensing_id_create(
        organization=contoso,
        number="S3000001",
        program=Program.SELECT,
        parent=mbsa,
        status=LicensingID.Status.INACTIVE,
        start_date=date(2019, 1, 1),
        end_date=date(2022, 12, 31),
    )
    open_license = agreements.open_license_create(
        organization=contoso,
        license_number="V4000001",
        authorization_number="AUTH4000001",
        customer_email="admin@contoso.example",
        reseller_email="reseller@northwind.example",
    )
    fab_enterprise = agreements.licensing_id_create(
        organization=fabrikam, number="E2000002", program=Program.ENTERPRISE
    )
    fab_open_value = agreements.licensing_id_create(
        organization=fabrikam, number="OV5000002", program=Program.OPEN_VALUE
    )

    contact_add(
        licensing_id=mbsa,
        contact_type=ContactType.PRIMARY,
        email="admin@contoso.example",
        name="Alice Martin",
    )
    contact_add(
        licensing_id=open_license.licensing_id,
        contact_type=ContactType.PRIMARY,
        email="admin@contoso.example",
        name="Alice Martin",
    )
    contact_add(
        licensing_id=fab_enterprise,
        contact_type=ContactType.PRIMARY,
        email="admin@fabrikam.example",
        name="François Dubois",
        language="fr",
    )
    contact_add(
        licensing_id=fab_open_value,
        contact_type=ContactType.NOTICES,
        email="admin@fabrikam.example",
        name="François Dubois",
        language="fr",
    )
    grants_add(
        licensing_id=enterprise,
        email="info@contoso.example",
        roles=[Role.LICENSING_INFO],
        source=Grant.Source.MANUAL,
        granted_by=users["contoso_admin"],
    )
    grants_add(
        licensing_id=enterprise,
        email="download@contoso.example",
        roles=[Role.DOWNLOAD],
        source=Grant.Source.MANUAL,
        granted_by=users["contoso_admin"],
    )
    grants_add(
        licensing_id=open_license.licensing_id,
        email="subs@contoso.example",
        roles=[Role.SUBSCRIPTIONS_MANAGER],
        source=Grant.Source.MANUAL,
        granted_by=users["contoso_admin"],
    )

    for lid in (enterprise, select, open_license.licensing_id, fab_enterprise, fab_open_value):
        LicenseSummaryLine.objects.bulk_create(
            [
                LicenseSummaryLine(licensing_id=lid, product="Windows Server Standard", quantity=40),
                LicenseSummaryLine(licensing_id=lid, product="Office LTSC Professional Plus", quantity=250),
            ]
        )
        SABenefitLine.objects.create(licensing_id=lid, benefit="Training Vouchers", available=12, used=3)
        download = Download(licensing_id=lid, product="Office LTSC Professional Plus", file_name="office_ltsc_x64.txt")
        download.file.save(download.file_name, ContentFile((DEMO_DOWNLOAD % lid.number).encode()), save=True)
        ProductKey.objects.create(
            licensing_id=lid, product="Windows Server Standard", key=f"XXXXX-{lid.pk:05d}-DEMO0-KEY00-00000"
        )
    return {
        "organizations": {"contoso": contoso, "fabrikam": fabrikam, "northwind": northwind},
        "licensing_ids": {
            "mbsa": mbsa,
            "enterprise": enterprise,
            "select": select,
            "open_license": open_license.licensing_id,
            "fabrikam_enterprise": fab_enterprise,
            "fabrikam_open_value": fab_open_value,
        },
        "users": users,
    }
