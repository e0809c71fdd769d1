"""Scenario files: named sets of overrides of a base instance (docs/decision-support.md, "Scenario files").

A scenario file is a table with the columns scenario, table, action, column, value, where (and,
for stochastic studies, probability); a scenario is every row with the same name. It is read from
a CSV file, a `scenarios` sheet of a workbook (the instance's own workbook may carry it) or a
JSON list of row objects. Every row is checked against the instance's schema before anything is
solved (`read_scenarios`), and `apply_scenario` turns the base instance and one scenario into a
new, fully validated `Instance`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InstanceError, Issue, did_you_mean, shown
from .instance import Instance, ScenarioOrigin, load_document
from .parse import PARSERS
from .read import read_csv_table, parse_json
from .schema import SETTINGS, TABLES, Kind
from .write import instance_tables, non_default_settings

ACTIONS = ("set", "scale", "add", "exclude", "include")
FILE_COLUMNS = ("scenario", "table", "action", "column", "value", "where", "probability")
REQUIRED_COLUMNS = ("scenario", "table", "action")
BASE = "base"
SHEET = "scenarios"


@dataclass
class Override:
    """One row of a scenario file, typed and checked against the schema."""

    scenario: str
    table: str  # an instance table, or "settings"
    action: str
    column: str | None
    value: object  # typed for set/scale/add; a record (dict) for include; None for exclude
    where: dict[str, list] = field(default_factory=dict)  # column -> accepted typed values
    row: int = 0  # as the source counts rows
    file: str = ""
    probability: float | None = None

    @property
    def place(self) -> str:
        return f"{self.file}: row {self.row}"


@dataclass
class Sweep:
    """The point of a swept parameter a scenario stands for (`value` FROM:TO:STEP)."""

    label: str  # what is swept: "lanes.cost_per_unit scale where mode=sea_freight"
    value: float


@dataclass
class Scenario:
    name: str
    overrides: list[Override]
    source: str = ""  # the scenario file, as its path was given
    sweep: Sweep | None = None

    @property
    def probability(self) -> float | None:
        return self.overrides[0].probability if self.overrides else None


class ScenarioError(InstanceError):
    """A scenario file that cannot be used; every issue names the file, row and column."""

    subject = "the scenario file"


# ---- reading ------------------------------------------------------------------------------------


def _rows_of(path: Path) -> tuple[list[dict], list[int], str]:
    """The scenario file's rows as dicts of raw cells, their row numbers, and the file's name."""
    if not path.exists():
        raise ScenarioError([Issue(str(path), "-", "no such file")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = read_csv_table(path)
        return _records(frame), list(range(2, len(frame) + 2)), path.name
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name=SHEET, dtype=object, engine="openpyxl")
        except ValueError:
            raise ScenarioError([Issue(path.name, SHEET, f"the workbook has no '{SHEET}' sheet")]) from None
        except Exception as err:  # openpyxl raises many kinds for a bad file
            raise ScenarioError([Issue(path.name, "-", f"cannot read the file: {err}")]) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return _records(frame), list(range(2, len(frame) + 2)), path.name
    if suffix == ".json":
        doc = parse_json(path, "the scenario file")
        if isinstance(doc, dict) and SHEET in doc:
            doc = doc[SHEET]
        if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
            raise ScenarioError([Issue(path.name, SHEET, "a JSON scenario file must be a list of row objects "
                                                         "(or an object with a 'scenarios' list)")])
        return [dict(r) for r in doc], list(range(1, len(doc) + 1)), path.name
    raise ScenarioError([Issue(str(path), "-", "unknown scenario file format: expected .csv, .xlsx or .json")])


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if (isinstance(v, float) and math.isnan(v)) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and math.isnan(value))


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Reader:
    """Checks one file's rows against the instance; collects every issue before raising."""

    def __init__(self, instance: Instance, file: str):
        self.instance, self.file = instance, file
        self.issues: list[Issue] = []

    def error(self, row: int, column: str | None, message: str):
        self.issues.append(Issue(self.file, SHEET, message, row, column))

    def read(self, records: list[dict], rows: list[int]) -> list[Override]:
        if not records:
            self.error(None, None, "the scenario file has no rows")
        columns = list(dict.fromkeys(k for r in records for k in r))
        for column in columns:
            if column not in FILE_COLUMNS:
                self.error(None, column, f"unknown column '{column}'{did_you_mean(str(column), FILE_COLUMNS)} "
                                         f"(allowed: {', '.join(FILE_COLUMNS)})")
        for column in REQUIRED_COLUMNS:
            if records and column not in columns:
                self.error(None, column, "required column is missing")
        if self.issues:
            raise ScenarioError(self.issues)
        overrides = [o for o in (self.override(r, row) for r, row in zip(records, rows)) if o is not None]
        self.check_probabilities(overrides)
        if self.issues:
            raise ScenarioError(self.issues)
        return overrides

    def override(self, record: dict, row: int) -> Override | None:
        name = None if _blank(record.get("scenario")) else _text(record["scenario"])
        if name is None:
            self.error(row, "scenario", "blank scenario name")
            return None
        if name == BASE:
            self.error(row, "scenario", f"'{BASE}' is reserved for the unchanged instance; choose another name")
            return None
        if any(ch in name for ch in '/\\:*?"<>|') or name.startswith("."):
            self.error(row, "scenario", f"'{name}' cannot name a folder; use letters, digits, spaces, '-', '_' and '.'")
            return None
        table = "" if _blank(record.get("table")) else _text(record["table"])
        action = "" if _blank(record.get("action")) else _text(record["action"]).lower()
        if action not in ACTIONS:
            self.error(row, "action", f"unknown action '{action}'{did_you_mean(action, ACTIONS)} (allowed: {', '.join(ACTIONS)})")
            return None
        override = Override(name, table, action, None, None, row=row, file=self.file,
                            probability=self.probability(record, row))
        if table == "settings":
            return self.settings_override(override, record)
        if table not in TABLES:
            self.error(row, "table", f"unknown table '{table}'{did_you_mean(table, ['settings', *TABLES])} "
                                     f"(allowed: settings, {', '.join(TABLES)})")
            return None
        override.where = self.where(table, record.get("where"), row)
        if action in ("set", "scale", "add"):
            override.column, override.value = self.column_value(table, action, record, row)
        elif action == "include":
            override.value = self.include(table, record.get("value"), row)
            if not _blank(record.get("where")):
                self.error(row, "where", "include adds a row: leave where empty")
        elif not _blank(record.get("column")) or not _blank(record.get("value")):
            self.error(row, "column", "exclude drops the rows that match where: leave column and value empty")
        if self.issues:
            return None
        if action != "include":
            self.check_matches(override)
        return override

    def probability(self, record: dict, row: int) -> float | None:
        value = record.get("probability")
        if _blank(value):
            return None
        ok, number = PARSERS[Kind.NUMBER](value, False)
        if not ok or not 0 <= number <= 1:
            self.error(row, "probability", f"expected a number in [0, 1], got {value!r}")
            return None
        return number

    def settings_override(self, override: Override, record: dict) -> Override | None:
        row = override.row
        if override.action not in ("set", "scale", "add"):
            self.error(row, "action", f"settings take set, scale or add, not {override.action}")
            return None
        if not _blank(record.get("where")):
            self.error(row, "where", "settings have no rows to filter: leave where empty")
        key = "" if _blank(record.get("column")) else _text(record["column"])
        if key not in SETTINGS:
            self.error(row, "column", f"unknown setting '{key}'{did_you_mean(key, SETTINGS)} (allowed: {', '.join(SETTINGS)})")
            return None
        kind = SETTINGS[key].kind
        override.column = key
        override.value = self.typed(kind, override.action, record.get("value"), row, f"setting {key}")
        return None if self.issues else override

    def column_value(self, table: str, action: str, record: dict, row: int):
        schema = TABLES[table]
        column = "" if _blank(record.get("column")) else _text(record["column"])
        if column not in schema.column_names:
            self.error(row, "column", f"table {table} has no column '{column}'{did_you_mean(column, schema.column_names)} "
                                      f"(columns: {', '.join(schema.column_names)})")
            return column, None
        if column in schema.key:
            self.error(row, "column", f"'{column}' is part of the key of {table}; exclude the row and include a new one")
            return column, None
        return column, self.typed(schema.column(column).kind, action, record.get("value"), row, f"{table}.{column}")

    def typed(self, kind: Kind, action: str, value, row: int, what: str):
        """The value for set (any kind; blank clears it), scale and add (numbers only)."""
        if action in ("scale", "add"):
            if kind not in (Kind.NUMBER, Kind.INTEGER):
                self.error(row, "value", f"{action} needs a numeric column; {what} is {kind.value}")
                return None
            kind = Kind.NUMBER
        elif _blank(value):
            return None
        if _blank(value):
            self.error(row, "value", f"{action} needs a number")
            return None
        ok, result = PARSERS[kind](value, False)
        if not ok:
            self.error(row, "value", f"{what} expects {result}, got {value!r}")
            return None
        return result

    def pairs(self, text, row: int, column: str) -> list[tuple[str, str]]:
        """'col=val;col=val' as (column, value text) pairs."""
        pairs = []
        for part in _text(text).split(";"):
            if not part.strip():
                continue
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep or not key:
                self.error(row, column, f"expected col=value;col=value, got '{part.strip()}'")
                continue
            pairs.append((key, value))
        return pairs

    def where(self, table: str, text, row: int) -> dict[str, list]:
        if _blank(text):
            return {}
        schema = TABLES[table]
        where = {}
        for key, values in self.pairs(text, row, "where"):
            if key not in schema.column_names:
                self.error(row, "where", f"table {table} has no column '{key}'{did_you_mean(key, schema.column_names)}")
                continue
            kind = schema.column(key).kind
            typed = []
            for value in values.split("|"):
                ok, result = PARSERS[kind](value.strip(), False)
                if not ok:
                    self.error(row, "where", f"{table}.{key} expects {result}, got '{value.strip()}'")
                typed.append(result)
            where[key] = typed
        return where

    def include(self, table: str, text, row: int) -> dict | None:
        if _blank(text):
            self.error(row, "value", "include needs the new row in value as col=value;col=value")
            return None
        schema = TABLES[table]
        record = {}
        for key, value in self.pairs(text, row, "value"):
            if key not in schema.column_names:
                self.error(row, "value", f"table {table} has no column '{key}'{did_you_mean(key, schema.column_names)}")
                continue
            ok, result = PARSERS[schema.column(key).kind](value, False)
            if not ok:
                self.error(row, "value", f"{table}.{key} expects {result}, got '{value}'")
                continue
            record[key] = result
        missing = [k for k in schema.key if k in schema.column_names and k not in record and schema.column(k).required]
        if missing:
            self.error(row, "value", f"the new row of {table} needs its key column(s) {', '.join(missing)}")
        return record

    def check_matches(self, override: Override):
        """A where that matches no row of the base instance is a typo, not a change."""
        if not override.where:
            return
        frame = self.instance.table(override.table)
        if not _mask(frame, override.where).any():
            asked = "; ".join(f"{k}={'|'.join(map(str, v))}" for k, v in override.where.items())
            hints = [f"{k} values: {shown(frame[k].dropna().unique(), 8)}" for k in override.where]
            self.error(override.row, "where", f"'{asked}' matches no row of {override.table} ({'; '.join(hints)})")

    def check_probabilities(self, overrides: list[Override]):
        by_name: dict[str, set] = {}
        for o in overrides:
            by_name.setdefault(o.scenario, set()).add(o.probability)
        for name, values in by_name.items():
            if len(values) > 1:
                row = next(o.row for o in overrides if o.scenario == name)
                self.error(row, "probability", f"scenario '{name}' has different probabilities on its rows; give one")


