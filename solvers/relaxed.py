"""The LP relaxation at the root: one Highs object re-solved from its basis.

`RelaxedLp` holds the relaxation; every solve is bounded by the solve's `Budget` (and, where a
stage has a share of the limit, by that share's end). `strengthen_root` is the root cut loop: it
adds the model's violated valid inequalities (models/cuts.py) and the violated deferred rows,
and re-solves from the basis.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.errors import InfeasibleConstraintException

from ..models.columns import structure_of
from .budget import INF, Budget
from .compile import CompiledModel, DeferredRows, loaded_highs, run_highs
from .implied import implied_upper
from .progress import SILENT, Progress


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


class RelaxedLp:
    """The LP relaxation of a compiled model in one Highs object. Each `solve` starts from the
    previous basis, so re-solving after added rows or changed bounds takes few iterations. No
    solve runs past `budget` (nor past `until`, when given). With `box`, every column the rows bound
    gets that bound in that object (`implied_upper`, solvers/implied.py): the same LP, which the
    dual simplex solves faster on one-period profit models (solvers/prepare.py, `box_root`)."""

    def __init__(self, compiled: CompiledModel, highspy, budget: Budget | None = None, box: bool = False):
        self.compiled = compiled
        self.box = box
        self.highspy = highspy
        self.budget = budget or Budget()
        self._implied_upper = None
        self._bounding_upper = None
        self._h = None
        self._last = None  # the Highs object of the last solve that ran
        self.n = len(compiled.columns)
        self.solves = 0

    def solve(self, lower: np.ndarray | None = None, upper: np.ndarray | None = None,
              until: float = INF, stop_when=None) -> np.ndarray | None:
        """Primal values at the optimum (with the given column bounds if any), or None: the LP
        is infeasible (`infeasible`) or was not solved, e.g. stopped by the budget, `until` or
        `stop_when()` turning true."""
        h = self.h
        if lower is not None:
            if self._implied_upper is not None:
                upper = np.maximum(np.minimum(upper, self._implied_upper), lower)  # a fixing stays a fixing
            h.changeColsBounds(self.n, np.arange(self.n, dtype=np.int32), lower, upper)
        return self._run(h, until, stop_when)

    def solve_fresh(self, lower: np.ndarray, upper: np.ndarray, until: float = INF) -> np.ndarray | None:
        """As `solve`, but in a new Highs object, with HiGHS's presolve, not from the basis: for
        bounds that fix many columns at once (a rounding), presolve removes them and the rest
        solves in seconds, where the dual simplex from the root basis needs about as long as
        the root LP itself (size xl: 2.9 s against 45 s). The model's own bounds, not the implied
        ones: boxed, presolve left the sample start's fixed LP at size xl (`--time-limit 30`)
        without a plan by its deadline at 18 s, where it has one at 15 s unboxed."""
        return self._run(loaded_highs(self.compiled, relax=True, lower=lower, upper=upper), until)

    @property
    def h(self):
        """The Highs object re-solved from its basis, loaded at the first `solve` (with `box`, with
        every column the rows bound boxed); `solve_fresh` alone never loads it."""
        if self._h is None:
            # HiGHS's serial dual simplex, not its parallel one (simplex_strategy 2): that is 1.3x faster
            # at size l on an idle machine, but spins on its threads, and with other work beside it
            # took 2.6-5.8 s on the demo's root LP instead of 0.04 s, and 80 s at size l instead of 42.
            c = self.compiled
            if self.box:
                self._implied_upper = self.bounding_upper
                self._h = loaded_highs(c, relax=True, lower=c.col_lower, upper=self._implied_upper)
            else:
                self._h = loaded_highs(c, relax=True)
        return self._h

    def _run(self, h, until: float, stop_when=None) -> np.ndarray | None:
        self._last = None
        if not run_highs(h, self.budget, until, stop_when):
            return None
        self._last = h
        self.solves += 1
        if h.getModelStatus() != self.highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(h.getSolution().col_value, dtype=float)

    @property
    def infeasible(self) -> bool:
        """The last solve proved the LP infeasible (not merely stopped or skipped)."""
        last = self._last
        return last is not None and last.getModelStatus() == self.highspy.HighsModelStatus.kInfeasible

    @property
    def value(self) -> float:
        """The objective of the last solve that ran (`solve` or `solve_fresh`; its optimum when that
        solve returned values), as HiGHS minimises it (objective times `sign`, offset included)."""
        return self._last.getInfo().objective_function_value

    @property
    def bound(self) -> float:
        """The last optimum in the model's own sense (max or min)."""
        return self.compiled.sign * self.value

    def stopped_bound(self) -> float | None:
        """The bound (model sense) that the row duals of the last solve give when it stopped short of
        its optimum (`dual_bound`, over the column bounds the rows imply). Re-solved from a basis,
        the dual simplex keeps its duals feasible, and the objective it has reached is a bound
        between the previous optimum and the one it was heading for. None when the solve left no
        duals (stopped in presolve) or they give no finite bound."""
        last = self._last
        if last is None:
            return None
        solution = last.getSolution()
        if not solution.dual_valid:
            return None
        bound = dual_bound(self.compiled, np.asarray(solution.row_dual, dtype=float), self.bounding_upper)
        return bound if np.isfinite(bound) else None

    @property
    def bounding_upper(self) -> np.ndarray:
        """The column upper bounds the rows imply (`implied_upper`), computed once: those the LP is
        boxed with (`box`) and those a bound from duals is taken over."""
        if self._bounding_upper is None:
            c = self.compiled
            self._bounding_upper = implied_upper(c.A, c.row_lower, c.row_upper, c.col_lower, c.col_upper)
        return self._bounding_upper

    def add_rows(self, rows: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray):
        self.h.addRows(rows.shape[0], lower, upper, rows.nnz, rows.indptr[:-1].astype(np.int32),
                       rows.indices.astype(np.int32), rows.data)


