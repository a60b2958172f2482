"""Cursor pagination on every list (API-5): stable under inserts, no COUNT(*), opaque `next`/`previous` links."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "pk"


class NewestFirstPagination(ApiCursorPagination):
    ordering = "-pk"