def read_scenarios(path: str | Path, instance: Instance) -> list[Scenario]:
    """The scenarios of a file, in file order, every row checked against `instance`; a sweep row
    becomes one scenario per point (`expand_sweeps`)."""
    path = Path(path)
    records, rows, file = _rows_of(path)
    records, rows, sweeps = expand_sweeps(records, rows, file)
    overrides = _Reader(instance, file).read(records, rows)
    names = list(dict.fromkeys(o.scenario for o in overrides))
    return [Scenario(name, [o for o in overrides if o.scenario == name], str(path), sweeps.get(name)) for name in names]


SWEEP = re.compile(r"^\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*:\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*:\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$")
MAX_POINTS = 1000


def sweep_points(text: str) -> list[float] | str:
    """FROM:TO:STEP as its points, FROM, FROM + STEP, ... up to TO (included when the steps reach
    it within rounding); or why the text is not a sweep."""
    start, stop, step = (float(x) for x in SWEEP.match(text).groups())
    if step <= 0:
        return "the step of FROM:TO:STEP must be positive"
    if stop < start:
        return "TO must not be below FROM in FROM:TO:STEP"
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_POINTS:
        return f"{count:,} points; a sweep has at most {MAX_POINTS:,}"
    decimals = max(len(p.partition(".")[2]) for p in SWEEP.match(text).groups())
    return [round(start + i * step, decimals + 6) for i in range(count)]


