"""The model as matrices, handed to HiGHS in one call.

xborder's models are stacked straight from their `LinearRows` blocks; any other Pyomo model is
compiled with Pyomo's `LinearStandardFormCompiler` (mixed form: each row keeps its sense). Either
way the matrix reaches `highspy` in a single `passModel`, not through per-constraint wrappers.
`run_highs` runs a Highs object under a `Budget`: HiGHS's own time limit is what is left, and a
stop request (Ctrl-C, SIGTERM) interrupts it through its callbacks.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp  # the matrix type: loaded at import, not inside the timed hand-off
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from ..models.columns import structure_of
from ..models.cuts import VIOLATION_ABS, VIOLATION_REL
from .budget import INF, Budget
from .result import ModelSize, Status

_BANNER_SHOWN = False


@contextlib.contextmanager
def _stdout_silenced(active: bool):
    """Silence C-level stdout (HiGHS prints a banner when the first Highs object is made)."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(log: bool = False):
    """A Highs object; the one-off banner only shows when the log is wanted."""
    global _BANNER_SHOWN
    import highspy

    with _stdout_silenced(not log and not _BANNER_SHOWN):
        h = highspy.Highs()
    _BANNER_SHOWN = True
    return h


def _row_blocks(model):
    """The active constraint blocks if all are `LinearRows` over the model's columns, else None."""
    from ..models.rows import LinearRows

    structure = structure_of(model)
    if structure is None:
        return None
    columns = structure.columns
    blocks = []
    for component in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        if not isinstance(component, LinearRows) or component._x is not columns:
            return None
        if len(component) and not all(row.active for row in component.values()):
            return None
        blocks.append(component)
    return blocks


def _active_objective(model):
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(objectives)}")
    return objectives[0]


def _linear_objective(objective, columns, sign):
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(objective.expr, compute_values=True)
    if repn.nonlinear_expr is not None or repn.quadratic_vars:
        raise ValueError("the objective must be linear")
    position = {id(v): j for j, v in enumerate(columns)}
    cost = np.zeros(len(columns))
    for var, coef in zip(repn.linear_vars, repn.linear_coefs):
        cost[position[id(var)]] += sign * coef
    return cost, sign * float(repn.constant)


