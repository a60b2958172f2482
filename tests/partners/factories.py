import factory

from agreements.models import Organization, OrganizationMember
from tests.factories import OrganizationFactory, UserFactory


class PartnerFactory(OrganizationFactory):
    kind = Organization.Kind.PARTNER
    name = factory.Sequence(lambda n: f"Partner {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationMember

    organization = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    is_admin = True
