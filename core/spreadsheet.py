"""Cells a spreadsheet shows as text: formula injection neutralised in every CSV and XLSX Clearground writes.

A spreadsheet program reads a CSV cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula (`=HYPERLINK("http://x","y")` in a hazard's name becomes a live link, `@SUM(...)` a
calculation), and openpyxl stores such a string as a formula. Text from the register is data, never
a formula: in CSV it gets a leading apostrophe (OWASP's advice; spreadsheets hide it), in XLSX it is
kept a string cell. Only text is touched: a number, a negative one included, stays a number; callers
pass the values of text columns only (decision 0033).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A CSV cell's value: text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_text_cells(sheet: Any) -> None:
    """Keep every text cell of an openpyxl sheet a string (data_type 's'): openpyxl stores '=...' as a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
