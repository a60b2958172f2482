"""Where a webhook may go (API-4, SSRF): HTTPS in production, and every address the host resolves to public.

Loopback, private, link-local (cloud metadata lives there), shared, reserved and multicast addresses are refused at
registration and again before each delivery, and the delivery connects to the address checked here (a name
that resolves elsewhere a second later, DNS rebinding, gains nothing). WEBHOOKS_ALLOW_LOOPBACK lets tests and the
demo use 127.0.0.1; names resolve through the portal's resolver (licensing_portal/dns.py)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from licensing_portal import dns
from licensing_portal.errors import ApplicationError

# Instance metadata services (AWS/GCP/Azure, AWS IPv6, ECS task metadata, Alibaba), whatever ranges they sit in.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"})


class RefusedAddress(ApplicationError):
    """The URL may not be called: a policy refusal, not a transient failure."""


class Unresolvable(ApplicationError):
    """The name does not resolve now (perhaps a transient DNS failure)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as in the URL (a name or a literal address, IPv6 without brackets)
    port: int
    path: str
    address: str  # the checked address the request connects to


def _parts(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(_("This is not a valid URL.")) from exc
    scheme = parts.scheme.lower()
    allowed = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("https", "http")
    if scheme not in allowed:
        raise RefusedAddress(_("The URL must start with https://."))
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress(_("The URL must not contain a user name or password."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedAddress(_("The URL has no host."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _resolve(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:  # the legacy forms every resolver library still accepts: 127.1, 2130706433, 0x7f.0.0.1
        return [socket.inet_ntoa(socket.inet_aton(host))]
    except OSError:
        pass
    try:
        if dns.configured():
            return dns.host_addresses(host)
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (OSError, UnicodeError, ValueError, dns.LookupFailed) as exc:
        raise Unresolvable(_("The host name does not resolve.")) from exc


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return _("a cloud metadata address")
    if address.is_loopback:
        return None if settings.WEBHOOKS_ALLOW_LOOPBACK else _("a loopback address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_private:
        return _("a private address")
    if address.is_multicast or address.is_unspecified or address.is_reserved or not address.is_global:
        return _("an address that is not public")
    return None


def checked_target(url: str) -> Target:
    """The URL's parts and the one address to connect to, after checking every address the host resolves to;
    RefusedAddress (policy) or Unresolvable (DNS) otherwise."""
    scheme, host, port, path = _parts(url)
    if host.lower() in METADATA_NAMES:
        raise RefusedAddress(_("The URL points to %(what)s.") % {"what": _("a cloud metadata address")})
    found = _resolve(host, port)
    if not found:
        raise Unresolvable(_("The host name does not resolve."))
    for text in found:
        reason = _refusal(ipaddress.ip_address(text.split("%")[0]))
        if reason:
            raise RefusedAddress(_("The URL points to %(what)s.") % {"what": reason})
    return Target(scheme=scheme, host=host, port=port, path=path, address=found[0])
