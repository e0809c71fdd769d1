"""Tables written to CSV files and workbooks so that they are safe to open in a spreadsheet.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken for a
formula by Excel, LibreOffice or Google Sheets (a product named `=HYPERLINK(...)` becomes a live
link). Every writer of the project goes through here:

- CSV: such a cell is written with a leading apostrophe (`'=HYPERLINK(...)`), the usual way to
  mark a spreadsheet cell as text; the CSV readers (data/read.py) take exactly that apostrophe
  off again, so an instance written as CSV loads back with the same names.
- Workbooks: such a cell is stored as a text cell with Excel's quote prefix, never as a formula;
  its value is unchanged. Each sheet gets a frozen header row and column widths that fit.

Numbers are never touched (a negative number is a number, not text).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import atomic_path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
MAX_WIDTH = 60  # characters: wider columns are cut on screen, not in the cell


def as_text(value):
    """A cell value for a CSV file: text a spreadsheet would take for a formula gets the mark."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return TEXT_MARK + value
    return value


def from_text(value):
    """The inverse of `as_text` for a cell read from a CSV file."""
    if isinstance(value, str) and value.startswith(TEXT_MARK) and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell passed through `as_text` (number columns untouched)."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text:
        return frame
    return frame.assign(**{c: frame[c].map(as_text) for c in text})


def write_csv(frame: pd.DataFrame, target: str | Path, **to_csv) -> Path:
    """One table as a CSV file, atomically, with formula-like text marked as text."""
    target = Path(target)
    with atomic_path(target) as tmp:
        csv_safe(frame).to_csv(tmp, index=False, **to_csv)
    return target


def write_workbook(frames: dict[str, pd.DataFrame], target: str | Path, formats: dict[str, str] | None = None) -> Path:
    """Tables as the sheets of one workbook, atomically: formula-like text stays text, headers are
    frozen, columns are as wide as their content (up to MAX_WIDTH), and a column named in
    `formats` gets that Excel number format ("#,##0", "0.0%", ...)."""
    target = Path(target)
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as book:
            for name, frame in frames.items():
                frame.to_excel(book, sheet_name=name[:31], index=False)
                _finish_sheet(book.sheets[name[:31]], formats or {})
    return target


def _finish_sheet(sheet, formats: dict[str, str]):
    header = {cell.column: cell.value for cell in sheet[1]}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # openpyxl would write '=...' as a formula
                cell.quotePrefix = True
            elif cell.row > 1 and header.get(cell.column) in formats and isinstance(cell.value, (int, float)):
                cell.number_format = formats[header[cell.column]]
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), MAX_WIDTH)
