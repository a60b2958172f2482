"""Streamed downloads (SUB-5, OPS-4): CSV that a spreadsheet opens without running anything, and JSON lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """A cell that starts like a formula is prefixed with a quote, so Excel shows it as text (OWASP CSV
    injection)."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in FORMULA_STARTS else value


class _Echo:
    def write(self, value):
        return value


def csv_response(*, header: list[str], rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    """Rows are written as they are read: a large export never sits in memory. A BOM lets Excel read UTF-8."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([spreadsheet_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([spreadsheet_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{_stamp()}.csv"'
    return response


def jsonl_response(*, rows: Iterable[dict[str, Any]], filename: str) -> StreamingHttpResponse:
    """One JSON object per line (JSON Lines); values are data, never formulas, so they are not rewritten."""

    def lines() -> Iterator[str]:
        for row in rows:
            yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True) + "\n"

    response = StreamingHttpResponse(lines(), content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{_stamp()}.jsonl"'
    return response


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M")