DUAL_TOLERANCE = 1e-7  # HiGHS's dual_feasibility_tolerance


def dual_bound(compiled: CompiledModel, row_dual: np.ndarray, col_upper: np.ndarray) -> float:
    """The bound that any row prices y give (min sense, as HiGHS minimises; in the model's sense
    after `sign`): for min c x subject to l_r <= A x <= u_r and l <= x <= `col_upper`,

        c x >= sum_i (y_i l_r,i if y_i > 0 else y_i u_r,i) + sum_j min(d_j l_j, d_j u_j),  d = c - A'y,

    at every feasible x, whatever y (a price on a side that is infinite is taken as 0). At the
    LP's optimal duals it is the LP optimum; from approximate duals (an interior point stopped
    short of crossover) it is still valid, only weaker. Columns with a negative d need a finite
    upper bound (the implied ones, solvers/implied.py), or the bound is -inf; a d within HiGHS's
    dual feasibility tolerance (DUAL_TOLERANCE, relative to the cost) counts as 0, the tolerance
    within which HiGHS calls its own LP optimum optimal (basic columns carry d of about 1e-13)."""
    y = np.asarray(row_dual, dtype=float).copy()
    lower_open, upper_open = ~np.isfinite(compiled.row_lower), ~np.isfinite(compiled.row_upper)
    y[(y > 0) & lower_open] = 0.0
    y[(y < 0) & upper_open] = 0.0
    sides = np.where(y > 0, np.where(lower_open, 0.0, compiled.row_lower), np.where(upper_open, 0.0, compiled.row_upper))
    d = compiled.cost - compiled.A.T @ y
    at_bound = np.where(d > 0, compiled.col_lower, col_upper)
    priced = np.abs(d) > DUAL_TOLERANCE * (1.0 + np.abs(compiled.cost))
    columns = d[priced] * at_bound[priced]
    return compiled.sign * (float(y @ sides) + float(columns.sum()) + compiled.offset)


@dataclass
class RootCuts:
    """What the root LP and its cut loop did: LP bounds (model sense) before and after, rows added."""

    rounds: int = 0
    rows: int = 0
    deferred_added: int = 0
    deferred_total: int = 0
    lp_bound_before: float | None = None
    lp_bound_after: float | None = None
    seconds: float = 0.0
    lp_seconds: float = 0.0  # the first LP solve alone
    stopped_round: bool = False  # the last round's LP stopped short; lp_bound_after is from its duals
    lp_values: np.ndarray | None = field(default=None, repr=False)

    def facts(self) -> dict:
        facts = {"rounds": self.rounds, "rows": self.rows, "lp_bound_before": self.lp_bound_before,
                 "lp_bound_after": self.lp_bound_after, "seconds": round(self.seconds, 3),
                 "root_lp_seconds": round(self.lp_seconds, 3)}
        if self.deferred_total:
            facts["deferred_rows_added"] = self.deferred_added
            facts["deferred_rows_total"] = self.deferred_total
        if self.stopped_round:
            facts["last_round_stopped"] = True
        return facts


ROOT_CUT_ROUNDS = 10
ROOT_CUT_MIN_GAIN = 1e-5  # stop once a round moves the LP bound by less than this (relative)


def model_separators(model, compiled: CompiledModel) -> tuple:
    """The model's active cut separators, if the compiled columns are the model's own order. Over
    a calendar only when the linking rows are held back (models of 200,000+ columns, whose root LP
    is prepared before HiGHS's MIP anyway): on the 12-month size-m case the cuts take the root
    bound from 0.44% above the best known plan to 0.12%, while on the 12-month demo (36,639
    columns) they moved it by 0.2% and, by taking the solve off its path with HiGHS's MIP beside
    the dive, left it at 2.46% after 60 s instead of 1.83%."""
    structure = structure_of(model)
    if structure is None or compiled.columns is not structure.columns:
        return ()
    if model.axis.count > 1 and compiled.deferred is None:
        return ()
    return structure.separators()


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


