from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name: str, fallback: str, *args, **kwargs) -> str:
    """A url of another app that may not be mounted yet on this branch (permissions:request,
    permissions:manage_users): the fallback path (may use "{pk}") keeps the page working until then."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback.format(**kwargs)


@register.filter
def is_program_admin_of(user, partner) -> bool:
    """MPN-2: the administrator member of the partner, who adds its people (People page)."""
    from permissions.policies import is_partner_admin

    return is_partner_admin(user, partner)
