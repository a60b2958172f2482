import factory
from django.utils import timezone

from agreements.models import AgreementContact, LicensingID, OpenLicense, Organization, OrganizationMember, Program
from agreements.services import authorization_number_hash
from licensing_portal.core.models import User
from permissions.models import Grant, Role
from subscriptions.models import PartnerMembership, Product, Seat, SubscriptionPool


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    sending_approved_at = factory.LazyFunction(timezone.now)  # an established organisation (SEC-8)


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up user whose business email is verified (pass business_email_verified_at=None to undo)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    business_email = factory.LazyAttribute(lambda u: u.email)
    business_email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create:
            obj.save()

    @factory.post_generation
    def sign_in_email_verified(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        """Sign-in email confirmation is mandatory (ACC-1): factory users have confirmed theirs unless
        `sign_in_email_verified=False`."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class LicensingIDFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicensingID

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"E{7000000 + n}")
    program = Program.ENTERPRISE


class OpenLicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpenLicense
        exclude = ["authorization_number"]

    authorization_number = factory.Sequence(lambda n: f"AUTH{9000000 + n}")
    licensing_id = factory.SubFactory(
        LicensingIDFactory, program=Program.OPEN_LICENSE, number=factory.Sequence(lambda n: f"V{8000000 + n}")
    )
    license_number = factory.LazyAttribute(lambda o: o.licensing_id.number)
    authorization_hash = factory.LazyAttribute(lambda o: authorization_number_hash(o.authorization_number))
    customer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    available_at = factory.LazyFunction(timezone.now)


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    licensing_id = factory.SubFactory(LicensingIDFactory)
    email = factory.Sequence(lambda n: f"grantee{n}@example.com")
    role = Role.LICENSING_INFO


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementContact

    licensing_id = factory.SubFactory(LicensingIDFactory)
    contact_type = "primary"
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


def grant(user, licensing_id, *roles):
    """Give `user` (by business email) the roles on the licensing ID."""
    for role in roles:
        Grant.objects.get_or_create(licensing_id=licensing_id, email=user.business_email, role=role)
    return user


class PartnerFactory(OrganizationFactory):
    kind = Organization.Kind.PARTNER
    name = factory.Sequence(lambda n: f"Partner {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    """A person working for a partner organisation."""

    class Meta:
        model = OrganizationMember

    organization = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    is_admin = False


class PartnerAdminFactory(MemberFactory):
    """The partner's Program Administrator."""

    is_admin = True


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionPool

    licensing_id = factory.SubFactory(LicensingIDFactory)
    product = Product.VS_PROFESSIONAL
    quantity = 10


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    pool = factory.SubFactory(PoolFactory)
    email = factory.Sequence(lambda n: f"subscriber{n}@example.com")
    first_name = "Sub"
    last_name = factory.Sequence(lambda n: f"Scriber{n}")
    obligation_confirmed_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    organization = factory.SubFactory(PartnerFactory)
    kind = PartnerMembership.Kind.ACTION_PACK
    product = Product.VS_PROFESSIONAL
    entitlements = 2
