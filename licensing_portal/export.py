"""Streamed downloads (SUB-5, OPS-4): CSV that a spreadsheet opens without running anything, and JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """A cell that starts like a formula is prefixed with a quote, so Excel shows it as text (OWASP CSV
    injection)."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in FORMULA_STARTS else value


def spreadsheet_value(value: Any) -> str:
    """The inverse of `spreadsheet_cell`, for a file that comes back (SUB-6): the quote it added is dropped."""
    value = "" if value is None else str(value)
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


def xlsx_response(*, header: list[str], rows: Iterable[list[Any]], filename: str) -> HttpResponse:
    """The same table as a workbook (SUB-6); cells are text made inert like the CSV's, never formulas."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("subscribers")
    sheet.append([spreadsheet_cell(cell) for cell in header])
    for row in rows:
        sheet.append([spreadsheet_cell(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}-{_stamp()}.xlsx"'
    return response


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
