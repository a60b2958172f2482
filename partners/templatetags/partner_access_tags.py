from django import template

register = template.Library()


@register.filter
def role_labels(roles) -> str:
    """Role values as their labels in the active language (emails render under the recipient's), RES-8."""
    from partners.partner_access import role_labels as labels

    if isinstance(roles, str):
        roles = [roles]
    return ", ".join(labels(roles or []))