def expand_sweeps(records: list[dict], rows: list[int], file: str) -> tuple[list[dict], list[int], dict]:
    """A row whose value is FROM:TO:STEP (set, scale or add) stands for one scenario per point,
    named `<scenario>@<value>`; the scenario's other rows apply at every point. One sweep per
    scenario; sweeps give no probabilities (each point is a what-if, not an outcome)."""
    swept = {}
    issues = []
    for record, row in zip(records, rows):
        value = record.get("value")
        if not isinstance(value, str) or not SWEEP.match(value):
            continue
        name = _text(record.get("scenario") or "")
        points = sweep_points(value)
        if isinstance(points, str):
            issues.append(Issue(file, SHEET, points, row, "value"))
        elif name in swept:
            issues.append(Issue(file, SHEET, f"scenario '{name}' already sweeps a value (one sweep per scenario)", row, "value"))
        elif not _blank(record.get("probability")):
            issues.append(Issue(file, SHEET, "a sweep gives one scenario per point: leave probability empty", row, "probability"))
        else:
            swept[name] = (record, points)
    if issues:
        raise ScenarioError(issues)
    out_records, out_rows, sweeps = [], [], {}
    for record, row in zip(records, rows):
        name = _text(record.get("scenario") or "")
        if name not in swept:
            out_records.append(record)
            out_rows.append(row)
            continue
        sweep_row, points = swept[name]
        for point in points:
            point_name = f"{name}@{point:g}"
            copy = {**record, "scenario": point_name}
            if record is sweep_row:
                copy["value"] = point
            out_records.append(copy)
            out_rows.append(row)
            sweeps[point_name] = Sweep(_sweep_label(sweep_row), point)
    order = {r: i for i, r in enumerate(dict.fromkeys(_text(x.get("scenario") or "") for x in out_records))}
    ranked = sorted(range(len(out_records)), key=lambda i: (order[_text(out_records[i].get("scenario") or "")], i))
    return [out_records[i] for i in ranked], [out_rows[i] for i in ranked], sweeps


