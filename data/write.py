"""Instance writers: the inverse of the readers, for all three formats.

Blank (None/NaN) cells are omitted from JSON records and left empty in CSV/xlsx, so a written
instance loads back to the same `Instance`. Every file is written atomically.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd

from .atomic import atomic_path
from .cells import write_csv, write_workbook
from .schema import SETTINGS, TABLES, Kind


def _records(frame: pd.DataFrame, table: str) -> list[dict]:
    schema = TABLES[table]
    out = []
    for row in frame.to_dict("records"):
        record = {}
        for column in schema.columns:
            value = row.get(column.name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if column.kind is Kind.BOOL and not value:
                continue
            if column.kind is Kind.TEXT and value == "":
                continue
            record[column.name] = bool(value) if column.kind is Kind.BOOL else value
        out.append(record)
    return out


def non_default_settings(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if v is not None and (k == "name" or v != SETTINGS[k].default)}


def instance_tables(tables: dict[str, pd.DataFrame]) -> dict[str, list[dict]]:
    """Non-empty tables as lists of records, in schema order, bookkeeping columns dropped."""
    return {name: _records(tables[name], name) for name in TABLES if name in tables and len(tables[name])}


def write_json(settings: dict, tables: dict[str, pd.DataFrame], path: Path):
    doc = {"settings": non_default_settings(settings), **instance_tables(tables)}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def _frame(records: list[dict], table: str) -> pd.DataFrame:
    used = [c.name for c in TABLES[table].columns if any(c.name in r for r in records)]
    frame = pd.DataFrame.from_records(records, columns=used)
    for column in used:
        if TABLES[table].column(column).kind is Kind.BOOL:
            frame[column] = frame[column].map(lambda v: "" if v is None or v != v else ("true" if v else "false"))
    return frame


def write_csv_folder(settings: dict, tables: dict[str, pd.DataFrame], folder: Path):
    """A folder of CSVs plus settings.json; written beside, then moved into place."""
    folder = Path(folder)
    staging = folder.with_name(folder.name + ".tmp-write")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, records in instance_tables(tables).items():
        write_csv(_frame(records, name), staging / f"{name}.csv")
    (staging / "settings.json").write_text(json.dumps(non_default_settings(settings), indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def write_xlsx(settings: dict, tables: dict[str, pd.DataFrame], path: Path):
    sheets = {"settings": pd.DataFrame(list(non_default_settings(settings).items()), columns=["key", "value"])}
    sheets.update({name: _frame(records, name) for name, records in instance_tables(tables).items()})
    write_workbook(sheets, path)


def output_format(path: str | Path) -> str:
    """'json', 'xlsx' or 'csv' (a folder: a name without a suffix, or an existing folder);
    ValueError for anything else, e.g. `x.csv`, which would otherwise become a folder."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".json", ".xlsx"):
        return suffix[1:]
    if not suffix or path.is_dir():
        return "csv"
    raise ValueError(f"{path}: '{path.suffix}' is not an instance format; write a .json file, a .xlsx workbook, "
                     "or a folder of CSV files (a name without a suffix)")


def write_instance(settings: dict, tables: dict[str, pd.DataFrame], path: str | Path):
    """Write in the format the path names (`output_format`): .json, .xlsx, or a CSV folder."""
    path = Path(path)
    suffix = "." + output_format(path)
    if suffix == ".json":
        write_json(settings, tables, path)
    elif suffix == ".xlsx":
        write_xlsx(settings, tables, path)
    else:
        write_csv_folder(settings, tables, path)
