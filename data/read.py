"""Readers: one per source format, each producing the same raw, untyped tables.

A raw table is an object-dtype DataFrame plus the row numbers a user sees in the source:
for CSV and xlsx the spreadsheet row (the header is row 1, so the first record is row 2),
for JSON the 1-based position of the record in its array. Typing and checks happen in
`parse.py` and `validate.py`, identically for every format.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .cells import from_text
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


def read_text(path: Path, what: str = "the file") -> str:
    """A file's text as UTF-8; a byte that is not UTF-8 is an error naming its line."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise _unreadable(path, err) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InstanceError([Issue(path.name, "-", f"{what} is not UTF-8 text: byte 0x{data[err.start]:02x} on line {line} "
                                   "(save it as UTF-8, e.g. 'CSV UTF-8' in Excel)")]) from None


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once."""

    duplicates: tuple = ()


def _object(pairs) -> _Object:
    obj = _Object(pairs)
    if len(obj) < len(pairs):
        seen, twice = set(), []
        for key, _ in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        obj.duplicates = tuple(twice)
    return obj


def parse_json(path: Path, what: str = "the file"):
    """JSON text of a file; objects keep track of keys given twice (`_Object.duplicates`)."""
    try:
        return json.loads(read_text(path, what), object_pairs_hook=_object)
    except json.JSONDecodeError as err:
        raise InstanceError([Issue(path.name, "-", f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})")]) from None
    except RecursionError:
        raise InstanceError([Issue(path.name, "-", "not valid JSON: nested too deeply")]) from None


def _read_json(path: Path) -> RawInstance:
    return raw_from_document(parse_json(path), path)


def _duplicate_issues(obj, file: str, table: str, row: int | None = None) -> list[Issue]:
    return [Issue(file, table, f"'{key}' is given twice; keep one value", row, key)
            for key in getattr(obj, "duplicates", ())]


MISSING_SETTINGS = {
    "json": 'no "settings" object: add one, e.g. "settings": {} to take every default (no budgets, no limits)',
    "csv": "settings.json is missing beside the CSV files: add one, e.g. a file holding {} to take every default "
           "(no budgets, no limits)",
    "xlsx": "no 'settings' sheet: add one with the two columns key, value (with no rows, every default applies: "
            "no budgets, no limits)",
}


def raw_from_document(doc, path: Path) -> RawInstance:
    """A JSON-shaped document (dict of settings and record lists), from a file or built in memory."""
    if not isinstance(doc, dict):
        raise InstanceError([Issue(path.name, "-", "the JSON document must be an object of tables")])
    issues = [Issue(path.name, key, f"table '{key}' is given twice; keep one") for key in getattr(doc, "duplicates", ())]
    if "settings" not in doc:
        issues.append(Issue(path.name, "settings", MISSING_SETTINGS["json"]))
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise InstanceError([Issue(path.name, "settings", "settings must be a JSON object of key: value")])
    issues += _duplicate_issues(settings, path.name, "settings")
    tables = {}
    for name, records in doc.items():
        if name == "settings":
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            issues.append(Issue(path.name, name, "a table must be a JSON array of objects (one per row)"))
            continue
        for row, record in enumerate(records, start=1):
            issues += _duplicate_issues(record, path.name, name, row)
        frame = _records_frame(records)
        tables[name] = RawTable(name, path.name, frame, list(range(1, len(records) + 1)), True)
    if issues:
        raise InstanceError(issues)
    return RawInstance(path, path.name, dict(settings), tables)


def _records_frame(records: list[dict]) -> pd.DataFrame:
    """A key absent from a record is a blank cell (None), unlike an explicit NaN."""
    columns = list(dict.fromkeys(key for record in records for key in record))
    data = {c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns}
    return pd.DataFrame(data, index=range(len(records)))


def read_csv_table(file: Path) -> pd.DataFrame:
    """One CSV file as text cells; not UTF-8, or separated by semicolons, is an error that says so."""
    text = read_text(file, "the CSV file")
    header = text.splitlines()[0] if text.strip() else ""
    if ";" in header and "," not in header:
        raise InstanceError([Issue(file.name, file.stem, "the file is separated by semicolons; xborder reads "
                                   "comma-separated CSV (in Excel: save as 'CSV UTF-8 (comma delimited)')")])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    except pd.errors.ParserError as err:
        raise InstanceError([Issue(file.name, file.stem, f"not a valid CSV table: {err}")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(from_text)


def _read_csv_folder(path: Path) -> RawInstance:
    tables = {}
    for file in sorted(path.glob("*.csv")):
        frame = read_csv_table(file)
        tables[file.stem] = RawTable(file.stem, file.name, frame.astype(object), list(range(2, len(frame) + 2)), False)
    settings_path = path / "settings.json"
    if not settings_path.is_file():
        raise InstanceError([Issue("settings.json", "settings", MISSING_SETTINGS["csv"])])
    settings = parse_json(settings_path, "settings.json")
    if not isinstance(settings, dict):
        raise InstanceError([Issue("settings.json", "settings", "settings must be a JSON object of key: value")])
    issues = _duplicate_issues(settings, "settings.json", "settings")
    if issues:
        raise InstanceError(issues)
    return RawInstance(path, "settings.json", dict(settings), tables)


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
    tables, settings = {}, None
    for name, frame in sheets.items():
        frame = frame.map(_cell)
        frame.columns = [str(c).strip() for c in frame.columns]
        if name == "settings":
            settings = _settings_from_sheet(path.name, frame)
            continue
        tables[name] = RawTable(name, path.name, frame, list(range(2, len(frame) + 2)), False)
    if settings is None:
        raise InstanceError([Issue(path.name, "settings", MISSING_SETTINGS["xlsx"])])
    return RawInstance(path, path.name, settings, tables, settings_strict=False)


def _settings_from_sheet(file: str, frame: pd.DataFrame) -> dict:
    if list(frame.columns) != ["key", "value"]:
        raise InstanceError([Issue(file, "settings", "the settings sheet must have exactly the columns key, value")])
    settings, issues = {}, []
    for row, (key, value) in enumerate(zip(frame["key"], frame["value"]), start=2):
        if key is None:
            raise InstanceError([Issue(file, "settings", "blank key", row, "key")])
        key = str(key).strip()
        if key in settings:
            issues.append(Issue(file, "settings", f"'{key}' is given twice; keep one value", row, "key"))
        settings[key] = value
    if issues:
        raise InstanceError(issues)
    return settings