def _sweep_label(record: dict) -> str:
    where = "" if _blank(record.get("where")) else f" where {_text(record['where'])}"
    return f"{_text(record.get('table') or '')}.{_text(record.get('column') or '')} {_text(record.get('action') or '')}{where}"


# ---- applying ------------------------------------------------------------------------------------


def _mask(frame: pd.DataFrame, where: dict[str, list]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for column, values in where.items():
        mask &= frame[column].isin(values).to_numpy()
    return mask


def _change(current, action: str, value):
    if action == "set":
        return value
    if current is None or (isinstance(current, float) and math.isnan(current)):
        return current  # a blank stays blank: scaling "no budget" is still no budget
    return current * value if action == "scale" else current + value


def _apply_one(settings: dict, tables: dict[str, pd.DataFrame], o: Override):
    if o.table == "settings":
        settings[o.column] = _change(settings.get(o.column), o.action, o.value)
        return
    frame = tables[o.table]
    if o.action == "include":
        tables[o.table] = pd.concat([frame, pd.DataFrame([o.value])], ignore_index=True)
        return
    mask = _mask(frame, o.where)
    if o.action == "exclude":
        tables[o.table] = frame[~mask].reset_index(drop=True)
        return
    column = frame[o.column].astype(object)
    column[mask] = [_change(v, o.action, o.value) for v in column[mask]]
    frame = frame.copy()
    frame[o.column] = column
    tables[o.table] = frame


def scenario_document(instance: Instance, scenario: Scenario) -> dict:
    """The base instance with the scenario's overrides applied, in order, as a JSON-shaped
    document (the format `xborder convert` writes)."""
    settings = dict(instance.settings)
    tables = {name: instance.table(name).copy() for name in instance.tables}
    for o in scenario.overrides:
        _apply_one(settings, tables, o)
    if not any(o.table == "settings" and o.column == "name" for o in scenario.overrides):
        settings["name"] = f"{instance.name}-{scenario.name}"
    return {"settings": {k: v for k, v in non_default_settings(settings).items()}, **instance_tables(tables)}


def apply_scenarios(instance: Instance, scenarios: list[Scenario]) -> list[Instance]:
    """Every scenario applied (`apply_scenario`); the problems of all of them are raised together."""
    applied, issues = [], []
    for scenario in scenarios:
        try:
            applied.append(apply_scenario(instance, scenario))
        except ScenarioError as err:
            issues += err.issues
    if issues:
        raise ScenarioError(issues)
    return applied


def apply_scenario(instance: Instance, scenario: Scenario) -> Instance:
    """The edited instance, validated like any loaded one; a change that makes it invalid raises
    `ScenarioError` naming the scenario's rows and the instance issue, as does a change to the
    conversion or viral of a channel whose funnels row gives them (it would change nothing)."""
    _refuse_funnel_rates(instance, scenario)
    doc = scenario_document(instance, scenario)
    try:
        edited = load_document(doc, instance.source)
    except InstanceError as err:
        rows = ", ".join(str(o.row) for o in scenario.overrides)
        file = scenario.overrides[0].file if scenario.overrides else ""
        issues = [Issue(file, SHEET, f"scenario '{scenario.name}' (rows {rows}) makes the instance invalid: "
                                     f"table '{i.table}'" + (f", column '{i.column}'" if i.column else "") + f": {i.message}",
                        _row_touching(scenario, i), i.column)
                  for i in err.issues]
        raise ScenarioError(issues) from None
    edited.source = instance.source
    edited.scenario = ScenarioOrigin(instance.name, scenario.name, scenario.source)
    return edited


def _refuse_funnel_rates(instance: Instance, scenario: Scenario):
    """ScenarioError for each row that sets, scales or adds to market_channels.conversion or
    viral where a funnels row gives them (docs/model.md, "Funnels": change its stages instead)."""
    funnels = instance.table("funnels")
    if funnels.empty:
        return
    channels = instance.table("market_channels")
    staged = set(zip(funnels["market"], funnels["channel"]))
    issues = []
    for o in scenario.overrides:
        if o.table != "market_channels" or o.column not in ("conversion", "viral"):
            continue
        hit = channels[_mask(channels, o.where)]
        keys = [f"{m}/{c}" for m, c in zip(hit["market"], hit["channel"]) if (m, c) in staged]
        if keys:
            issues.append(Issue(o.file, SHEET, f"scenario '{scenario.name}': the {o.column} of {', '.join(keys)} comes "
                                               "from its funnels row; change the funnel's stages instead", o.row, "column"))
    if issues:
        raise ScenarioError(issues)


def _row_touching(scenario: Scenario, issue: Issue) -> int | None:
    """The scenario row that edits the issue's table and column, if one does."""
    for o in reversed(scenario.overrides):
        if o.table == issue.table and (issue.column is None or o.column in (None, issue.column)):
            return o.row
    return scenario.overrides[-1].row if scenario.overrides else None


# ---- scenarios as uncertainty (stochastic studies) ----------------------------------------------------


def _numeric(table: str, column: str) -> bool:
    kind = SETTINGS[column].kind if table == "settings" else TABLES[table].column(column).kind
    return kind in (Kind.NUMBER, Kind.INTEGER)


def check_uncertainty(scenarios: list[Scenario]):
    """Scenarios of an uncertainty set: each has a probability, they add up to 1, and only numeric
    parameters change (set, scale or add on a number; no exclude, include, id, flag or text).
    Raises ScenarioError naming every offending row."""
    issues = []
    for s in scenarios:
        for o in s.overrides:
            if o.probability is None:
                issues.append(Issue(o.file, SHEET, f"scenario '{s.name}' needs a probability", o.row, "probability"))
            if o.action in ("exclude", "include"):
                issues.append(Issue(o.file, SHEET, f"{o.action} changes the structure; an uncertainty scenario may "
                                                   "only change numbers (set, scale, add)", o.row, "action"))
            elif not _numeric(o.table, o.column):
                issues.append(Issue(o.file, SHEET, f"{o.table}.{o.column} is not a number; an uncertainty scenario "
                                                   "may only change numbers", o.row, "column"))
            elif o.action == "set" and o.value is None:
                issues.append(Issue(o.file, SHEET, "clearing a value changes the structure; give a number",
                                    o.row, "value"))
    total = sum(s.probability or 0.0 for s in scenarios)
    if scenarios and not issues and abs(total - 1.0) > 1e-6:
        first = scenarios[0].overrides[0]
        issues.append(Issue(first.file, SHEET, f"the probabilities add up to {total:.6g}, not 1", None, "probability"))
    if issues:
        raise ScenarioError(issues)


def mean_document(documents: list[dict], probabilities: list[float]) -> dict:
    """The expected-value instance: every number is the probability-weighted mean of its
    scenario values (the documents differ in numbers only, record by record)."""
    mean = {"settings": dict(documents[0]["settings"])}
    for key, value in mean["settings"].items():
        values = [d["settings"].get(key) for d in documents]
        if _differ(values):
            mean["settings"][key] = float(sum(p * v for p, v in zip(probabilities, values)))
    for table in documents[0]:
        if table == "settings":
            continue
        records = []
        for i, record in enumerate(documents[0][table]):
            averaged = dict(record)
            for key, value in record.items():
                values = [d[table][i].get(key) for d in documents]
                if _differ(values):
                    averaged[key] = float(sum(p * v for p, v in zip(probabilities, values)))
            records.append(averaged)
        mean[table] = records
    return mean


def _differ(values: list) -> bool:
    """Numbers that are not all the same (the only cells the mean changes)."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return numbers and len(set(values)) > 1
