"""HiGHS back end: compile the Pyomo model to a sparse matrix once, hand it over in one call.

xborder's models are stacked straight from their `LinearRows` blocks; any other Pyomo model is
compiled with Pyomo's `LinearStandardFormCompiler` (mixed form: each row keeps its sense). Either
way the matrix reaches `highspy` in a single `passModel`, not through per-constraint wrappers.

Before the branch-and-bound, one LP relaxation (`RelaxedLp`) is solved and re-solved from its
basis: the root cut loop adds the model's violated valid inequalities (`strengthen_root`), and
the warm start dives on the strategic binaries and rounds the rest (`rounded_lp_plan`). Primal
values are written back into the Pyomo variables.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp  # the matrix type: loaded at import, not inside the timed hand-off
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from ..models.cuts import VIOLATION_ABS, VIOLATION_REL
from .result import ModelSize, SolveOptions, SolveResult, Status, package_availability
from .tree import TreeReport, rounded_lp_plan, strategic_tree

INF = float("inf")


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

    columns = getattr(model, "xb_columns", None)
    if columns is None:
        return None
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
        self.columns = model.xb_columns
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
        return ModelSize(
            rows=self.A.shape[0], cols=len(self.columns), nonzeros=int(self.A.nnz),
            binaries=self.binaries, integers=int(self.integer.sum()) - self.binaries,
        )

    def load(self, values: np.ndarray, model: pyo.ConcreteModel):
        """Write a primal vector into the Pyomo variables (binaries rounded); unused vars to 0."""
        values = np.where(self.integer, np.round(values), values)
        for var, value in zip(self.columns, values.tolist()):
            var.set_value(value, skip_validation=True)
        for var in model.component_data_objects(pyo.Var, descend_into=True):
            if var.value is None:
                var.set_value(0.0 if var.lb is None or var.lb <= 0 else var.lb, skip_validation=True)


class DeferredRows:
    """Row families held back from the matrix (the model's `xb_deferrable`, e.g. strong linking
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


def lp_relaxation_bound(model: pyo.ConcreteModel) -> float | None:
    """Objective of the LP relaxation (integrality dropped): the root bound before cuts."""
    import highspy

    try:
        compiled = CompiledModel(model)
    except InfeasibleConstraintException:
        return None
    relaxed = RelaxedLp(compiled, highspy)
    if relaxed.solve() is None:
        return None
    return relaxed.bound


def highs_lp(c: CompiledModel, highspy):
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


class RelaxedLp:
    """The LP relaxation of a compiled model in one Highs object. Each `solve` starts from the
    previous basis, so re-solving after added rows or changed bounds takes few iterations."""

    def __init__(self, compiled: CompiledModel, highspy):
        self.compiled = compiled
        self.highspy = highspy
        lp = highs_lp(compiled, highspy)
        lp.integrality_ = []
        self.h = new_highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("simplex_strategy", 2)  # parallel dual simplex: 1.5x faster at size l
        self.h.passModel(lp)
        self.n = len(compiled.columns)
        self.deadline = INF  # perf_counter seconds; a solve still running then stops unanswered

    def solve(self, lower: np.ndarray | None = None, upper: np.ndarray | None = None) -> np.ndarray | None:
        """Primal values at the optimum (with the given column bounds if any), or None: the LP
        is infeasible (`infeasible`) or was not solved, e.g. stopped at `deadline`."""
        if lower is not None:
            self.h.changeColsBounds(self.n, np.arange(self.n, dtype=np.int32), lower, upper)
        remaining = self.deadline - time.perf_counter()
        # HiGHS's clock runs on across calls, so the limit is its run time so far plus what is left
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(remaining, 0.0) if remaining < INF else INF)
        self.h.run()
        if self.h.getModelStatus() != self.highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    @property
    def infeasible(self) -> bool:
        """The last solve proved the LP infeasible (not merely stopped)."""
        return self.h.getModelStatus() == self.highspy.HighsModelStatus.kInfeasible

    @property
    def value(self) -> float:
        """The last optimum as HiGHS minimises it (objective times `sign`, offset included)."""
        return self.h.getInfo().objective_function_value

    @property
    def bound(self) -> float:
        """The last optimum in the model's own sense (max or min)."""
        return self.compiled.sign * self.value

    def add_rows(self, rows: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray):
        self.h.addRows(rows.shape[0], lower, upper, rows.nnz, rows.indptr[:-1].astype(np.int32),
                       rows.indices.astype(np.int32), rows.data)


