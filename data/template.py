"""An empty instance workbook to fill in: every table as a sheet with its columns in the schema's
order, a note on each header (kind, default or "required", range, meaning; from data/schema.py),
drop-down lists for the enumerations (lane modes, true/false, the objective) and for the keys a
column takes from another sheet (a market of `markets`, a product of `products`, ...), and the
settings sheet with every key and a blank value (blank: the default)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .atomic import atomic_path
from .schema import COLUMN_NOTES, LANE_MODES, REFERENCES, SETTING_NOTES, SETTINGS, TABLES, Kind

ROWS = 5000  # rows a drop-down list covers


def _note(table: str, column) -> str:
    kind = column.kind.value
    default = "required" if column.required else ("blank" if column.default is None else f"default {column.default}")
    rng = "" if column.range.name == "ANY" else f", {column.range.value}"
    meaning = COLUMN_NOTES.get((table, column.name), "")
    return f"{column.name}: {kind}, {default}{rng}." + (f" {meaning}." if meaning else "")


def _lists_for(table: str, column) -> str | None:
    """The data-validation formula of a column: an enumeration, or the key column of the sheet it
    refers to; None for free cells."""
    if (table, column.name) in (("lanes", "mode"), ("period_freight", "mode")):
        return '"' + ",".join(LANE_MODES) + '"'
    if column.kind is Kind.BOOL:
        return '"true,false"'
    for source, source_column, target, key in REFERENCES:
        if (source, source_column) == (table, column.name):
            letter = get_column_letter(TABLES[target].column_names.index(key) + 1)
            return f"'{target}'!${letter}$2:${letter}${ROWS}"
    return None


def template_workbook(target: str | Path) -> Path:
    """Write the empty workbook (atomically) and return its path."""
    book = Workbook()
    settings = book.active
    settings.title = "settings"
    settings.append(["key", "value"])
    for key, spec in SETTINGS.items():
        settings.append([key, None])
        cell = settings.cell(row=settings.max_row, column=1)
        default = "blank" if spec.default is None else f"default {spec.default}"
        cell.comment = Comment(f"{key}: {spec.kind.value}, {default}. {SETTING_NOTES.get(key, '')}", "xborder")
    objective = DataValidation(type="list", formula1='"profit,cost"', allow_blank=True)
    settings.add_data_validation(objective)
    objective.add(f"B{list(SETTINGS).index('objective') + 2}")
    _finish(settings, 2)
    for name, table in TABLES.items():
        sheet = book.create_sheet(name)
        sheet.append(table.column_names)
        for i, column in enumerate(table.columns, start=1):
            header = sheet.cell(row=1, column=i)
            header.comment = Comment(_note(name, column), "xborder")
            formula = _lists_for(name, column)
            if formula:
                rule = DataValidation(type="list", formula1=formula, allow_blank=True)
                sheet.add_data_validation(rule)
                letter = get_column_letter(i)
                rule.add(f"{letter}2:{letter}{ROWS}")
        _finish(sheet, len(table.columns))
    target = Path(target)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target


def _finish(sheet, columns: int):
    sheet.freeze_panes = "A2"
    for i in range(1, columns + 1):
        sheet.cell(row=1, column=i).font = Font(bold=True)
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(12, len(str(sheet.cell(row=1, column=i).value)) + 4)


def template_bytes() -> bytes:
    """The empty workbook's bytes (for a download)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="xborder-template-") as folder:
        return template_workbook(Path(folder) / "template.xlsx").read_bytes()
