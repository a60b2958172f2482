"""Shared by several permission rule families."""

from __future__ import annotations


def normalize_email(email: str) -> str:
    return email.strip().lower()
