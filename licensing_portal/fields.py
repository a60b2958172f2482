"""Secrets the portal must read back are stored encrypted, never in clear: outbox bodies (they carry single-use
links), webhook signing secrets (API-4) and SSO client secrets (IDN-1).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with a key derived from SECRET_KEY; the keys derived from
SECRET_KEY_FALLBACKS still decrypt, so rotating the secret the Django way keeps queued emails readable. Python code
sees plain text (`row.body_text`); the database, its backups and replicas see ciphertext.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

_SALT = "notifications.fields.EncryptedTextField"  # unchanged since the outbox: rows sealed under it stay readable


@lru_cache(maxsize=4)
def _fernet(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    def key(value: str) -> Fernet:
        digest = salted_hmac(_SALT, "outbox body key", secret=value, algorithm="sha256").digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    return MultiFernet([key(secret), *(key(fallback) for fallback in fallbacks)])


def _keys() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt(text: str) -> str:
    return _keys().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    return _keys().decrypt(token.encode("ascii")).decode()


def decrypt_or_none(token: str) -> str | None:
    """The plain text, or None when no configured key opens it (its key was dropped from SECRET_KEY_FALLBACKS):
    for the places that must say so rather than fail (the admin outbox, issue 18)."""
    if not token:
        return token
    try:
        return decrypt(token)
    except (InvalidToken, ValueError):
        return None


class EncryptedTextField(models.TextField):
    """A TextField stored as Fernet ciphertext. An empty string stays empty. Not for lookups: the same text
    encrypts differently every time."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value
