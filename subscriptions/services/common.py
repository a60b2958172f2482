"""Shared by several subscription rule families: the My Benefits link, product names in a language."""

from __future__ import annotations

from django.utils import translation

from licensing_portal.links import portal_url
from subscriptions.models import (
    Product,
)


def _benefits_url() -> str:
    return portal_url("subscriptions:my_benefits")


def _product_label(product: str, language: str) -> str:
    with translation.override(language):
        return str(Product(product).label)
