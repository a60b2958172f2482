"""Text a user typed, as an email shows it (SEC-8): one line, no control characters, truncated. Always put it
inside the email's quoted block (HTML: autoescaped in a blockquote), never at the start of a subject."""

import unicodedata

from django import template
from django.utils.text import Truncator

register = template.Library()


@register.filter
def typed(value, length: int = 120) -> str:
    text = " ".join(str(value or "").split())
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # bidi overrides, zero-width, NUL
    return Truncator(text).chars(int(length))
