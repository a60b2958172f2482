"""API-4 over HTTPS, as in production: the delivery connects to the address it checked, and still verifies the
receiver's certificate against the URL's host name (SNI and hostname check), so pinning the address weakens
nothing. A self-signed certificate made here is the only CA trusted (WEBHOOKS_CA_FILE)."""

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from licensing_portal.webhooks.models import WebhookDelivery
from licensing_portal.webhooks.services import endpoint_register
from permissions.models import Role
from permissions.services import person_roles_set
from tests.webhooks.conftest import Receiver, _start

pytestmark = pytest.mark.django_db


def _certificate(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path, settings, _own_dns):
    """An HTTPS receiver on 127.0.0.1 whose certificate names `hooks.contoso.example`; that name resolves to
    127.0.0.1 in the test's DNS."""
    cert, key = _certificate(tmp_path, "hooks.contoso.example")
    settings.WEBHOOKS_CA_FILE = str(cert)
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    _own_dns.records["hooks.contoso.example"] = ["127.0.0.1"]
    _own_dns.records["other.contoso.example"] = ["127.0.0.1"]
    rx = Receiver()
    _start(rx)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    rx.server.socket = context.wrap_socket(rx.server.socket, server_side=True)
    yield rx
    rx.server.shutdown()
    rx.server.server_close()


def _grant_change(lid, admin, capture):
    with capture(execute=True):
        person_roles_set(licensing_id=lid, email="pat@contoso.example", roles=[Role.DOWNLOAD], actor=admin, adding=True)


def test_api4_https_delivery_verifies_the_certificate_of_the_url_host(
    settings, tenant, contoso_lid, contoso_admin, tls_receiver, django_capture_on_commit_callbacks
):
    port = tls_receiver.server.server_address[1]
    endpoint, _secret = endpoint_register(
        actor=contoso_admin, organization=tenant, url=f"https://hooks.contoso.example:{port}/hook", categories=["grant"]
    )
    _grant_change(contoso_lid, contoso_admin, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.response_code) == ("sent", 200)
    assert len(tls_receiver.hits) == 1 and tls_receiver.hits[0].headers["Host"] == f"hooks.contoso.example:{port}"


def test_api4_https_delivery_refuses_a_certificate_for_another_name(
    settings, tenant, contoso_lid, contoso_admin, tls_receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    port = tls_receiver.server.server_address[1]
    endpoint, _secret = endpoint_register(
        actor=contoso_admin, organization=tenant, url=f"https://other.contoso.example:{port}/hook", categories=["grant"]
    )
    _grant_change(contoso_lid, contoso_admin, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed" and "SSLCertVerificationError" in delivery.last_error
    assert tls_receiver.hits == []
