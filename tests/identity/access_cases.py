"""Access cases of domains and single sign-on (IDN-1, IDN-2; format: tests/access_matrix.py).

An organisation's domains and provider are reached by its own administrators (of a licensing ID or of its
MBSA/parent); everybody else, Fabrikam's administrator and staff included, gets 404.
"""

from tests.access_matrix import ADMINS, Case, Kind


def extend_world(world: dict) -> None:
    from django.utils import timezone

    from licensing_portal.identity.models import VerifiedDomain

    world["domain"] = VerifiedDomain.objects.create(
        organization=world["tenant"], domain="contoso.example", verified_at=timezone.now(), verified_how="staff"
    )


def _org(w):
    return {"pk": w["tenant"].pk}


def _domain(w):
    return {"pk": w["domain"].pk}


def _domain_back(w):
    """Removing is the point of the route: put the row back before each persona's POST."""
    from licensing_portal.identity.models import VerifiedDomain

    d = w["domain"]
    VerifiedDomain.objects.get_or_create(
        pk=d.pk, defaults={"organization": d.organization, "domain": d.domain, "verified_at": d.verified_at}
    )
    return {}


CASES = [
    Case("identity:index", Kind.LOGIN),
    Case("identity:domain_add", Kind.TENANT, method="post", kwargs=_org, allowed=ADMINS, data={"domain": "x.example"}),
    Case("identity:domain_detail", Kind.TENANT, kwargs=_domain, allowed=ADMINS),
    Case("identity:domain_verify", Kind.TENANT, method="post", kwargs=_domain, allowed=ADMINS),
    Case("identity:domain_remove", Kind.TENANT, method="post", kwargs=_domain, allowed=ADMINS, data=_domain_back),
    Case("identity:sso", Kind.TENANT, kwargs=_org, allowed=ADMINS),
    Case("identity:sso_remove", Kind.TENANT, method="post", kwargs=_org, allowed=ADMINS),
]
