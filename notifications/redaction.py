"""What staff may see of an outbox body (SEC-7): every link keeps its scheme and host, never its path or query.

Whatever produced the email (the portal's single-use links, allauth's email-confirmation and password-reset
keys, a template added later), the secret of a link sits in its path or query, so admin shows neither. Staff
resend emails; they never need the link.
"""

from __future__ import annotations

import re

from licensing_portal.core.logging import redact_secrets

LINK_REDACTED = "/[redacted]"

# scheme://[userinfo@]host[:port] then anything up to whitespace, a quote or a tag boundary
_ABSOLUTE = re.compile(
    r"(?P<scheme>https?)://(?:[^\s/?#@<>\"'`]*@)?(?P<host>[^\s/?#<>\"'`]+)(?P<rest>[/?#\\][^\s<>\"'`]*)?",
    re.IGNORECASE,
)
# an HTML attribute holding a relative or scheme-less link (href="/accounts/…", src="//host/…")
_RELATIVE_ATTR = re.compile(
    r"(?P<attr>\b(?:href|src|action)\s*=\s*)(?P<quote>[\"'])(?!https?://)[^\"']+(?P=quote)", re.IGNORECASE
)


def redact_links(text: str) -> str:
    if not text:
        return text
    text = _ABSOLUTE.sub(lambda m: f"{m['scheme']}://{m['host']}{LINK_REDACTED if m['rest'] else ''}", text)
    text = _RELATIVE_ATTR.sub(lambda m: f"{m['attr']}{m['quote']}{LINK_REDACTED}{m['quote']}", text)
    return redact_secrets(text)