def solve_root(relaxed: RelaxedLp, lp_until: float = INF, progress: Progress = SILENT,
               extend_until: float | None = None, extend=None) -> RootCuts:
    """Solve the LP relaxation, stopped at `lp_until`, or, with `extend`, at `extend_until` as
    long as `extend()` holds past `lp_until`; the report holds its values and bound (`lp_values`
    None when it was not solved). HiGHS cannot resume an LP stopped in its presolved space (a
    second run starts again from presolve), so the decision to run on is taken while it runs."""
    start = time.perf_counter()
    deferred = relaxed.compiled.deferred
    report = RootCuts(deferred_total=0 if deferred is None else deferred.total)
    progress.begin("root LP")
    if extend is None or extend_until is None or extend_until <= lp_until:
        report.lp_values = relaxed.solve(until=lp_until)
    else:
        report.lp_values = relaxed.solve(until=extend_until,
                                         stop_when=lambda: time.perf_counter() >= lp_until and not extend())
    report.lp_seconds = report.seconds = time.perf_counter() - start
    if report.lp_values is not None:
        report.lp_bound_before = report.lp_bound_after = relaxed.bound
        progress.stage("root LP", f"solved in {report.lp_seconds:.1f} s")
        progress.incumbent(bound=relaxed.bound)
    return report


def cut_loop(relaxed: RelaxedLp, model, report: RootCuts, max_rounds: int = ROOT_CUT_ROUNDS, until: float = INF,
             progress: Progress = SILENT):
    """From the root LP solution in `report`: add the model's violated valid inequalities
    (models/cuts.py) and violated deferred rows (`DeferredRows`) as rows and re-solve from the
    previous basis (with the model's own column bounds), until none is violated, a round moves
    the bound by less than ROOT_CUT_MIN_GAIN, `max_rounds` is reached or `until` passes. A
    round's LP that does not finish in time leaves the previous round's solution (still valid:
    the rows only cut off fractional points) and the tighter of the previous bound and the one
    its duals give so far (`RelaxedLp.stopped_bound`). The rows are appended to the compiled
    model too; `report` is updated."""
    start = time.perf_counter()
    compiled = relaxed.compiled
    separators = model_separators(model, compiled)
    if max_rounds:
        progress.begin("cuts")
    while report.rounds < max_rounds and not relaxed.budget.expired(until):
        cuts, lower, upper, held = _violated_rows(model, separators, compiled.deferred, report.lp_values)
        if cuts.shape[0] == 0:
            break
        relaxed.add_rows(cuts, lower, upper)
        compiled.add_rows(cuts, lower, upper)
        report.rounds += 1
        report.rows += cuts.shape[0]
        report.deferred_added += held
        values = _solve_round(relaxed, report, until, progress)
        if values is None:
            break
        previous, report.lp_values, report.lp_bound_after = report.lp_bound_after, values, relaxed.bound
        progress.incumbent(bound=relaxed.bound)
        if abs(previous - relaxed.bound) <= ROOT_CUT_MIN_GAIN * abs(relaxed.bound):
            break
    report.seconds += time.perf_counter() - start
    if report.rounds:
        progress.stage("cuts", f"{report.rows} rows in {report.rounds} round(s), LP bound {report.lp_bound_after:,.0f}")


def _solve_round(relaxed: RelaxedLp, report: RootCuts, until: float, progress: Progress) -> np.ndarray | None:
    """The round's LP re-solved from the basis until `until`: its optimal values, or None when it
    stopped short, and then the bound its duals give replaces the report's when tighter."""
    compiled = relaxed.compiled
    values = relaxed.solve(compiled.col_lower, compiled.col_upper, until)
    if values is not None:
        return values
    bound = relaxed.stopped_bound()
    if bound is not None and compiled.sign * bound > compiled.sign * report.lp_bound_after:
        report.lp_bound_after = bound
        report.stopped_round = True
        progress.incumbent(bound=bound)
    return None


def finish_stopped_round(relaxed: RelaxedLp, report: RootCuts, until: float = INF, progress: Progress = SILENT):
    """Run the LP of a round stopped at its share (`report.stopped_round`) on from its basis until
    `until`: its optimum becomes the report's solution and bound, as if the round had finished in
    time (the tree and the dive then branch on the LP with the round's rows solved, not on the round
    before); stopped again, the bound its duals give by then is kept when tighter."""
    if not report.stopped_round:
        return
    values = _solve_round(relaxed, report, until, progress)
    if values is None:
        return
    report.lp_values, report.lp_bound_after, report.stopped_round = values, relaxed.bound, False
    progress.incumbent(bound=relaxed.bound)


def strengthen_root(relaxed: RelaxedLp, model, max_rounds: int = ROOT_CUT_ROUNDS, cut_until: float = INF,
                    lp_until: float = INF, progress: Progress = SILENT) -> RootCuts:
    """The root LP (`solve_root`) and then its cut loop (`cut_loop`)."""
    report = solve_root(relaxed, lp_until, progress)
    if report.lp_values is not None:
        cut_loop(relaxed, model, report, max_rounds, cut_until, progress)
    return report
