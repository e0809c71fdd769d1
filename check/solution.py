"""Reading a solution document (`xborder check`): strictly, naming the place of every problem."""

from __future__ import annotations

import math


class SolutionError(ValueError):
    """A solution document that cannot be checked as it stands (its message says where)."""


def as_number(value) -> float:
    """A plan quantity: a finite JSON number (not a boolean, not text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SolutionError(f"expected a finite number, got {value!r}")
    return float(value)


# ---- reading a solution file (`xborder check`) ----------------------------------------------------

PLAN_STATUSES = ("optimal", "time_limit", "feasible", "interrupted")
STATUSES = (*PLAN_STATUSES, "infeasible", "unbounded", "infeasible_or_unbounded", "error")
DOCUMENT_FIELDS = {"format", "instance", "source", "scenario", "objective_kind", "status", "has_plan", "objective", "bound",
                   "gap", "decisions", "flows", "kpis", "check", "marginal_values", "in_words", "run"}
ID_LISTS = ("markets", "regimes", "warehouses", "data_transfers", "data_hosting", "origins")
RECORDS = {  # record list -> (required fields, optional fields)
    "channels": (("market", "channel"), ("period",)),
    "portfolio": (("product", "market", "units"), ("price", "period")),
    "certifications": (("product", "certification"), ()),
    "mitigations": (("market", "covered_revenue"), ()),
    "payment_methods": (("market", "method"), ("revenue", "orders")),
    "restocked": (("product", "market", "warehouse", "units"), ("period",)),
    "data_obligations": (("regime", "obligation"), ("buyers",)),
    "stock": (("product", "warehouse", "period", "units"), ("origin",)),
    "containers": (("lane", "count"), ("container", "m3", "kg", "period")),
    "creators": (("creator", "campaigns"), ("market", "channel", "booked_reach", "fees", "period")),
    "creator_reach": (("market", "channel", "category", "booked_reach", "distinct_reach"), ("period",)),
    "flows": (("product", "lane", "units"), ("kind", "from", "to", "origin", "in_containers", "period")),
}
OPTIONAL_DECISIONS = {"stock", "payment_methods", "restocked", "data_transfers", "data_hosting", "data_obligations",
                      "containers", "creators", "creator_reach", "origins"}  # multi-period plans only; plans without the newer records
QUANTITIES = {"units", "covered_revenue", "price", "revenue", "orders", "buyers", "count", "m3", "kg", "in_containers",
              "campaigns", "booked_reach", "distinct_reach", "fees"}


def read_solution(doc, objective_kind: str) -> tuple[dict, float]:
    """The plan (decisions and flows) and the reported objective of a solution document, read
    strictly: unknown fields, a missing or null objective, a status without a plan, a different
    objective kind or a value of the wrong type raise `SolutionError` naming the place."""
    if not isinstance(doc, dict):
        raise SolutionError("the solution must be a JSON object")
    unknown = sorted(set(doc) - DOCUMENT_FIELDS)
    if unknown:
        raise SolutionError(f"unknown field(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(sorted(DOCUMENT_FIELDS))})")
    status = doc.get("status")
    if status not in STATUSES:
        raise SolutionError(f"'status' must be one of {', '.join(STATUSES)}, got {status!r}")
    if status not in PLAN_STATUSES or doc.get("has_plan") is False:
        raise SolutionError(f"status '{status}' (has_plan: {doc.get('has_plan')}) says the file holds no plan to check")
    if "decisions" not in doc or "flows" not in doc:
        raise SolutionError("no 'decisions' and 'flows': not a solution with a plan")
    if doc.get("objective_kind", objective_kind) != objective_kind:
        raise SolutionError(f"'objective_kind' is {doc['objective_kind']!r}, but the instance's objective is {objective_kind!r}")
    objective = doc.get("objective")
    if isinstance(objective, bool) or not isinstance(objective, (int, float)) or not math.isfinite(objective):
        raise SolutionError(f"'objective' must be the plan's {objective_kind} as a number, got {objective!r}")
    decisions = doc["decisions"]
    if not isinstance(decisions, dict):
        raise SolutionError("'decisions' must be an object")
    allowed = set(ID_LISTS) | set(RECORDS) - {"flows"}
    extra, missing = sorted(set(decisions) - allowed), sorted(allowed - OPTIONAL_DECISIONS - set(decisions))
    if extra or missing:
        raise SolutionError("'decisions' must hold exactly " + ", ".join(sorted(allowed))
                            + (f"; unknown: {', '.join(extra)}" if extra else "") + (f"; missing: {', '.join(missing)}" if missing else ""))
    plan = {}
    for name in ID_LISTS:
        if name in OPTIONAL_DECISIONS and name not in decisions:
            continue
        ids = decisions[name]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise SolutionError(f"decisions.{name} must be a list of ids (text)")
        plan[name] = ids
    for name, (required, optional) in RECORDS.items():
        if name in OPTIONAL_DECISIONS and name not in decisions:
            continue
        records = doc["flows"] if name == "flows" else decisions[name]
        where = name if name == "flows" else f"decisions.{name}"
        plan[name] = [_record(record, f"{where}[{i}]", required, optional) for i, record in enumerate(_list(records, where))]
    return plan, float(objective)


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise SolutionError(f"{where} must be a list")
    return value


def _record(record, where: str, required: tuple, optional: tuple) -> dict:
    if not isinstance(record, dict):
        raise SolutionError(f"{where} must be an object with {', '.join(required)}")
    unknown, missing = sorted(set(record) - set(required) - set(optional)), [f for f in required if f not in record]
    if unknown or missing:
        raise SolutionError(f"{where}: " + "; ".join(([f"unknown field(s) {', '.join(unknown)}"] if unknown else [])
                                                    + ([f"missing {', '.join(missing)}"] if missing else [])))
    for field_name, value in record.items():
        if field_name in QUANTITIES:
            try:
                as_number(value)
            except SolutionError as err:
                raise SolutionError(f"{where}.{field_name}: {err}") from None
        elif not isinstance(value, str):
            raise SolutionError(f"{where}.{field_name}: expected an id (text), got {value!r}")
    return record


def scenario_of(doc: dict) -> tuple[str, str] | None:
    """(scenario name, scenario file) of a plan made for a scenario of a scenario file, None for
    a plan of the instance itself."""
    scenario = doc.get("scenario")
    if scenario is None:
        return None
    if (not isinstance(scenario, dict) or set(scenario) != {"name", "file"}
            or not all(isinstance(v, str) for v in scenario.values())):
        raise SolutionError("'scenario' must be an object with the scenario's 'name' and its scenario 'file' (text)")
    return scenario["name"], scenario["file"]
