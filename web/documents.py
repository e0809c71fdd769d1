"""Instance documents in the workspace: what an upload becomes, how a version is validated, how
the grid's edits make the next version, and the workbook of a version.

A document is the JSON shape of an instance (`{"settings": {...}, "markets": [...], ...}`, what
`xborder convert --to x.json` writes). An upload (a workbook, a zip of a CSV folder, or JSON) is
read with xborder's own readers; when it is valid the document is its typed tables, when it is
not each cell is typed where its column's kind allows and kept as it was where not, so that the
version exists and the grid can show every problem on its cell. Row numbers in problems are the
record's position in its table, from 1, as the grid counts.

Uploads are guarded: a size limit (HTTP 413 above it), a workbook or zip whose content would
unpack to more than UNPACKED_LIMIT bytes (a zip bomb) or hold more than MAX_ROWS rows in a table
is refused, and nothing a user sends is ever used as a path.
"""

from __future__ import annotations

import io
import json
import math
import re
import tempfile
import zipfile
from pathlib import Path

from ..data.cells import write_workbook
from ..data.errors import InstanceError
from ..data.instance import load_document, load_instance
from ..data.parse import PARSERS
from ..data.read import read_raw
from ..data.schema import SETTINGS, TABLES, Kind
from ..data.write import instance_tables, non_default_settings

UPLOAD_LIMIT = 64 * 1024 * 1024  # bytes of one upload
UNPACKED_LIMIT = 512 * 1024 * 1024  # bytes a workbook or zip may unpack to
MAX_ROWS = 1_000_000  # rows of one table
FORMATS = (".json", ".xlsx", ".zip")


class UploadError(ValueError):
    """An upload that cannot become a document; the message says why."""


def document_from_upload(filename: str, data: bytes) -> tuple[dict, str]:
    """(document, name) of an uploaded file, its format told by the file name's suffix."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise UploadError(f"an instance is uploaded as {', '.join(FORMATS)}, got '{suffix or filename}'")
    if len(data) > UPLOAD_LIMIT:
        raise UploadError(f"the file is larger than {UPLOAD_LIMIT // 2**20} MiB")
    name = Path(filename).stem[:100] or "instance"
    if suffix == ".json":
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise UploadError(f"not valid JSON: {err}") from None
        if not isinstance(doc, dict):
            raise UploadError("the JSON document must be an object of tables")
        _checked_rows(doc)
        with tempfile.TemporaryDirectory(prefix="xborder-upload-") as folder:
            path = Path(folder) / f"{_file_stem(name)}.json"
            path.write_bytes(data)
            return _checked_rows(_document_of(path)), name
    _check_archive(data)
    with tempfile.TemporaryDirectory(prefix="xborder-upload-") as folder:
        if suffix == ".xlsx":
            path = Path(folder) / f"{_file_stem(name)}.xlsx"
            path.write_bytes(data)
        else:
            path = _unpack_csv_folder(data, Path(folder) / _file_stem(name))
        return _checked_rows(_document_of(path)), name


def _file_stem(name: str) -> str:
    """The upload's name as a file name for the readers (which name an instance by its file)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:60] or "instance"


