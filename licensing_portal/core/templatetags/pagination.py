"""`{% pagination page query %}`: the pagination bar of licensing_portal/jinja.py on a DTL page."""

from django import template

from licensing_portal import jinja

register = template.Library()


@register.simple_tag
def pagination(page, query: str = ""):
    return jinja.pagination(page, query or "")
