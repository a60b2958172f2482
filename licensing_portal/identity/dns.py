"""The TXT lookup behind domain verification (IDN-2), through dnspython with a configurable resolver.

IDENTITY_DNS_NAMESERVERS (addresses) and IDENTITY_DNS_PORT choose the resolver; empty uses the system's
(/etc/resolv.conf). Tests point it at a dnslib server they start themselves."""

from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings


def _resolver() -> dns.resolver.Resolver:
    nameservers = list(getattr(settings, "IDENTITY_DNS_NAMESERVERS", []) or [])
    if not nameservers:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = nameservers
    resolver.port = int(getattr(settings, "IDENTITY_DNS_PORT", 53) or 53)
    resolver.lifetime = float(getattr(settings, "IDENTITY_DNS_TIMEOUT", 3.0))
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
