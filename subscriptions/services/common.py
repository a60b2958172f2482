"""Shared by several subscription rule families."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from subscriptions.models import (
    Product,
)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _benefits_url() -> str:
    return settings.PORTAL_BASE_URL + reverse("subscriptions:my_benefits")


def _product_label(product: str, language: str) -> str:
    with translation.override(language):
        return str(Product(product).label)
