"""`{% fixed_url "name" %}`: the URL of a view that takes no arguments, printed on every page (sign out, profile,
language). `{% url %}` reverses it on each render (~20 µs each); these are reversed once per URLconf, script
prefix and language, since nothing else changes them (issue 13)."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def fixed_url(name: str) -> str:
    return _reversed(name, get_urlconf(), get_script_prefix(), get_language())


@lru_cache(maxsize=256)
def _reversed(name: str, urlconf, _script_prefix: str, _language: str) -> str:
    return reverse(name, urlconf=urlconf)