class CompiledModel:
    """The model as matrices: min c x + offset, row_lower <= A x <= row_upper, bounds, integrality.

    Models whose constraint families are all `LinearRows` blocks (xborder's own) are stacked
    directly from their CSR arrays; any other Pyomo model goes through Pyomo's
    `LinearStandardFormCompiler`.
    """

    def __init__(self, model: pyo.ConcreteModel, defer: tuple[str, ...] = ()):
        """`defer` names row families to hold back (see `DeferredRows`); only honoured for
        models stacked from their `LinearRows` blocks."""
        blocks = _row_blocks(model)
        self.deferred = None
        if blocks is None:
            self._compile(model)
        else:
            held = [b for b in blocks if b.local_name in defer and len(b)]
            self._stack(model, [b for b in blocks if b.local_name not in defer or not len(b)])
            if held:
                self.deferred = DeferredRows(held)
        self.binaries = int(np.sum(self.integer & (self.col_lower >= 0) & (self.col_upper <= 1)))

    def _stack(self, model, blocks):
        self.columns = structure_of(model).columns
        self.families, start = {}, 0  # family name -> (first row, end row, row keys)
        for b in blocks:
            self.families[b.local_name] = (start, start + len(b), getattr(b, "row_keys", None))
            start += len(b)
        self.A = (sp.vstack([b.matrix for b in blocks], format="csc") if blocks
                  else sp.csc_matrix((0, len(self.columns))))
        self.row_lower = np.concatenate([b.lb_array for b in blocks]) if blocks else np.zeros(0)
        self.row_upper = np.concatenate([b.ub_array for b in blocks]) if blocks else np.zeros(0)
        self.col_lower, self.col_upper, self.integer = model.cols.bounds()
        objective = _active_objective(model)
        self.sign = -1.0 if objective.sense == pyo.maximize else 1.0
        if objective is model.component("objective") and hasattr(model, "objective_vector"):
            self.cost, self.offset = self.sign * model.objective_vector, 0.0
        else:
            self.cost, self.offset = _linear_objective(objective, self.columns, self.sign)

    def _compile(self, model):
        self.families = {}
        info = LinearStandardFormCompiler().write(model, mixed_form=True)
        objective = info.objectives[0]
        self.sign = -1.0 if objective.sense == pyo.maximize else 1.0  # compiler minimises
        self.columns = info.columns
        self.cost = np.asarray(info.c.toarray()[0] if info.c.shape[0] else np.zeros(len(self.columns)), dtype=float)
        self.offset = float(info.c_offset[0]) if len(info.c_offset) else 0.0
        self.A = info.A.tocsc()
        rhs = np.asarray(info.rhs, dtype=float)
        sense = np.fromiter((mult for _, mult in info.rows), dtype=np.int8, count=len(info.rows))
        self.row_lower = np.where(sense == 1, -INF, rhs)
        self.row_upper = np.where(sense == -1, INF, rhs)
        n = len(self.columns)
        self.col_lower = np.empty(n)
        self.col_upper = np.empty(n)
        self.integer = np.zeros(n, dtype=bool)
        for j, var in enumerate(self.columns):
            lb, ub = var.bounds
            self.col_lower[j] = -INF if lb is None else lb
            self.col_upper[j] = INF if ub is None else ub
            self.integer[j] = var.is_integer()

    def add_rows(self, rows: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray):
        """Append rows `lower <= rows x <= upper` (valid inequalities found at the root)."""
        self.A = sp.vstack([self.A, rows], format="csc")
        self.row_lower = np.concatenate([self.row_lower, lower])
        self.row_upper = np.concatenate([self.row_upper, upper])

    def restore_deferred(self):
        """Put back every deferred row not added yet: the model exactly as built."""
        if self.deferred is not None:
            self.add_rows(*self.deferred.remaining())
            self.deferred = None

    @property
    def size(self) -> ModelSize:
        """The model's size, its held-back rows included (and any cuts added to the matrix)."""
        held_rows = held_nonzeros = 0
        if self.deferred is not None:
            left = ~self.deferred.added
            held_rows = int(left.sum())
            held_nonzeros = int(np.diff(self.deferred.matrix.indptr)[left].sum())
        return ModelSize(
            rows=self.A.shape[0] + held_rows, cols=len(self.columns), nonzeros=int(self.A.nnz) + held_nonzeros,
            binaries=self.binaries, integers=int(self.integer.sum()) - self.binaries,
        )

    def rounded(self, values: np.ndarray) -> np.ndarray:
        """A primal vector with its integer columns rounded: the plan as it is written out."""
        return np.where(self.integer, np.round(values), values)

    def objective_of(self, values: np.ndarray) -> float:
        """The objective (model sense) of the plan `values` (integers rounded), recomputed from
        the matrices: the number that belongs to the plan that is loaded and written."""
        return float(self.sign * (self.cost @ self.rounded(values) + self.offset))

    def zero_plan(self) -> np.ndarray:
        """Every column at 0, or at the bound that forces it."""
        return np.clip(np.zeros(len(self.columns)), self.col_lower, self.col_upper)

    def do_nothing_plan(self) -> np.ndarray | None:
        """`zero_plan`, the plan that decides nothing, when it keeps every row: a plan with a
        worse objective is never reported (a fixed-cost plan that an unfinished solve stopped
        in). None when the instance forces a decision (must_offer, must_enter, committed volume,
        a cost-mode demand)."""
        plan = self.zero_plan()
        return plan if self.satisfies(plan) else None

    def best_of(self, *plans) -> np.ndarray | None:
        """The plan with the best objective among `plans` (None ones left out; the first on a
        tie), or None."""
        return min((p for p in plans if p is not None), key=lambda p: self.sign * self.objective_of(p), default=None)

    def satisfies(self, values: np.ndarray, tolerance: float = 1e-6) -> bool:
        """Whether `values` (integers rounded) keeps every column bound and every row, the
        deferred ones included, within `tolerance` (relative to the activity, at least absolute):
        a start plan from elsewhere must pass this before it is kept as a plan."""
        x = self.rounded(np.asarray(values, dtype=float))
        if len(x) != len(self.columns):
            return False
        slack = tolerance * np.maximum(1.0, np.abs(x))
        if ((x < self.col_lower - slack) | (x > self.col_upper + slack)).any():
            return False
        checks = [(self.A, self.row_lower, self.row_upper)]
        if self.deferred is not None:
            checks.append((self.deferred.matrix, self.deferred.lower, self.deferred.upper))
        for matrix, lower, upper in checks:
            activity = matrix @ x
            slack = tolerance * np.maximum(1.0, np.abs(activity))
            if ((activity < lower - slack) | (activity > upper + slack)).any():
                return False
        return True

    def load(self, values: np.ndarray, model: pyo.ConcreteModel):
        """Write a primal vector into the Pyomo variables (integers rounded); unused vars to 0."""
        values = self.rounded(values)
        for var, value in zip(self.columns, values.tolist()):
            var.set_value(value, skip_validation=True)
        for var in model.component_data_objects(pyo.Var, descend_into=True):
            if var.value is None:
                var.set_value(0.0 if var.lb is None or var.lb <= 0 else var.lb, skip_validation=True)


