"""Marginal values: the LP duals of the planner-facing rows with every integer decision fixed at
the plan (markets, channels, warehouses, ... as chosen; flows, sales and coverage free).

The dual of a row is what one more unit of its right-hand side is worth to the objective with
the network as planned: one more m3 at a warehouse, one more kg on a lane, one more dollar of
logistics budget. Rows over integer decisions only (the marketing and compliance budgets, the
count limits) are constants once those are fixed; their value needs a re-solve (a trade-off
curve), so they are reported with their slack only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.families import FAMILIES
from .budget import INF, Budget
from .compile import CompiledModel, loaded_highs, run_highs

@dataclass
class RowValue:
    family: str
    key: str
    activity: float  # the row's left-hand side at the plan
    limit: float  # the bound that limits it (upper for <= rows, lower for >= rows)
    value: float | None  # objective gained per unit the limit is relaxed (None: rows of integer decisions only)
    upper: bool  # True for a <= row (relaxing raises the limit), False for a >= row


def fixed_plan_duals(model, plan: np.ndarray, time_limit: float | None = None) -> tuple[list[RowValue], str]:
    """(row values, message) for the planner-facing rows; an empty list and the reason when the
    LP with the plan's integer decisions fixed does not solve to optimality in time."""
    import highspy

    compiled = CompiledModel(model)
    fixed = compiled.integer
    values = compiled.rounded(plan)
    lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    lower[fixed] = upper[fixed] = values[fixed]
    compiled.col_lower, compiled.col_upper = lower, upper
    compiled.integer = np.zeros_like(fixed)
    try:
        h = loaded_highs(compiled)
    except ValueError:
        return [], "HiGHS refused the fixed-plan LP"
    if not run_highs(h, Budget(time_limit), INF):
        return [], "no time left for the fixed-plan LP"
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return [], f"the fixed-plan LP ended {h.modelStatusToString(h.getModelStatus())}"
    solution = h.getSolution()
    duals, activity = np.asarray(solution.row_dual), np.asarray(solution.row_value)
    continuous_rows = np.diff(compiled.A[:, ~fixed].tocsr().indptr) > 0 if fixed.any() else np.ones(len(duals), bool)
    rows = []
    for family in FAMILIES:
        if family not in compiled.families:
            continue
        start, end, keys = compiled.families[family]
        for i in range(start, end):
            is_upper = np.isfinite(compiled.row_upper[i])
            limit = compiled.row_upper[i] if is_upper else compiled.row_lower[i]
            value = None
            if continuous_rows[i]:
                value = float(-duals[i] if is_upper else duals[i])
                value = max(value, 0.0) if abs(value) > 1e-9 else 0.0
            key = keys[i - start] if keys else str(i - start)
            rows.append(RowValue(family, key, float(activity[i]), float(limit), value, bool(is_upper)))
    return rows, "optimal"