@dataclass
class RootCuts:
    """What the root cut loop did: LP bounds (model sense) before and after, rows added."""

    rounds: int = 0
    rows: int = 0
    deferred_added: int = 0
    deferred_total: int = 0
    lp_bound_before: float | None = None
    lp_bound_after: float | None = None
    seconds: float = 0.0
    lp_values: np.ndarray | None = field(default=None, repr=False)

    def facts(self) -> dict:
        facts = {"rounds": self.rounds, "rows": self.rows, "lp_bound_before": self.lp_bound_before,
                 "lp_bound_after": self.lp_bound_after, "seconds": round(self.seconds, 3)}
        if self.deferred_total:
            facts["deferred_rows_added"] = self.deferred_added
            facts["deferred_rows_total"] = self.deferred_total
        return facts


ROOT_CUT_ROUNDS = 10
ROOT_CUT_MIN_GAIN = 1e-5  # stop once a round moves the LP bound by less than this (relative)


def model_separators(model, compiled: CompiledModel) -> tuple:
    """The model's active cut separators, if the compiled columns are the model's own order."""
    if not hasattr(model, "xb_separators") or compiled.columns is not getattr(model, "xb_columns", None):
        return ()
    return model.xb_separators()


def _violated_rows(model, separators, deferred: DeferredRows | None, x: np.ndarray) -> tuple:
    """One separation round at `x`: the separators' cuts (`a x <= 0`) and the deferred rows it
    violates, stacked as (rows, lower, upper, how many of them are deferred rows)."""
    blocks = [separate(model, x) for separate in separators]
    lower = [np.full(b.shape[0], -INF) for b in blocks]
    upper = [np.zeros(b.shape[0]) for b in blocks]
    held = 0
    if deferred is not None:
        rows, lo, up = deferred.violated(x)
        blocks.append(rows), lower.append(lo), upper.append(up)
        held = rows.shape[0]
    if not blocks:
        return sp.csr_matrix((0, len(x))), np.zeros(0), np.zeros(0), 0
    return sp.vstack(blocks, format="csr"), np.concatenate(lower), np.concatenate(upper), held


def strengthen_root(relaxed: RelaxedLp, model, max_rounds: int = ROOT_CUT_ROUNDS, deadline: float = INF) -> RootCuts:
    """Solve the LP relaxation, add the model's violated valid inequalities (models/cuts.py) and
    violated deferred rows (`DeferredRows`) as rows, re-solve from the previous basis, until none
    is violated, a round moves the bound by less than ROOT_CUT_MIN_GAIN, `max_rounds` is reached
    or `deadline` (perf_counter) passes. The rows are appended to the compiled model too; the last
    LP solution is kept."""
    start = time.perf_counter()
    compiled = relaxed.compiled
    separators = model_separators(model, compiled)
    deferred = compiled.deferred
    report = RootCuts(deferred_total=0 if deferred is None else deferred.total)
    previous = None
    while True:
        report.lp_values = relaxed.solve()
        if report.lp_values is None:
            break
        report.lp_bound_after = relaxed.bound
        if report.lp_bound_before is None:
            report.lp_bound_before = report.lp_bound_after
        stalled = previous is not None and abs(previous - relaxed.bound) <= ROOT_CUT_MIN_GAIN * abs(relaxed.bound)
        if report.rounds == max_rounds or stalled or time.perf_counter() >= deadline:
            break
        previous = relaxed.bound
        cuts, lower, upper, held = _violated_rows(model, separators, deferred, report.lp_values)
        if cuts.shape[0] == 0:
            break
        relaxed.add_rows(cuts, lower, upper)
        compiled.add_rows(cuts, lower, upper)
        report.rounds += 1
        report.rows += cuts.shape[0]
        report.deferred_added += held
    report.seconds = time.perf_counter() - start
    return report


def _tighten_bound(result: SolveResult, lp_bound: float | None, sign: float):
    """Report the root LP bound (after the cuts) or the strategic tree's when it is tighter than
    the solver's own dual bound, e.g. when the time limit stops HiGHS before its root LP is
    solved; all are valid."""
    if lp_bound is None or not np.isfinite(lp_bound) or not result.has_solution or result.bound is None:
        return
    tighter = lp_bound < result.bound if sign < 0 else lp_bound > result.bound
    if tighter:
        result.bound = lp_bound
        result.gap = abs(result.bound - result.objective) / max(abs(result.objective), 1e-12)


