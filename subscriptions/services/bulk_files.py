"""SUB-3 bulk files: the CSV/XLSX parser, its limits, row errors and the downloadable template."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from licensing_portal.errors import ApplicationError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024  # a 200 KB "zip bomb" unpacked to 60 MB took 34 s and 700 MB to read
MAX_REPORTED_ERRORS = 200
BULK_COLUMNS = ["email", "first_name", "last_name"]
REQUIRED_COLUMNS = ["email"]
EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True)
class BulkRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    values: dict = field(default_factory=dict, compare=False)  # every named cell of the row (SUB-6)


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


class BulkRejected(ApplicationError):
    """A bulk file or its rows failed validation; `errors` lists every problem and nothing was assigned."""

    def __init__(self, errors: list[RowError]) -> None:
        errors = errors[:MAX_REPORTED_ERRORS]  # the list is stored and shown: keep it readable and small
        super().__init__(
            _("The file was rejected: nothing was assigned. Fix every row listed and upload it again."),
            extra={"errors": [e.as_dict() for e in errors]},
        )
        self.errors = errors


def _email_is_valid(email: str) -> bool:
    if not email or len(email) > EMAIL_MAX_LENGTH:
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _clean_header(cell) -> str:
    return str(cell or "").strip().lower().replace(" ", "_").replace("-", "_")


def _rows_from_table(table, errors: list[RowError]) -> list[BulkRow]:
    """`table` yields (line, cells). The first non-empty row is the header."""
    header: list[str] | None = None
    rows: list[BulkRow] = []
    for line, cells in table:
        cells = ["" if c is None else str(c).strip() for c in cells]
        if not any(cells):
            continue
        if header is None:
            header = [_clean_header(c) for c in cells]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                errors.append(
                    RowError(
                        line,
                        _("Missing column(s): %(columns)s. The first row must name the columns: %(expected)s.")
                        % {"columns": ", ".join(missing), "expected": ", ".join(BULK_COLUMNS)},
                    )
                )
                return []
            continue
        values = dict(zip(header, cells, strict=False))
        absent = [c for c in BULK_COLUMNS if c in header and header.index(c) >= len(cells)]
        if absent:
            errors.append(
                RowError(line, _("Missing column(s) on this row: %(columns)s.") % {"columns": ", ".join(absent)})
            )
            continue
        rows.append(
            BulkRow(
                line=line,
                email=values.get("email", ""),
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                values=values,
            )
        )
    if header is None and not errors:
        errors.append(RowError(None, _("The file is empty.")))
    return rows


def _csv_table(content: bytes, errors: list[RowError]):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        errors.append(
            RowError(
                line,
                _(
                    "The file is not UTF-8 text (first bad byte on this line). Save it as "
                    "“CSV UTF-8” and upload it again."
                ),
            )
        )
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, _("This line is not valid CSV: %(error)s") % {"error": exc}))


def _xlsx_table(content: bytes, errors: list[RowError]):
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())  # reading stops at the declared sizes
    except (zipfile.BadZipFile, ValueError, OSError):
        errors.append(RowError(None, _("The file is not a valid XLSX workbook.")))
        return
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        errors.append(RowError(None, _("The file is not a valid XLSX workbook.")))
        return
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        errors.append(RowError(None, _("The file is not a valid XLSX workbook.")))
        return
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    finally:
        workbook.close()


def bulk_file_parse(*, file_name: str, content: bytes) -> list[BulkRow]:
    """Read a CSV (UTF-8) or XLSX file of subscribers; raise BulkRejected listing every problem (SUB-3)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise BulkRejected([RowError(None, _("The file is larger than 10 MB."))])
    name = file_name.lower()
    errors: list[RowError] = []
    if name.endswith(".csv"):
        if content.startswith(b"PK\x03\x04"):
            raise BulkRejected(
                [RowError(None, _("This file is a workbook, not CSV. Name it .xlsx or export it as CSV UTF-8."))]
            )
        table = _csv_table(content, errors)
    elif name.endswith(".xlsx"):
        table = _xlsx_table(content, errors)
    else:
        raise BulkRejected([RowError(None, _("Upload a .csv or .xlsx file."))])
    rows = _rows_from_table(table, errors)
    if errors:
        raise BulkRejected(errors)
    return rows


def bulk_template(*, file_format: str) -> tuple[bytes, str]:
    """The downloadable template: header and one example row, as CSV or XLSX."""
    example = ["someone@example.com", "Ada", "Lovelace"]
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "subscribers"
        sheet.append(BULK_COLUMNS)
        sheet.append(example)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BULK_COLUMNS)
    writer.writerow(example)
    return out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
