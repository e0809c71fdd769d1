"""Readers: one per source format, each producing the same raw, untyped tables.

A raw table is an object-dtype DataFrame plus the row numbers a user sees in the source:
for CSV and xlsx the spreadsheet row (the header is row 1, so the first record is row 2),
for JSON the 1-based position of the record in its array. Typing and checks happen in
`parse.py` and `validate.py`, identically for every format.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import Issue, InstanceError


@dataclass
class RawTable:
    name: str
    file: str
    frame: pd.DataFrame
    rows: list[int]
    strict_types: bool  # JSON carries its own types; CSV/xlsx cells are text to be parsed


@dataclass
class RawInstance:
    source: Path
    settings_file: str
    settings: dict
    tables: dict[str, RawTable]
    settings_strict: bool = True  # settings.json / JSON documents carry their own types


def read_raw(path: str | Path) -> RawInstance:
    """Dispatch on the path: a .json file, a .xlsx workbook or a folder of CSV files."""
    path = Path(path)
    if not path.exists():
        raise InstanceError([Issue(str(path), "-", "no such file or folder")])
    if path.is_dir():
        return _read_csv_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise InstanceError(
        [Issue(str(path), "-", "unknown instance format: expected a .json file, a .xlsx workbook or a folder of CSV files")]
    )


def _unreadable(path: Path, err: Exception) -> InstanceError:
    return InstanceError([Issue(str(path), "-", f"cannot read the file: {err}")])


def _read_json(path: Path) -> RawInstance:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _unreadable(path, err) from None
    return raw_from_document(doc, path)


def raw_from_document(doc, path: Path) -> RawInstance:
    """A JSON-shaped document (dict of settings and record lists), from a file or built in memory."""
    if not isinstance(doc, dict):
        raise InstanceError([Issue(path.name, "-", "the JSON document must be an object of tables")])
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise InstanceError([Issue(path.name, "settings", "settings must be a JSON object of key: value")])
    tables, issues = {}, []
    for name, records in doc.items():
        if name == "settings":
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            issues.append(Issue(path.name, name, "a table must be a JSON array of objects (one per row)"))
            continue
        frame = _records_frame(records)
        tables[name] = RawTable(name, path.name, frame, list(range(1, len(records) + 1)), True)
    if issues:
        raise InstanceError(issues)
    return RawInstance(path, path.name, settings, tables)


def _records_frame(records: list[dict]) -> pd.DataFrame:
    """A key absent from a record is a blank cell (None), unlike an explicit NaN."""
    columns = list(dict.fromkeys(key for record in records for key in record))
    data = {c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns}
    return pd.DataFrame(data, index=range(len(records)))


def _read_csv_folder(path: Path) -> RawInstance:
    tables = {}
    for file in sorted(path.glob("*.csv")):
        try:
            frame = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame()
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
            raise _unreadable(file, err) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        tables[file.stem] = RawTable(file.stem, file.name, frame.astype(object), list(range(2, len(frame) + 2)), False)
    settings_path = path / "settings.json"
    settings = {}
    if settings_path.exists():
        try:
            settings = json.loads(settings_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise _unreadable(settings_path, err) from None
        if not isinstance(settings, dict):
            raise InstanceError([Issue("settings.json", "settings", "settings must be a JSON object of key: value")])
    return RawInstance(path, "settings.json", settings, tables)


def _cell(value):
    """xlsx cells: None and NaN are blank; integral floats read back as ints (ids like 1001)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _read_xlsx(path: Path) -> RawInstance:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as err:  # openpyxl raises many kinds (zipfile, KeyError, ValueError) for a bad file
        raise _unreadable(path, err) from None
    tables, settings = {}, {}
    for name, frame in sheets.items():
        frame = frame.map(_cell)
        frame.columns = [str(c).strip() for c in frame.columns]
        if name == "settings":
            settings = _settings_from_sheet(path.name, frame)
            continue
        tables[name] = RawTable(name, path.name, frame, list(range(2, len(frame) + 2)), False)
    return RawInstance(path, path.name, settings, tables, settings_strict=False)


def _settings_from_sheet(file: str, frame: pd.DataFrame) -> dict:
    if list(frame.columns) != ["key", "value"]:
        raise InstanceError([Issue(file, "settings", "the settings sheet must have exactly the columns key, value")])
    settings = {}
    for row, (key, value) in enumerate(zip(frame["key"], frame["value"]), start=2):
        if key is None:
            raise InstanceError([Issue(file, "settings", "blank key", row, "key")])
        settings[str(key).strip()] = value
    return settings
