"""A secret shown once after POST/redirect/GET (API-2 tokens, API-4 webhook signing secrets).

The POST that creates the secret keeps it for exactly one following GET of the page that shows it, then
redirects; that GET pops it. Reloading the page shows nothing and re-submits nothing. Between the two requests the
secret sits in the session sealed with Fernet (`licensing_portal.fields`), so the session table, its backups and
replicas hold ciphertext only; it is never logged and never put in a message (messages may be stored in clear).
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from licensing_portal.fields import decrypt, encrypt

KEY = "_lp_shown_once"


def keep(request, *, place: str, secret: str) -> None:
    """Keep `secret` for the next GET of `place` (a name for the page, e.g. "api_token:personal")."""
    pending = dict(request.session.get(KEY) or {})
    pending[place] = encrypt(secret)
    request.session[KEY] = pending


def pop(request, *, place: str) -> str | None:
    """The secret kept for `place`, removed from the session; None when there is none (any later request)."""
    pending = request.session.get(KEY)
    if not pending or place not in pending:
        return None
    pending = dict(pending)
    sealed = pending.pop(place)
    if pending:
        request.session[KEY] = pending
    else:
        del request.session[KEY]
    try:
        return decrypt(sealed)
    except (InvalidToken, ValueError):  # sealed under a key since dropped from SECRET_KEY_FALLBACKS
        return None
