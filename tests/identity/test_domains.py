"""IDN-2: an organisation proves a domain with a DNS TXT record, looked up through a configurable resolver (a real
dnslib server started by the test), or support staff verify it in admin; a domain belongs to one organisation."""

import pytest
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from licensing_portal.identity import services
from licensing_portal.identity.models import VerifiedDomain

pytestmark = pytest.mark.django_db


def test_idn2_txt_record_verifies_the_domain_through_the_configured_resolver(client, dns_zone, org_admin, tenant):
    client.force_login(org_admin)
    response = client.post(reverse("identity:domain_add", args=[tenant.pk]), {"domain": " Contoso.Example. "})
    domain = VerifiedDomain.objects.get(organization=tenant)
    assert response.url == reverse("identity:domain_detail", args=[domain.pk])
    assert domain.domain == "contoso.example"
    page = client.get(response.url).content.decode()
    assert "_licensing-portal.contoso.example" in page
    assert f"lp-verify={domain.txt_token}" in page

    # Not published yet: refused, nothing changes.
    client.post(reverse("identity:domain_verify", args=[domain.pk]))
    domain.refresh_from_db()
    assert domain.verified_at is None

    dns_zone.publish("_licensing-portal.contoso.example", "v=spf1 -all")
    dns_zone.publish("_licensing-portal.contoso.example", domain.txt_value)
    client.post(reverse("identity:domain_verify", args=[domain.pk]))
    domain.refresh_from_db()
    assert domain.verified_at is not None and domain.verified_how == "dns"
    assert AuditEvent.objects.filter(verb="domain.verified", actor=org_admin).exists()


def test_idn2_a_record_for_another_token_or_name_does_not_verify(dns_zone, org_admin, tenant):
    domain = services.domain_add(organization=tenant, domain="contoso.example", actor=org_admin)
    dns_zone.publish("_licensing-portal.contoso.example", "lp-verify=someone-elses-token")
    dns_zone.publish("contoso.example", domain.txt_value)  # wrong name
    with pytest.raises(ApplicationError):
        services.domain_verify_dns(domain=domain, actor=org_admin)
    domain.refresh_from_db()
    assert domain.verified_at is None
    assert AuditEvent.objects.filter(verb="domain.verification_failed").count() == 1


def test_idn2_unreachable_resolver_is_a_clear_error(settings, org_admin, tenant):
    settings.DNS_NAMESERVERS = ["127.0.0.1"]
    settings.DNS_PORT = 9  # nothing answers
    settings.DNS_TIMEOUT = 0.5
    domain = services.domain_add(organization=tenant, domain="contoso.example", actor=org_admin)
    with pytest.raises(ApplicationError, match="did not get an answer"):
        services.domain_verify_dns(domain=domain, actor=org_admin)


def test_idn2_a_domain_belongs_to_at_most_one_organisation(dns_zone, org_admin, tenant, other_tenant):
    mine = services.domain_add(organization=tenant, domain="contoso.example", actor=org_admin)
    theirs = services.domain_add(organization=other_tenant, domain="contoso.example", actor=None)  # a claim only
    dns_zone.publish(mine.txt_name, mine.txt_value)
    dns_zone.publish(theirs.txt_name, theirs.txt_value)
    services.domain_verify_dns(domain=mine, actor=org_admin)
    with pytest.raises(ApplicationError, match="another organisation"):
        services.domain_verify_dns(domain=theirs, actor=None)
    with pytest.raises(ApplicationError, match="another organisation"):
        services.domain_add(organization=other_tenant, domain="CONTOSO.example", actor=None)
    assert VerifiedDomain.objects.filter(domain="contoso.example", verified_at__isnull=False).count() == 1


@pytest.mark.parametrize("bad", ["", "localhost", "-bad.example", "a..b", "x" * 64 + ".example", "1.2.3.4", "a b.c"])
def test_idn2_malformed_domains_are_refused(bad, org_admin, tenant):  # SEC-3
    with pytest.raises(ApplicationError):
        services.domain_add(organization=tenant, domain=bad, actor=org_admin)
    assert not VerifiedDomain.objects.exists()


def test_idn2_support_staff_verify_in_admin_audited(client, staff, tenant):
    domain = services.domain_add(organization=tenant, domain="contoso.example", actor=None)
    client.force_login(staff)
    response = client.post(
        reverse("admin:identity_verifieddomain_changelist"),
        {"action": "verify_as_staff", "_selected_action": [str(domain.pk)]},
    )
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.verified_how == "staff"
    assert AuditEvent.objects.filter(verb="domain.verified", actor=staff, detail__contains="(staff)").exists()


def test_idn2_another_organisations_domain_answers_404(client, org_admin, other_tenant, member):
    foreign = services.domain_add(organization=other_tenant, domain="fabrikam.example", actor=None)
    client.force_login(org_admin)
    for name in ("identity:domain_detail",):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    for name in ("identity:domain_verify", "identity:domain_remove"):
        assert client.post(reverse(name, args=[foreign.pk])).status_code == 404
    add_url = reverse("identity:domain_add", args=[other_tenant.pk])
    assert client.post(add_url, {"domain": "x.example"}).status_code == 404
    client.force_login(member)  # no administrator role anywhere
    assert client.post(add_url, {"domain": "x.example"}).status_code == 404
    assert VerifiedDomain.objects.count() == 1


def test_idn2_domains_page_runs_constant_queries(client, org_admin, tenant):
    from permissions.models import Role
    from tests.factories import LicensingIDFactory, OrganizationFactory, grant

    client.force_login(org_admin)
    services.domain_add(organization=tenant, domain="contoso.example", actor=None)
    client.get(reverse("identity:index"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("identity:index")).status_code == 200
    for n in range(5):
        org = OrganizationFactory(name=f"Org {n}")
        grant(org_admin, LicensingIDFactory(organization=org), Role.ADMINISTRATOR)
        services.domain_add(organization=org, domain=f"org{n}.example", actor=None)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("identity:index"))
    assert "org4.example" in page.content.decode()
    assert len(many) == len(one)