class DeferredRows:
    """Row families held back from the matrix (the model structure's `deferrable`, e.g. strong linking
    `f <= U y`): rows that every integer plan satisfies anyway, so the model stays exact without
    them, but that tighten the LP. The root cut loop adds the ones its LP point violates; at size xl
    that is about 15,000 of 127,000 last-mile linking rows, and the root LP and the strategic
    tree work on the smaller matrix (HiGHS's MIP gets them all back, `restore_deferred`)."""

    def __init__(self, blocks):
        self.matrix = sp.vstack([b.matrix for b in blocks], format="csr")
        self.lower = np.concatenate([b.lb_array for b in blocks])
        self.upper = np.concatenate([b.ub_array for b in blocks])
        self.added = np.zeros(self.matrix.shape[0], dtype=bool)

    @property
    def total(self) -> int:
        return self.matrix.shape[0]

    def violated(self, x: np.ndarray) -> tuple:
        """The rows not added yet that `x` violates, as (rows, lower, upper); marks them added."""
        activity = self.matrix @ x
        tolerance = VIOLATION_ABS + VIOLATION_REL * np.abs(activity)
        hit = ~self.added & ((activity > self.upper + tolerance) | (activity < self.lower - tolerance))
        return self._take(np.flatnonzero(hit))

    def remaining(self) -> tuple:
        """Every row not added yet, as (rows, lower, upper); marks them added."""
        return self._take(np.flatnonzero(~self.added))

    def _take(self, rows: np.ndarray) -> tuple:
        self.added[rows] = True
        return self.matrix[rows], self.lower[rows], self.upper[rows]



@dataclass
class Matrices:
    """A problem given as matrices rather than a Pyomo model (an extensive form, an elastic
    model): min cost x + offset, row_lower <= A x <= row_upper, column bounds, integrality."""

    A: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    cost: np.ndarray
    integer: np.ndarray
    offset: float = 0.0

    @classmethod
    def of(cls, compiled: "CompiledModel") -> "Matrices":
        """A compiled model's matrices (copies of the bounds, so they may be changed here)."""
        return cls(compiled.A, compiled.row_lower, compiled.row_upper, compiled.col_lower.copy(),
                   compiled.col_upper.copy(), compiled.cost, compiled.integer, compiled.offset)

    @property
    def columns(self) -> range:
        return range(self.A.shape[1])


@dataclass
class MatrixSolution:
    """What a solver found for `Matrices` (min sense): the column values (None without a
    solution), its status, the objective and the best bound."""

    values: np.ndarray | None
    status: Status
    objective: float | None
    bound: float | None
    message: str = ""


REFUSED = "HiGHS refused the model (a coefficient, bound or cost is too large or not a number)"


def loaded_highs(problem, log: bool = False, relax: bool = False, lower=None, upper=None):
    """A Highs object holding `problem` (a CompiledModel or Matrices): quiet unless `log`, its
    integrality dropped with `relax`, its column bounds replaced by `lower`/`upper` if given.
    The one place a problem is handed to HiGHS; ValueError when HiGHS refuses it."""
    import highspy

    lp = highs_lp(problem, highspy)
    if relax:
        lp.integrality_ = []
    if lower is not None:
        lp.col_lower_, lp.col_upper_ = lower, upper
    h = new_highs(log)
    h.setOptionValue("output_flag", bool(log))
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise ValueError(REFUSED)
    return h


def highs_lp(c, highspy):
    """The compiled model as a highspy.HighsLp (column-wise matrix), for one passModel call."""
    lp = highspy.HighsLp()
    lp.num_col_ = len(c.columns)
    lp.num_row_ = c.A.shape[0]
    lp.col_cost_ = c.cost
    lp.offset_ = c.offset
    lp.col_lower_ = c.col_lower
    lp.col_upper_ = c.col_upper
    lp.row_lower_ = c.row_lower
    lp.row_upper_ = c.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = c.A.indptr
    lp.a_matrix_.index_ = c.A.indices
    lp.a_matrix_.value_ = c.A.data
    if c.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in c.integer]
    return lp


def _interrupt_when_stopped(budget: Budget, stop_when=None):
    """HiGHS interrupt callback: stop the run once a stop was requested or `budget` was halted,
    or `stop_when()` (if given) is true."""

    def interrupt(event):
        if budget.stopped or (stop_when is not None and stop_when()):
            event.interrupt()

    return interrupt


def run_highs(h, budget: Budget, until: float = INF, stop_when=None):
    """`h.run()` with HiGHS's time limit set to what `budget` leaves until `until`, interrupted
    on a stop request or once `stop_when()` (if given) is true. HiGHS's clock runs on across calls
    of one object, so its limit is its run time so far plus what is left. Returns False (and does
    not run) when no time is left."""
    left = budget.left(until)
    if left <= 0.0:
        return False
    h.setOptionValue("time_limit", h.getRunTime() + left if np.isfinite(left) else INF)
    interrupt = _interrupt_when_stopped(budget, stop_when)
    callbacks = (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt)
    for callback in callbacks:
        callback.subscribe(interrupt)
    try:
        h.run()
    finally:
        for callback in callbacks:
            callback.unsubscribe(interrupt)
    return True