CUT_SHARE = 0.4  # share of the time limit after which no new cut round starts
TREE_SHARE = 0.9  # ... after which the strategic tree stops (it stops sooner once it grows wide)
START_SHARE = 0.6  # ... and after which the fallback dive stops (the rest is rounded)
PREPARE_SHARES = (CUT_SHARE, TREE_SHARE, START_SHARE)
TREE_MIN_COLUMNS = 200_000  # size l (110k columns) is faster without the tree, size xl (310k) needs it
WARM_START_MIN_COLUMNS = 20_000  # below this the start did not pay (benchmarks/scale.py, sizes s and m)


def _wants_tree(options: SolveOptions, model) -> bool:
    """The strategic tree (and the lean root LP it works on) by default only for very large
    models: there HiGHS's own root (it solves the LP again, then separates cuts) leaves it no time
    to branch, while below it HiGHS proves the optimum faster than the tree (benchmarks/scale.py)."""
    if options.tree is not None:
        return options.tree
    columns = getattr(model, "xb_columns", None)
    return columns is not None and len(columns) >= TREE_MIN_COLUMNS


def _wants_warm_start(options: SolveOptions, compiled: CompiledModel) -> bool:
    if not compiled.integer.any():
        return False
    if options.warm_start is None:
        return len(compiled.columns) >= WARM_START_MIN_COLUMNS
    return bool(options.warm_start)


@dataclass
class Preparation:
    """What the LP relaxation gave before the MIP: root cuts, the strategic tree, a start plan."""

    root: RootCuts | None = None
    tree: TreeReport | None = None
    start_plan: np.ndarray | None = None


def _prepare(model, compiled: CompiledModel, options: SolveOptions, deadlines, highspy) -> Preparation:
    """Root cut loop (cuts and deferred rows), then the strategic tree if wanted (its best plan
    is the start), then, for a warm start without a plan yet, the dive; `deadlines`
    (perf_counter seconds) end the three (PREPARE_SHARES of the time limit)."""
    cut_deadline, tree_deadline, start_deadline = deadlines
    prep = Preparation()
    cuts = bool(options.cuts and compiled.integer.any()
                and (model_separators(model, compiled) or compiled.deferred is not None))
    if not cuts:
        compiled.restore_deferred()
    strategic = getattr(model, "xb_strategic", None)
    if strategic is not None:
        strategic = strategic & compiled.integer
    tree = strategic is not None and strategic.any() and _wants_tree(options, model)
    warm = _wants_warm_start(options, compiled)
    if not (cuts or tree or warm):
        return prep
    relaxed = RelaxedLp(compiled, highspy)
    prep.root = strengthen_root(relaxed, model, ROOT_CUT_ROUNDS if cuts else 0, cut_deadline)
    if prep.root.lp_values is None:
        return prep
    if tree:
        prep.tree = strategic_tree(relaxed, prep.root.lp_values, strategic, float(options.mip_gap), tree_deadline)
        prep.start_plan = prep.tree.plan
    if warm and prep.start_plan is None:
        prep.start_plan = rounded_lp_plan(relaxed, prep.root.lp_values, strategic, start_deadline)
    return prep


HIGHS_DEFAULTS: dict = {}  # options that measurably help on this model (see benchmarks/scale.py)


