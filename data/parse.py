"""Typing raw tables column by column against the schema, with located error messages."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd

from .errors import IssueLog, did_you_mean
from .read import RawTable
from .schema import SETTINGS, Column, Kind, Range, Table

# Numbers from 1e12 on are rejected: with the model's products of them (reach x conversion x
# price, capacities x binaries) they would pass HiGHS's limit on matrix and cost values (1e15)
# or lose the precision that the 1e-6 tolerances of the checker rest on.
MAX_MAGNITUDE = 1e12
TOO_LARGE = "expected a number below 1e12 in size (larger values lose the solver's precision), got {value}"

TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no"}


def _is_blank(value, strict: bool = True) -> bool:
    """None or empty text is blank. NaN is blank in a spreadsheet cell, but an explicit NaN in
    JSON is a bad number, reported as such."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return not strict
    return isinstance(value, str) and value.strip() == ""


def _show(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def parse_table(raw: RawTable, table: Table, log: IssueLog) -> pd.DataFrame:
    """Return a typed frame with every schema column (defaults applied) and a `_row` column."""
    frame = raw.frame
    for name in frame.columns:
        if name not in table.column_names:
            log.error(raw.file, table.name, f"unknown column '{name}'{did_you_mean(name, table.column_names)} "
                                            f"(allowed: {', '.join(table.column_names)})", column=name)
    no_rows = len(raw.rows) == 0 and not len(frame.columns)  # e.g. "duties": [] (an empty frame written as JSON)
    out = {}
    for column in table.columns:
        if column.name not in frame.columns:
            if column.required and not no_rows:
                log.error(raw.file, table.name, "required column is missing", column=column.name)
            out[column.name] = default_series(column, len(frame))  # so that the other checks still run
            continue
        out[column.name] = _parse_column(raw, table, column, frame[column.name], log)
    typed = pd.DataFrame(out, index=range(len(frame)))
    typed["_row"] = raw.rows
    if table.name == "lanes":
        named = typed[["from", "to", "mode"]].notna().all(axis=1)
        blank = typed["lane"].isna() & named
        typed.loc[blank, "lane"] = typed["from"] + "-" + typed["to"] + "-" + typed["mode"]
    return typed


def default_series(column: Column, n: int) -> pd.Series:
    """The column as it reads when absent: its default, or blank for a required column (whose
    absence is an error of its own)."""
    default = None if column.required else column.default
    if column.kind is Kind.NUMBER:
        return pd.Series(np.full(n, np.nan if default is None else default, dtype=float))
    if column.kind is Kind.BOOL:
        return pd.Series(np.zeros(n, dtype=bool))
    return pd.Series([default] * n, dtype=object)


def _parse_column(raw: RawTable, table: Table, column: Column, values: pd.Series, log: IssueLog) -> pd.Series:
    if column.kind is Kind.NUMBER:
        return _parse_numbers(raw, table, column, values, log)
    parsed = []
    for row, value in zip(raw.rows, values.tolist()):
        if _is_blank(value, raw.strict_types):
            if column.required:
                log.error(raw.file, table.name, "a value is required", row, column.name)
            parsed.append(column.default if not column.required else None)
            continue
        ok, result = PARSERS[column.kind](value, raw.strict_types)
        if not ok:
            log.error(raw.file, table.name, f"expected {result}, got {_show(value)}", row, column.name)
            parsed.append(None)
            continue
        if column.kind in (Kind.NUMBER, Kind.INTEGER) and not column.range.contains(np.float64(result)):
            log.error(raw.file, table.name, f"expected {column.range.value}, got {_show(value)}", row, column.name)
        parsed.append(result)
    if column.kind is Kind.NUMBER:
        return pd.Series([np.nan if v is None else float(v) for v in parsed], dtype=float)
    if column.kind is Kind.BOOL:
        return pd.Series([bool(v) for v in parsed], dtype=bool)
    return pd.Series(parsed, dtype=object)


PERCENT_RANGES = (Range.UNIT, Range.UNIT_OPEN_RIGHT, Range.UNIT_OPEN_LEFT)  # rates and shares: "15%" reads as 0.15
DATE_TYPES = (datetime.date, datetime.time)  # datetime.datetime and pandas' Timestamp are dates too


def _parse_numbers(raw: RawTable, table: Table, column: Column, values: pd.Series, log: IssueLog) -> pd.Series:
    """Vectorised NUMBER column: one pandas conversion; only bad cells go through the scalar parser
    (for their message). In a rate or share column a spreadsheet cell "15%" is 0.15."""
    types = values.map(type)
    text = types == str
    stripped = values.where(text, "x").str.strip()
    blank = values.isna() if not raw.strict_types else values.map(lambda v: v is None).astype(bool)
    blank |= text & stripped.eq("")
    dates = values.map(lambda v: isinstance(v, DATE_TYPES)).astype(bool)
    percent = text & stripped.str.endswith("%") & (column.range in PERCENT_RANGES) & (not raw.strict_types)
    numbers = pd.to_numeric(values.where(~blank & (types != bool) & ~dates & ~percent), errors="coerce").astype(float)
    if percent.any():
        numbers[percent] = pd.to_numeric(stripped[percent].str[:-1], errors="coerce") / 100.0
    bad = ~blank & ((types == bool) | dates | ~np.isfinite(numbers.to_numpy()) | (text & raw.strict_types))
    rows = np.asarray(raw.rows)
    for i in np.flatnonzero(bad.to_numpy()):
        log.error(raw.file, table.name, _bad_number(values.iat[i], column, raw.strict_types), int(rows[i]), column.name)
    if column.required:
        for i in np.flatnonzero(blank.to_numpy()):
            log.error(raw.file, table.name, "a value is required", int(rows[i]), column.name)
    ok = ~blank & ~bad
    out_of_range = ok.to_numpy() & ~column.range.contains(numbers.fillna(0).to_numpy())
    for i in np.flatnonzero(out_of_range):
        log.error(raw.file, table.name, f"expected {column.range.value}, got {_show(values.iat[i])}", int(rows[i]), column.name)
    too_large = ok.to_numpy() & ~out_of_range & (np.abs(numbers.fillna(0).to_numpy()) >= MAX_MAGNITUDE)
    for i in np.flatnonzero(too_large):
        log.error(raw.file, table.name, TOO_LARGE.format(value=_show(values.iat[i])), int(rows[i]), column.name)
    default = np.nan if column.default is None or column.required else float(column.default)
    return pd.Series(np.where(blank.to_numpy(), default, numbers.to_numpy()), dtype=float)


def _percent_text(value: str):
    """'15%' as 0.15 (a spreadsheet's percentage in a rate or share); other text as it is."""
    try:
        return float(value.strip()[:-1]) / 100.0
    except ValueError:
        return value


def _bad_number(value, column: Column, strict: bool) -> str:
    """The message for a cell that is not a number: a date Excel made of it, a percentage where
    it is not read as one, or what was expected."""
    if isinstance(value, DATE_TYPES):
        return (f"expected a number, got the date {value} (Excel turned the number into a date: format the column "
                "as Number and type the value again)")
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = float(value.strip()[:-1]) / 100.0
        except ValueError:
            share = None
        if share is not None and column.range in PERCENT_RANGES:
            return f"expected a number, got {_show(value)} (write {share:g} for {value.strip()})"
        if share is not None:
            return f"expected {column.range.value}, got {_show(value)} (a percentage is read only in rate and share columns)"
    _, expected = _parse_number(value, strict)
    return f"expected {expected}, got {_show(value)}"


def _parse_number(value, strict):
    if isinstance(value, bool) or (strict and isinstance(value, str)):
        return False, "a number"
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return False, "a number"
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return False, "a number"
    if not math.isfinite(value):
        return False, "a finite number"
    return True, float(value)


def _parse_integer(value, strict):
    ok, number = _parse_number(value, strict)
    if not ok or number != int(number):
        return False, "a whole number"
    return True, int(number)


def _parse_bool(value, strict):
    if isinstance(value, (bool, np.bool_)):
        return True, bool(value)
    if strict:
        return False, "true or false"
    if isinstance(value, (int, float)) and value in (0, 1):
        return True, bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True, True
        if word in FALSE_WORDS:
            return True, False
    return False, "true/false, 1/0 or yes/no"


def _parse_id(value, strict):
    if isinstance(value, (bool, np.bool_)):
        return False, "an id (text)"
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        return True, str(int(value))
    if isinstance(value, str):
        return True, value.strip()
    return False, "an id (text)"


def _parse_text(value, strict):
    if isinstance(value, float) and value.is_integer():
        return True, str(int(value))
    return True, str(value).strip()


PARSERS = {
    Kind.NUMBER: _parse_number,
    Kind.INTEGER: _parse_integer,
    Kind.BOOL: _parse_bool,
    Kind.ID: _parse_id,
    Kind.TEXT: _parse_text,
}


def parse_settings(raw: dict, file: str, strict: bool, default_name: str, log: IssueLog) -> dict:
    """Typed settings with defaults; unknown keys and bad values are errors naming the key."""
    settings = {}
    for key, value in raw.items():
        if key not in SETTINGS:
            log.error(file, "settings", f"unknown setting '{key}'{did_you_mean(str(key), SETTINGS)} "
                                        f"(allowed: {', '.join(SETTINGS)})", column=key)
    for key, spec in SETTINGS.items():
        value = raw.get(key)
        if _is_blank(value, strict):
            settings[key] = spec.default
            continue
        if not strict and spec.range in PERCENT_RANGES and isinstance(value, str) and value.strip().endswith("%"):
            value = _percent_text(value)
        ok, result = PARSERS[spec.kind](value, strict)
        if ok and spec.kind in (Kind.NUMBER, Kind.INTEGER) and not spec.range.contains(np.float64(result)):
            ok, result = False, spec.range.value
        if ok and spec.kind in (Kind.NUMBER, Kind.INTEGER) and abs(result) >= MAX_MAGNITUDE:
            log.error(file, "settings", TOO_LARGE.format(value=_show(value)), column=key)
            settings[key] = spec.default
            continue
        if ok and spec.choices and result not in spec.choices:
            ok, result = False, " or ".join(spec.choices)
        if not ok:
            log.error(file, "settings", f"expected {result}, got {_show(value)}", column=key)
            settings[key] = spec.default  # so that the table checks still run
            continue
        settings[key] = result
    if settings.get("name") is None:
        settings["name"] = default_name
    return settings


__all__ = ["parse_table", "parse_settings", "Range"]
