"""The page a list view was asked for."""

PAGE_MAX = 10**6


def page_number(request) -> int:
    """`?page=` as a bounded positive int, 1 for anything else: a cache key part, and what Paginator.get_page
    clamps to the last page. Long digit strings never reach int() (over 4300 digits it raises: SEC-9)."""
    raw = request.GET.get("page", "")
    if not (raw.isascii() and raw.isdigit()):
        return 1
    digits = raw.lstrip("0")
    if not digits:
        return 1
    return min(int(digits), PAGE_MAX) if len(digits) <= len(str(PAGE_MAX)) else PAGE_MAX
