"""Trade-off curves: the efficient frontier of the objective against one other measure, by the
epsilon-constraint method.

The model is built once with one extra row, `tradeoff_limit`, that holds the measure to its
limit epsilon; each point of the curve moves that row's bound in place and re-solves from the
previous point's plan (HiGHS keeps it as a start where it is still feasible). The first point is
the plain optimum's own value of the measure, so the curve starts at the plain solve; each
further point tightens the limit towards the far end of the range. Every point's plan is checked
by the independent checker, and its measure is recomputed from the checked plan.

Measures (the row, with q sales, f customer-facing flows, lt lane lead times):
- lead_time: average customer lead time, `sum lt f - eps sum q <= 0` (lower is better)
- within: share of units delivered within T days, `sum_{lt <= T} f - eps sum q >= 0` (higher)
- payment_loss: expected payment loss, `sum_m loss_m Rev_m - (loss_m - mitigated_m) Rv_m <= eps`
- marketing: marketing spend, `sum activation_cost s <= eps`
- warehouses: number of warehouses open, `sum y <= eps`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.instance import Instance
from ..models.formulation import Formulation
from ..models.columns import add_rows
from ..models.parts import all_period_flows, all_period_sales, fulfilment_arcs, marketing_terms, payment_loss_terms
from ..models.rows import RowBuilder
from ..pipeline import PlanModel, Run
from ..solvers import SolveOptions
from .compare import average_lead_time, changes_text, kpi_row, plan_changes, share_within

ROW = "tradeoff_limit"
INF = np.inf


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str
    lower_is_better: bool
    integer: bool = False
    days: float | None = None  # for `within`

    @property
    def title(self) -> str:
        return self.label.format(days=self.days)


MEASURES = {
    "lead_time": Measure("lead_time", "average lead time", "days", True),
    "within": Measure("within", "share of units within {days:g} days", "share", False),
    "payment_loss": Measure("payment_loss", "expected payment loss", "{cur}", True),
    "marketing": Measure("marketing", "marketing spend", "{cur}", True),
    "warehouses": Measure("warehouses", "warehouses open", "warehouses", True, integer=True),
}


class TradeoffError(ValueError):
    """A measure or range that cannot be traced (the message says why)."""


def measure_of(name: str, days: float | None = None) -> Measure:
    if name not in MEASURES:
        raise TradeoffError(f"unknown measure '{name}' (measures: {', '.join(MEASURES)}; CO2 is not modelled)")
    measure = MEASURES[name]
    if name == "within":
        if days is None:
            raise TradeoffError("--vs within needs --days T (the delivery time in days)")
        return Measure(measure.name, measure.label, measure.unit, measure.lower_is_better, days=days)
    return measure


def measure_value(measure: Measure, run: Run) -> float | None:
    """The measure of a checked plan, from the checker's own numbers; None for a ratio measure
    (average lead time, share within T days) of a plan that sells nothing: it has no value then,
    and such a point is not on the frontier."""
    ev = run.evaluation
    if measure.name == "lead_time":
        return average_lead_time(run)
    if measure.name == "within":
        return share_within(run, measure.days)
    if measure.name == "payment_loss":
        return ev.terms["payment_loss"]
    if measure.name == "marketing":
        return ev.terms["marketing"]
    return float(len(run.plan["warehouses"]))


def set_limit(planning: PlanModel, measure: Measure, eps: float):
    """(Re)write the `tradeoff_limit` row for limit `eps` (the module docstring's rows, summed
    over the periods of a multi-period model)."""
    m, ix = planning.model, planning.model.ix
    cols = m.cols
    pairs = np.arange(len(ix.pairs))
    one_row = np.zeros(len(pairs), dtype=np.int64)
    fulfil = fulfilment_arcs(ix)
    b = RowBuilder(1)
    lb, ub = -INF, 0.0
    if measure.name == "lead_time":
        b.add(*all_period_flows(m, np.zeros(len(fulfil)), fulfil.index, fulfil["lead_time"].to_numpy()))
        b.add(*all_period_sales(m, one_row, pairs, -eps))
    elif measure.name == "within":
        fast = fulfil[fulfil["lead_time"].to_numpy() <= measure.days + 1e-9]
        b.add(*all_period_flows(m, np.zeros(len(fast)), fast.index, 1.0))
        b.add(*all_period_sales(m, one_row, pairs, -eps))
        lb, ub = 0.0, INF
    elif measure.name == "payment_loss":
        for columns, coefs in payment_loss_terms(m, ix):
            b.add(np.zeros(len(columns), dtype=np.int64), columns, coefs)
        ub = eps
    elif measure.name == "marketing":
        spend_cols, spend = marketing_terms(m, ix)
        b.add(np.zeros(len(spend_cols), dtype=np.int64), spend_cols, spend)
        ub = eps
    else:
        b.add(np.zeros(len(ix.warehouses), dtype=np.int64), cols.of("y", ix.warehouses.index), 1.0)
        ub = eps
    add_rows(m, ROW, b, lb, ub, [measure.name])


def far_end(measure: Measure, planning: PlanModel) -> float:
    """The default far end of the range: the best value the measure can take."""
    if measure.name == "lead_time":
        fulfil = fulfilment_arcs(planning.model.ix)
        return float(fulfil["lead_time"].min()) if len(fulfil) else 0.0
    if measure.name == "within":
        return 1.0
    return 0.0


def limits(start: float, end: float, points: int, integer: bool) -> list[float]:
    values = np.linspace(start, end, points)
    if integer:
        values = np.unique(np.round(values))[:: -1 if end < start else 1]
    return [float(v) for v in values]


@dataclass
class TradeoffStudy:
    measure: Measure
    runs: list[Run]  # one per point reached (a point without a plan ends the curve)
    table: pd.DataFrame  # limit, measure value, objective, status, KPIs, changes vs the previous point
    stopped: str


def trace_tradeoff(instance: Instance, measure: Measure, points: int = 6, value_range: tuple | None = None,
                   formulation: Formulation | None = None, options: SolveOptions | None = None,
                   on_point=None, solver_name: str = "highs") -> TradeoffStudy:
    """The frontier of the module docstring: `points` limits from the plain optimum's value
    (or `value_range`'s first value) to the far end (or its second)."""
    options = options or SolveOptions()
    # presolve keeps only pairs worth selling on their own; a ratio measure can make a
    # loss-making fast sale worth it, so those measures are traced on the full model
    planning = PlanModel(instance, formulation, presolve=measure.name not in ("lead_time", "within"))
    plain = planning.solve(options, solver_name, duals=False)
    if not plain.has_plan:
        return TradeoffStudy(measure, [plain], pd.DataFrame(), f"no plan for the plain instance ({plain.result.status.value})")
    if value_range is None and measure_value(measure, plain) is None:
        return TradeoffStudy(measure, [plain], pd.DataFrame(), f"the plain optimum sells nothing: it has no {measure.title} "
                                                               "to start from (give --range)")
    start, end = value_range if value_range is not None else (measure_value(measure, plain), far_end(measure, planning))
    runs, rows, stopped = [], [], "every point solved"
    previous = plain
    for eps in limits(start, end, points, measure.integer):
        set_limit(planning, measure, eps)
        run = planning.solve(_from(options, previous), solver_name, duals=False)
        if not run.has_plan:
            stopped = f"no plan at {measure.title} = {eps:g} ({run.result.status.value})"
            rows.append({"limit": eps, "value": None, **kpi_row(run), "changes": ""})
            break
        changes = changes_text(plan_changes(previous.plan, run.plan)) if runs else ""
        value = measure_value(measure, run)
        if value is None:
            changes = f"sells nothing: no {measure.title}, not on the frontier; " + changes
        rows.append({"limit": eps, "value": value, **kpi_row(run), "changes": changes})
        runs.append(run)
        previous = run
        if on_point:
            on_point(eps, run)
    planning.model.del_component(ROW)
    table = pd.DataFrame(rows)
    table.insert(0, "measure", measure.title)
    table.insert(1, "unit", measure.unit.replace("{cur}", instance.settings["currency"]))
    return TradeoffStudy(measure, runs, table, stopped)


def _from(options: SolveOptions, previous: Run) -> SolveOptions:
    from dataclasses import replace

    return replace(options, start=previous.values)
