import factory
from django.utils import timezone

from agreements.models import Organization, OrganizationMember
from subscriptions.models import PartnerMembership, Product, Seat, SubscriptionPool
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory


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


class PartnerFactory(OrganizationFactory):
    kind = Organization.Kind.PARTNER


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationMember

    organization = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    is_admin = False


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    organization = factory.SubFactory(PartnerFactory)
    kind = PartnerMembership.Kind.ACTION_PACK
    product = Product.VS_PROFESSIONAL
    entitlements = 2