def _check_archive(data: bytes):
    """A workbook or zip must be a zip whose entries unpack to a sane size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError("not a valid workbook or zip file") from None
    unpacked = sum(entry.file_size for entry in archive.infolist())
    if unpacked > UNPACKED_LIMIT:
        raise UploadError(f"the file would unpack to {unpacked / 2**20:,.0f} MiB (at most {UNPACKED_LIMIT // 2**20} MiB)")


def _unpack_csv_folder(data: bytes, folder: Path) -> Path:
    """The CSV files and settings.json of a zip, by their base names only, into `folder`."""
    folder.mkdir()
    archive = zipfile.ZipFile(io.BytesIO(data))
    found = 0
    for entry in archive.infolist():
        base = Path(entry.filename).name
        if entry.is_dir() or not (base.endswith(".csv") or base == "settings.json") or base.startswith("."):
            continue
        (folder / base).write_bytes(archive.read(entry))
        found += 1
    if not found:
        raise UploadError("the zip holds no CSV files")
    return folder


def _checked_rows(doc: dict) -> dict:
    for name, rows in doc.items():
        if isinstance(rows, list) and len(rows) > MAX_ROWS:
            raise UploadError(f"table '{name}' has {len(rows):,} rows (at most {MAX_ROWS:,})")
    return doc


def _document_of(path: Path) -> dict:
    """The typed document of a valid file; else its cells, typed where they can be."""
    try:
        instance = load_instance(path)
        return {"settings": non_default_settings(instance.settings), **instance_tables(instance.tables)}
    except InstanceError:
        pass
    try:
        raw = read_raw(path)
    except InstanceError as err:
        raise UploadError("; ".join(str(i) for i in err.issues[:5])) from None
    doc = {"settings": {k: _typed_setting(k, v) for k, v in raw.settings.items()}}
    for name, table in raw.tables.items():
        doc[name] = [{k: _typed_cell(name, k, v) for k, v in record.items() if not _blank(v)}
                     for record in table.frame.to_dict("records")]
    return doc


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip())


def _typed_cell(table: str, column: str, value):
    schema = TABLES.get(table)
    if schema is None or column not in schema.column_names:
        return value
    ok, typed = PARSERS[schema.column(column).kind](value, False)
    return typed if ok else value


def _typed_setting(key: str, value):
    if key not in SETTINGS or _blank(value):
        return value
    ok, typed = PARSERS[SETTINGS[key].kind](value, False)
    return typed if ok else value


def validate(doc: dict) -> tuple[bool, list[dict], dict]:
    """(valid, problems, rows per table) of a document, with xborder's own loader: every problem
    with its table, row (record position from 1) and column."""
    counts = {name: len(rows) for name, rows in doc.items() if isinstance(rows, list)}
    try:
        load_document(doc, "instance.json")
    except InstanceError as err:
        return False, [{"table": i.table, "row": i.row, "column": i.column, "message": i.message} for i in err.issues], counts
    return True, [], counts


def empty_document() -> dict:
    return {"settings": {}, **{name: [] for name, table in TABLES.items() if table.required}}


def apply_edits(doc: dict, table: str, updates=(), inserts=(), deletes=(), settings=None) -> dict:
    """The document with one table's grid edits: `updates` [{"row": r, "values": {column: value}}]
    (a value of None or "" clears the cell), `inserts` [record], `deletes` [row] (rows count from
    1); `settings` {key: value} for the settings block."""
    doc = json.loads(json.dumps(doc))
    if settings:
        for key, value in settings.items():
            if _blank(value):
                doc["settings"].pop(key, None)
            else:
                doc["settings"][key] = value
    if table == "settings" or not (updates or inserts or deletes):
        return doc
    if table not in TABLES:
        raise UploadError(f"unknown table '{table}'")
    rows = doc.setdefault(table, [])
    for change in updates:
        record = rows[_position(change.get("row"), rows)]
        for column, value in (change.get("values") or {}).items():
            if _blank(value):
                record.pop(column, None)
            else:
                record[str(column)] = value
    gone = {_position(row, rows) for row in deletes}
    doc[table] = [record for i, record in enumerate(rows) if i not in gone] + [
        {str(k): v for k, v in record.items() if not _blank(v)} for record in inserts]
    return doc


def _position(row, rows: list) -> int:
    if not isinstance(row, int) or isinstance(row, bool) or not 1 <= row <= len(rows):
        raise UploadError(f"no row {row!r} in the table (rows 1 to {len(rows)})")
    return row - 1


def table_page(doc: dict, table: str, page: int, size: int, sort: str | None = None, descending: bool = False,
               filters: dict | None = None) -> dict:
    """One page of a table for the grid: {"rows": [...], "total": n, "last_page": k}; each row
    carries `_row`, its position from 1, whatever the sort and filter."""
    if table == "settings":
        rows = [{"_row": i + 1, "key": k, "value": v} for i, (k, v) in enumerate(doc.get("settings", {}).items())]
    else:
        rows = [{"_row": i + 1, **r} for i, r in enumerate(doc.get(table, []))]
    for column, text in (filters or {}).items():
        rows = [r for r in rows if str(text).lower() in str(r.get(column, "")).lower()]
    if sort:
        present = [r for r in rows if r.get(sort) is not None]
        missing = [r for r in rows if r.get(sort) is None]
        rows = sorted(present, key=lambda r: (isinstance(r[sort], str), r[sort]), reverse=descending) + missing
    size = max(1, min(size, 1000))
    total = len(rows)
    start = (max(page, 1) - 1) * size
    return {"rows": rows[start:start + size], "total": total, "last_page": max(1, math.ceil(total / size))}


def key_lists(doc: dict) -> dict:
    """The keys a grid's drop-down lists offer: markets, products, channels, warehouses, ..."""
    keys = {}
    for table, column in (("markets", "market"), ("products", "product"), ("channels", "channel"),
                          ("warehouses", "warehouse"), ("regimes", "regime"), ("certifications", "certification"),
                          ("periods", "period"), ("origins", "origin")):
        keys[column] = sorted({str(r[column]) for r in doc.get(table, []) if isinstance(r, dict) and r.get(column) is not None})
    keys["category"] = sorted({str(r.get("category", "general")) for r in doc.get("products", []) if isinstance(r, dict)})
    keys["place"] = [*(keys["origin"] or ["origin"]), *keys["warehouse"], *keys["market"]]
    return keys


def workbook_bytes(doc: dict) -> bytes:
    """The document as a workbook: a settings sheet of key, value rows, a sheet per table in the
    schema's column order."""
    import pandas as pd

    sheets = {"settings": pd.DataFrame(list(doc.get("settings", {}).items()), columns=["key", "value"])}
    for name, table in TABLES.items():
        rows = doc.get(name)
        if rows:
            columns = [c for c in table.column_names if any(c in r for r in rows)]
            columns += sorted({k for r in rows for k in r} - set(columns))
            sheets[name] = pd.DataFrame.from_records(rows, columns=columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "instance.xlsx"
        write_workbook(sheets, path)
        return path.read_bytes()


def schema_document() -> dict:
    """The schema for the grid: tables with their columns (kind, default, range, note, the keys a
    column takes), settings, and the enumerations."""
    from ..data.schema import COLUMN_NOTES, LANE_MODES, REFERENCES_OF, SETTING_NOTES

    def column(table, c):
        return {"name": c.name, "kind": c.kind.value, "required": c.required,
                "default": None if c.required or c.default is None else c.default, "range": c.range.name,
                "note": COLUMN_NOTES.get((table, c.name), ""), "keys": REFERENCES_OF.get((table, c.name)),
                "choices": list(LANE_MODES) if (table, c.name) in (("lanes", "mode"), ("period_freight", "mode")) else
                ([True, False] if c.kind is Kind.BOOL else None)}

    return {
        "tables": [{"name": t.name, "key": list(t.key), "required": t.required,
                    "columns": [column(t.name, c) for c in t.columns]} for t in TABLES.values()],
        "settings": [{"key": s.key, "kind": s.kind.value, "default": s.default, "range": s.range.name,
                      "choices": list(s.choices) or None, "note": SETTING_NOTES.get(s.key, "")} for s in SETTINGS.values()],
    }
