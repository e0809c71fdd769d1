"""The validated, typed instance: settings, tables and (derived once, on demand) the network."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Issue, IssueLog, did_you_mean
from .network import Network, build_network
from .parse import default_series, parse_settings, parse_table
from .read import RawInstance, raw_from_document, read_raw
from .schema import TABLES
from .validate import Checker, run_network_checks, run_table_checks


@dataclass(frozen=True)
class ScenarioOrigin:
    """An instance made by applying a scenario (data/scenarios.py): the base instance's name,
    and the scenario's name and file (the path as it was given)."""

    base: str
    name: str
    file: str


@dataclass
class Instance:
    name: str
    source: str  # the file or folder it was read from (for a scenario: the base instance's)
    settings: dict
    tables: dict[str, pd.DataFrame]
    files: dict[str, str] = field(default_factory=dict)
    warnings: list[Issue] = field(default_factory=list)
    derive_seconds: float = 0.0
    scenario: ScenarioOrigin | None = None

    @cached_property
    def network(self) -> Network:
        start = time.perf_counter()
        network = build_network(self.tables, self.settings)
        self.derive_seconds = time.perf_counter() - start
        return network

    @property
    def objective(self) -> str:
        return self.settings["objective"]

    @property
    def seasonal(self) -> bool:
        """A `periods` table puts the plan on a calendar (models/axis.py)."""
        return len(self.tables["periods"]) > 0

    def table(self, name: str) -> pd.DataFrame:
        """A table without the bookkeeping `_row` column."""
        return self.tables[name].drop(columns="_row")


def load_instance(path: str | Path) -> Instance:
    """Read, type and validate an instance in any of the three formats.

    Raises `InstanceError` with every located issue found at the first stage that failed.
    """
    return instance_from_raw(read_raw(path))


def load_document(doc: dict, source: str | Path) -> Instance:
    """An instance from an in-memory JSON-shaped document (e.g. a converted benchmark file)."""
    return instance_from_raw(raw_from_document(doc, Path(source)))


def instance_from_raw(raw: RawInstance) -> Instance:
    """Type every table and the settings, then run the table checks (keys, references, lanes,
    periods) on what could be typed, and raise every problem of both stages together. The
    network checks (what lanes can serve within their promises) need valid tables, so their
    problems come once the tables are valid."""
    log = IssueLog()
    tables, files = _typed_tables(raw, log)
    settings = parse_settings(raw.settings, raw.settings_file, raw.settings_strict, _default_name(raw.source), log)
    checker = Checker(tables, files, log)
    run_table_checks(checker, settings["objective"], settings)
    log.raise_if_errors()
    instance = Instance(settings["name"], str(raw.source), settings, tables, files)
    run_network_checks(checker, instance.network)
    log.raise_if_errors()
    instance.warnings = log.warnings
    return instance


def _default_name(source: Path) -> str:
    return source.name if source.is_dir() else source.stem


SCENARIO_TABLE = "scenarios"  # an instance may carry its scenario table (data/scenarios.py); loading skips it


def _typed_tables(raw: RawInstance, log: IssueLog) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    files = {}
    for name, table in raw.tables.items():
        files[name] = table.file
        if name not in TABLES and name != SCENARIO_TABLE:
            log.error(table.file, name, f"unknown table '{name}'{did_you_mean(name, ['settings', *TABLES])} "
                                        f"(allowed: settings, {', '.join(TABLES)})")
    tables = {}
    for name, schema in TABLES.items():
        table = raw.tables.get(name)
        if table is None:
            if schema.required:
                log.error(str(raw.source.name), name, "required table is missing")
            tables[name] = _empty(schema)
            continue
        if len(table.frame) == 0 and schema.required:
            log.error(table.file, name, "table is empty: at least one row is required")
        typed = parse_table(table, schema, log)
        if name == "markets":
            typed["mitigated_loss_rate"] = typed["mitigated_loss_rate"].fillna(typed["payment_loss_rate"])
        tables[name] = typed
    return tables, files


def _empty(schema) -> pd.DataFrame:
    frame = pd.DataFrame({c.name: default_series(c, 0) for c in schema.columns})
    frame["_row"] = np.zeros(0, dtype=int)
    return frame
