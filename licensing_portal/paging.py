"""The page a list view was asked for."""


def page_number(request) -> int:
    """`?page=` as a bounded positive int, 1 for anything else: a cache key part, and what Paginator.get_page
    clamps to the last page."""
    raw = request.GET.get("page", "")
    return min(int(raw), 10**6) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1
