"""The portal's one DNS resolver (dnspython): TXT records for domain verification (IDN-2) and the addresses a
webhook endpoint resolves to (API-4, checked before every delivery).

DNS_NAMESERVERS (addresses), DNS_PORT and DNS_TIMEOUT choose it; empty uses the system's (/etc/resolv.conf).
Tests point it at a dnslib server they start themselves."""

from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings


def configured() -> bool:
    """True when settings name the nameservers (else callers may use the system's own lookup)."""
    return bool(settings.DNS_NAMESERVERS)


def _resolver() -> dns.resolver.Resolver:
    if not configured():
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(settings.DNS_NAMESERVERS)
    resolver.port = int(settings.DNS_PORT or 53)
    resolver.lifetime = float(settings.DNS_TIMEOUT)
    resolver.timeout = resolver.lifetime
    return resolver


class LookupFailed(Exception):
    """The resolver did not answer (timeout, refused): nothing can be concluded about the record."""


def txt_values(name: str) -> list[str]:
    """Every TXT string published at `name` (multi-string records joined, as RFC 7208 does); [] when the name or
    the record does not exist."""
    try:
        answer = _resolver().resolve(name, "TXT", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.YXDOMAIN):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.LifetimeTimeout) as exc:
        raise LookupFailed(str(exc)) from exc
    if answer.rrset is None:
        return []
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer.rrset]


def host_addresses(host: str) -> list[str]:
    """The A and AAAA addresses of `host` ([] when it has none); LookupFailed when the resolver does not answer."""
    found = []
    for rdtype in ("A", "AAAA"):
        try:
            found += [rdata.to_text() for rdata in _resolver().resolve(host, rdtype)]
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            continue
        except dns.exception.DNSException as exc:  # timeouts, failing servers, names DNS cannot carry
            raise LookupFailed(str(exc)) from exc
    return found