class HighsSolver:
    name = "highs"

    @staticmethod
    def availability() -> tuple[bool, str]:
        return package_availability("highspy", "pip install highspy")

    @staticmethod
    @functools.cache
    def version() -> str:
        h = new_highs()
        return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"

    def solve(self, model: pyo.ConcreteModel, options: SolveOptions) -> SolveResult:
        import highspy

        start = time.perf_counter()
        defer = getattr(model, "xb_deferrable", ()) if options.cuts and _wants_tree(options, model) else ()
        try:
            compiled = CompiledModel(model, defer)
        except InfeasibleConstraintException as err:
            return self._trivially_infeasible(str(err), time.perf_counter() - start)
        compile_seconds = time.perf_counter() - start

        start = time.perf_counter()
        limit = INF if options.time_limit is None else options.time_limit
        prep = _prepare(model, compiled, options, start + np.array(PREPARE_SHARES) * limit, highspy)
        prepare_seconds = time.perf_counter() - start

        if prep.tree is not None and prep.tree.closed:
            result = self._tree_result(prep.tree, compiled, model, compile_seconds, prepare_seconds)
        else:
            result = self._run_highs(compiled, model, options, prep.start_plan, compile_seconds, prepare_seconds, highspy)
        if prep.root is not None:
            _tighten_bound(result, prep.root.lp_bound_after, compiled.sign)
            if prep.root.rounds:
                result.extra["root_cuts"] = prep.root.facts()
        if prep.tree is not None:
            _tighten_bound(result, compiled.sign * prep.tree.bound, compiled.sign)
            result.extra["strategic_tree"] = prep.tree.facts(compiled.sign)
        return result

    def _run_highs(self, compiled, model, options, start_plan, compile_seconds, prepare_seconds, highspy) -> SolveResult:
        """HiGHS's branch-and-bound on the compiled model, from `start_plan` if any, within what
        is left of the time limit."""
        start = time.perf_counter()
        compiled.restore_deferred()  # measured at size l: HiGHS's own cuts need the full linking rows
        h = self._highs(options)
        h.passModel(highs_lp(compiled, highspy))
        handoff = compile_seconds + time.perf_counter() - start

        start = time.perf_counter()
        if start_plan is not None:
            solution = highspy.HighsSolution()
            solution.col_value = start_plan
            solution.value_valid = True
            h.setSolution(solution)
        if options.time_limit is not None:  # the root loop, the tree and the start count against the limit
            h.setOptionValue("time_limit", max(options.time_limit - prepare_seconds, 1.0))
        h.run()
        solve_seconds = prepare_seconds + time.perf_counter() - start
        return self._result(h, compiled, model, handoff, solve_seconds, highspy)

    def _tree_result(self, tree: TreeReport, compiled: CompiledModel, model, compile_seconds, prepare_seconds) -> SolveResult:
        """The result when the strategic tree closed the gap on its own (HiGHS's MIP not run)."""
        compiled.load(tree.plan, model)
        objective, bound = compiled.sign * tree.value, compiled.sign * tree.bound
        return SolveResult(
            solver=self.name, solver_version=self.version(), status=Status.OPTIMAL, has_solution=True,
            objective=objective, bound=bound,
            gap=abs(bound - objective) / max(abs(objective), 1e-12),
            handoff_seconds=compile_seconds, solve_seconds=prepare_seconds, size=compiled.size,
            message="optimal within the gap (strategic branch-and-bound on the root LP)",
        )

    def _highs(self, options: SolveOptions):
        import highspy

        if options.threads:
            highspy.Highs.resetGlobalScheduler(True)
        h = new_highs(options.log)
        h.setOptionValue("output_flag", bool(options.log))
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        if options.time_limit is not None:
            h.setOptionValue("time_limit", float(options.time_limit))
        if options.threads:
            h.setOptionValue("threads", int(options.threads))
        for key, value in {**HIGHS_DEFAULTS, **options.solver_options}.items():
            if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                raise ValueError(f"HiGHS rejected the option {key}={value!r}")
        return h

    def _result(self, h, compiled: CompiledModel, model, handoff, solve_seconds, highspy) -> SolveResult:
        status_map = {
            highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
            highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
            highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
            highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE_OR_UNBOUNDED,
            highspy.HighsModelStatus.kTimeLimit: Status.TIME_LIMIT,
            highspy.HighsModelStatus.kInterrupt: Status.INTERRUPTED,
            highspy.HighsModelStatus.kModelEmpty: Status.OPTIMAL,
        }
        model_status = h.getModelStatus()
        status = status_map.get(model_status, Status.ERROR)
        info = h.getInfo()
        has_solution = status is Status.OPTIMAL or info.primal_solution_status == 2
        objective = bound = gap = None
        if has_solution:
            compiled.load(np.asarray(h.getSolution().col_value, dtype=float), model)
            objective = compiled.sign * info.objective_function_value
            is_mip = bool(compiled.integer.any())
            bound = compiled.sign * info.mip_dual_bound if is_mip else objective
            gap = float(info.mip_gap) if is_mip else 0.0
            if model_status == highspy.HighsModelStatus.kModelEmpty:
                objective = bound = compiled.offset * compiled.sign
                gap = 0.0
        return SolveResult(
            solver=self.name,
            solver_version=self.version(),
            status=status,
            has_solution=has_solution,
            objective=objective,
            bound=bound,
            gap=gap,
            handoff_seconds=handoff,
            solve_seconds=solve_seconds,
            size=compiled.size,
            message=h.modelStatusToString(model_status),
        )

    def _trivially_infeasible(self, message: str, seconds: float) -> SolveResult:
        return SolveResult(
            self.name, self.version(), Status.INFEASIBLE, False, None, None, None, seconds, 0.0,
            ModelSize(0, 0, 0, 0), message=message,
        )
