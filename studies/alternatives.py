"""Near-optimal alternatives: the K best plans that differ in their strategic decisions.

After each solve, a no-good row cuts off that plan's strategic decisions (markets, channels,
warehouses, mitigation, payment methods, local data hosting, origins with a fixed cost; forced
ones are constants and left out):
`sum_{j: x*_j = 0} x_j + sum_{j: x*_j = 1} (1 - x_j) >= 1`, so the next solve finds the best plan
whose network differs in at least one of them. The model is built once; each row is added in
place. Each plan is proven within the MIP gap of the solve options, so with a tight gap these
are the K best networks in order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.instance import Instance
from ..models.formulation import Formulation
from ..models.columns import add_rows, structure_of
from ..models.rows import RowBuilder
from ..pipeline import PlanModel, Run
from ..solvers import SolveOptions
from .compare import changes_text, kpi_row, plan_changes

STRATEGIC = {"markets": "e", "channels": "s", "warehouses": "y", "mitigation": "v", "payment_methods": "o", "data_hosting": "dh",
             "origins": "src"}


@dataclass
class AlternativesStudy:
    runs: list[Run]  # the best plan first
    table: pd.DataFrame  # rank, objective, gap to best, KPIs, what changes against the best
    stopped: str  # why the search ended


def _strategic_columns(planning: PlanModel, differ_in) -> np.ndarray:
    """Columns of the named strategic binaries that are free (not fixed by must_* or cost mode)."""
    cols = planning.model.cols
    columns = []
    for name in (STRATEGIC[d] for d in differ_in):
        if cols.has(name):
            columns += list(cols.span(name))
    columns = np.asarray(columns, dtype=np.int64)
    variables = structure_of(planning.model).columns
    fixed = np.fromiter((variables[j].fixed for j in columns), dtype=bool, count=len(columns))
    return columns[~fixed]


def add_no_good(planning: PlanModel, columns: np.ndarray, values: np.ndarray, number: int):
    """The no-good row of the module docstring for the plan `values`, as `no_good_<number>`."""
    on = values[columns] > 0.5
    coefs = np.where(on, -1.0, 1.0)
    builder = RowBuilder(1).add(np.zeros(len(columns), dtype=np.int64), columns, coefs)
    add_rows(planning.model, f"no_good_{number}", builder, 1.0 - on.sum(), np.inf)


def relative_gap(best: float, other: float) -> float:
    return abs(best - other) / max(abs(best), 1e-9)


def find_alternatives(instance: Instance, k: int, within: float | None = None, formulation: Formulation | None = None,
                      options: SolveOptions | None = None, differ_in=tuple(STRATEGIC), on_found=None,
                      solver_name: str = "highs") -> AlternativesStudy:
    """Up to `k` plans (the best included), each at most `within` (a fraction) worse than the
    best, each differing from all before it in at least one decision of the kinds `differ_in`."""
    options = options or SolveOptions()
    planning = PlanModel(instance, formulation)
    columns = _strategic_columns(planning, differ_in)
    runs = [planning.solve(options, solver_name, duals=False)]
    stopped = f"{k} plans found"
    if not runs[0].has_plan:
        return AlternativesStudy(runs, pd.DataFrame(), f"no plan ({runs[0].result.status.value})")
    if on_found:
        on_found(runs[0])
    best = runs[0].result.objective
    while len(runs) < k:
        if not len(columns):
            stopped = "no free strategic decision to vary"
            break
        add_no_good(planning, columns, runs[-1].values, len(runs))
        run = planning.solve(options, solver_name, duals=False)
        if not run.has_plan:
            stopped = f"no other plan ({run.result.status.value})"
            break
        if within is not None and relative_gap(best, run.result.objective) > within + 1e-12:
            stopped = f"the next plan is {100 * relative_gap(best, run.result.objective):.3g}% from the best, beyond --within"
            break
        runs.append(run)
        if on_found:
            on_found(run)
    return AlternativesStudy(runs, alternatives_table(runs), stopped)


def alternatives_table(runs: list[Run]) -> pd.DataFrame:
    best = runs[0]
    rows = []
    for rank, run in enumerate(runs, start=1):
        changes = plan_changes(best.plan, run.plan)
        rows.append({"rank": rank, **kpi_row(run),
                     "gap_to_best": relative_gap(best.result.objective, run.result.objective),
                     "changes_vs_best": changes_text(changes) if rank > 1 else ""})
    return pd.DataFrame(rows)
