"""Errors and warnings that name the file, table, row and column they are about."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem found in an instance. `row` is 1-based as the source counts rows (see docs)."""

    file: str
    table: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.table == "-":  # about the file as a whole
            return f"{self.file}: {self.message}"
        where = [f"table '{self.table}'"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{self.file}: {', '.join(where)}: {self.message}"


class InstanceError(Exception):
    """The instance cannot be used; carries every issue found, not only the first."""

    subject = "the instance"  # what the issues are about, for "<subject> has N problem(s)"

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class IssueLog:
    """Collects issues during a load and raises them together at a checkpoint."""

    def __init__(self, limit: int = 200):
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.limit = limit

    def error(self, file, table, message, row=None, column=None):
        if len(self.errors) < self.limit:
            self.errors.append(Issue(file, table, message, row, column))

    def warn(self, file, table, message, row=None, column=None):
        self.warnings.append(Issue(file, table, message, row, column))

    def raise_if_errors(self):
        if self.errors:
            raise InstanceError(self.errors)


def _normal(name: str) -> str:
    return "".join(name.lower().split()).replace("-", "").replace("_", "")


def did_you_mean(name: str, allowed) -> str:
    """' (did you mean 'x'?)' when `name` is `x` up to case, spaces or a small typo, else ''."""
    allowed = list(allowed)
    same = [a for a in allowed if _normal(a) == _normal(name)]
    close = same or difflib.get_close_matches(name.strip().lower(), allowed, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def shown(items, limit: int = 10) -> str:
    """A list for a message: every item, or the first `limit` and how many more ("a, b, ... (+3 more)")."""
    items = [str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... (+{len(items) - limit} more)"


def key_hint(name: str, known, limit: int = 12) -> str:
    """For a key that is not found: the nearest known key, else the known keys (or the first of them)."""
    known = [str(k) for k in known]
    close = did_you_mean(name, known)
    if close:
        return close
    return f" (keys: {shown(known, limit)})" if known else " (the table has no rows)"
