"""HiGHS back end: prepare on the root LP, then HiGHS's branch-and-bound, all within one budget.

1. Compile the model to matrices (`compile.py`) and start the solve's `Budget` (`budget.py`).
2. Prepare on the LP relaxation (`relaxed.py`, `tree.py`): the root LP, the root cut loop, the
   strategic tree for very large models, and a dived and rounded start plan. Each stage is
   bounded by its share of the time limit; when the root LP cannot finish within its share, the
   model goes to HiGHS's MIP directly (its own heuristics find plans).
3. HiGHS's MIP from the best plan found so far, with whatever time is left.

The reported objective is always recomputed from the plan that is loaded into the model (and
so written out), and the gap from that objective and the best valid bound.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException

from .budget import (INF, CUT_SHARE, DIVE_MIN_SECONDS, DIVE_ROOT_MULTIPLE, DIVE_SHARE, MIN_MIP_SECONDS, MIP_STOP_RESERVE,
                     QUICK_SHARE,
                     ROOT_LP_SHARE, ROUND_SHARE, TREE_SHARE, Budget)
from .compile import CompiledModel, highs_lp, new_highs, run_highs
from .progress import Progress
from .relaxed import ROOT_CUT_ROUNDS, RelaxedLp, RootCuts, cut_loop, model_separators, solve_root
from .result import ModelSize, SolveOptions, SolveResult, Status, package_availability
from .tree import TreeReport, nearest_rounding, rounded_lp_plan, strategic_tree

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


def _wants_warm_start(options: SolveOptions, compiled: CompiledModel, cuts: bool) -> bool:
    """By default only for models of WARM_START_MIN_COLUMNS+ columns whose root LP carries
    xborder's own cuts: without them the root LP is the one HiGHS solves itself, and HiGHS's
    own heuristics use it better than a dive that eats into its time (OR-Library capc:
    benchmarks/levers.py)."""
    if not compiled.integer.any():
        return False
    if options.warm_start is None:
        return cuts and len(compiled.columns) >= WARM_START_MIN_COLUMNS
    return bool(options.warm_start)


@dataclass
class Preparation:
    """What the LP relaxation gave before the MIP: root cuts, the strategic tree, a start plan."""

    root: RootCuts | None = None
    tree: TreeReport | None = None
    start_plan: np.ndarray | None = None
    root_lp_abandoned: bool = False

    def bound(self, sign: float) -> float | None:
        """The tightest valid bound found here, in the model's sense (None if none)."""
        bounds = []
        if self.root is not None and self.root.lp_bound_after is not None:
            bounds.append(self.root.lp_bound_after)
        if self.tree is not None and np.isfinite(self.tree.bound):
            bounds.append(sign * self.tree.bound)
        if not bounds:
            return None
        return min(bounds) if sign < 0 else max(bounds)


def _prepare(model, compiled: CompiledModel, options: SolveOptions, budget: Budget, highspy) -> Preparation:
    """Root LP; when the strategic tree or a warm start is wanted, a first plan by the nearest
    rounding of it at once (anytime); the cut loop (cuts and deferred rows); then better plans
    (`_improve_plans`). Each within its share of the budget (`budget.py`)."""
    progress = options.progress
    prep = Preparation()
    cuts = bool(options.cuts and compiled.integer.any()
                and (model_separators(model, compiled) or compiled.deferred is not None))
    if not cuts:
        compiled.restore_deferred()
    strategic = getattr(model, "xb_strategic", None)
    if strategic is not None:
        strategic = strategic & compiled.integer
    tree = strategic is not None and strategic.any() and _wants_tree(options, model)
    warm = _wants_warm_start(options, compiled, cuts)
    if not (cuts or tree or warm):
        return prep
    relaxed = RelaxedLp(compiled, highspy, budget)
    prep.root = solve_root(relaxed, budget.at(ROOT_LP_SHARE), progress)
    if prep.root.lp_values is None:
        prep.root_lp_abandoned = not relaxed.infeasible
        if prep.root_lp_abandoned and not budget.stopped:
            progress.stage("root LP", "not solved within its share of the time limit: HiGHS's MIP takes the model as it is")
        compiled.restore_deferred()
        return prep
    if strategic is None:
        strategic = np.zeros(len(compiled.columns), dtype=bool)
    plans = []

    def found(plan):
        """Keep the better of `plan` and the start so far; report it; return `plan`."""
        plans.append(plan)
        prep.start_plan = min((p for p in plans if p is not None), key=lambda p: compiled.sign * compiled.objective_of(p),
                              default=None)
        _report_plan(progress, compiled, plan, prep.bound(compiled.sign))
        return plan

    if tree or warm:  # a first plan at once, from the root LP itself
        progress.begin("rounding")
        plan = found(nearest_rounding(relaxed, prep.root.lp_values, strategic, until=budget.until_share(QUICK_SHARE)))
        progress.stage("rounding", "plan found" if plan is not None else "no plan (infeasible, or out of time)")
    cut_loop(relaxed, model, prep.root, ROOT_CUT_ROUNDS if cuts else 0, budget.until_share(CUT_SHARE), progress)
    _improve_plans(prep, relaxed, strategic, tree, warm, float(options.mip_gap), budget, progress, found)
    return prep


def _improve_plans(prep: Preparation, relaxed: RelaxedLp, strategic, tree: bool, warm: bool, mip_gap: float,
                   budget: Budget, progress: Progress, found):
    """Better plans from the cut LP: the strategic tree (very large models) or the dive (warm
    start); `found` keeps the best as HiGHS's start. The dive stops after DIVE_MIN_SECONDS +
    DIVE_ROOT_MULTIPLE root-LP times, at its share of what is left, or once it cannot beat the
    plan in hand, so on a model whose LP is cheap it hands the time to HiGHS quickly."""
    compiled, root = relaxed.compiled, prep.root
    sign = compiled.sign
    if tree and not budget.expired():
        progress.begin("tree")
        prep.tree = strategic_tree(relaxed, root.lp_values, sign * root.lp_bound_after, strategic, mip_gap,
                                   budget.until_share(TREE_SHARE), start=prep.start_plan)
        found(prep.tree.plan)
        progress.stage("tree", f"{prep.tree.nodes} nodes, {prep.tree.stopped_by}")
    elif warm and not budget.expired():
        progress.begin("dive")
        dive_until = min(budget.until_share(DIVE_SHARE),
                         time.perf_counter() + DIVE_MIN_SECONDS + DIVE_ROOT_MULTIPLE * root.lp_seconds)
        incumbent = INF if prep.start_plan is None else sign * compiled.objective_of(prep.start_plan)
        plan = found(rounded_lp_plan(relaxed, root.lp_values, strategic, dive_until, budget.until_share(ROUND_SHARE),
                                     incumbent=incumbent))
        progress.stage("dive", "plan found" if plan is not None else "no better plan")


def _report_plan(progress: Progress, compiled: CompiledModel, plan: np.ndarray | None, bound: float | None):
    if plan is not None:
        progress.incumbent(compiled.objective_of(plan), bound)


HIGHS_DEFAULTS: dict = {}  # options that measurably help on this model (see benchmarks/scale.py)
PROGRESS_EVERY = 1.0  # seconds between bound updates from HiGHS's MIP


def _gap(objective: float, bound: float | None) -> float | None:
    """Relative gap |bound - objective| / |objective|; infinite for a plan worth 0 (the empty
    plan) below a bound that is not; None without a bound."""
    if bound is None or not np.isfinite(bound):
        return None
    diff = abs(bound - objective)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / abs(objective) if abs(objective) > 1e-9 else float("inf")


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

        budget = Budget(options.time_limit)
        defer = getattr(model, "xb_deferrable", ()) if options.cuts and _wants_tree(options, model) else ()
        try:
            compiled = CompiledModel(model, defer)
        except InfeasibleConstraintException as err:
            return self._trivially_infeasible(str(err), budget.elapsed())
        compile_seconds = budget.elapsed()

        start = time.perf_counter()
        prep = _prepare(model, compiled, options, budget, highspy)
        prepare_seconds = time.perf_counter() - start

        if prep.tree is not None and prep.tree.closed:
            result = self._plan_result(prep, prep.start_plan, Status.OPTIMAL, compiled, model,
                                       "optimal within the gap (strategic branch-and-bound on the root LP)")
        elif budget.left() < MIN_MIP_SECONDS:
            status = Status.INTERRUPTED if budget.stopped else Status.TIME_LIMIT
            result = self._plan_result(prep, prep.start_plan, status, compiled, model,
                                       "HiGHS's MIP not started: no time left after the root LP stages")
        else:
            result = self._run_highs(compiled, model, options, prep, budget, highspy)
        result.handoff_seconds += compile_seconds
        result.solve_seconds += prepare_seconds
        if prep.root is not None and (prep.root.rounds or prep.root.lp_values is None):
            result.extra["root_cuts"] = prep.root.facts()
        if prep.root_lp_abandoned:
            result.extra["root_lp_abandoned"] = True
        if prep.tree is not None:
            result.extra["strategic_tree"] = prep.tree.facts(compiled.sign)
        return result

    def _run_highs(self, compiled, model, options, prep: Preparation, budget: Budget, highspy) -> SolveResult:
        """HiGHS's branch-and-bound on the compiled model, from the start plan if any, within
        what is left of the budget. The plan kept is the better of HiGHS's and the start."""
        start = time.perf_counter()
        compiled.restore_deferred()  # measured at size l: HiGHS's own cuts need the full linking rows
        h = self._highs(options)
        if h.passModel(highs_lp(compiled, highspy)) == highspy.HighsStatus.kError:
            raise ValueError("HiGHS refused the model (a coefficient, bound or cost is too large or not a number)")
        handoff = time.perf_counter() - start

        start = time.perf_counter()
        start_plan = prep.start_plan if prep.start_plan is not None else options.start
        if start_plan is not None and len(start_plan) == len(compiled.columns):
            solution = highspy.HighsSolution()
            solution.col_value = compiled.rounded(np.asarray(start_plan, dtype=float))
            solution.value_valid = True
            h.setSolution(solution)  # HiGHS checks it: an infeasible start is ignored
        self._subscribe_progress(h, compiled.sign, options.progress)
        options.progress.begin("MIP")
        run_highs(h, budget, until=budget.deadline - min(MIP_STOP_RESERVE, 0.2 * budget.left()))
        result = self._result(h, compiled, model, prep, highspy)
        result.handoff_seconds, result.solve_seconds = handoff, time.perf_counter() - start
        options.progress.incumbent(result.objective, result.bound)
        options.progress.stage("MIP", h.modelStatusToString(h.getModelStatus()))
        return result

    @staticmethod
    def _subscribe_progress(h, sign: float, progress: Progress):
        """Report HiGHS's improving plans at once and its bounds at most every PROGRESS_EVERY s."""
        last = [0.0]

        def improving(event):
            out = event.data_out
            progress.incumbent(sign * out.objective_function_value, sign * out.mip_dual_bound)

        def periodic(event):
            now = time.perf_counter()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                out = event.data_out
                bound = sign * out.mip_dual_bound
                progress.incumbent(bound=bound if np.isfinite(bound) else None)

        h.cbMipImprovingSolution.subscribe(improving)
        h.cbMipInterrupt.subscribe(periodic)

    def _highs(self, options: SolveOptions):
        import highspy

        if options.threads:
            highspy.Highs.resetGlobalScheduler(True)
        h = new_highs(options.log)
        h.setOptionValue("output_flag", bool(options.log))
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        if options.threads:
            h.setOptionValue("threads", int(options.threads))
        for key, value in {**HIGHS_DEFAULTS, **options.solver_options}.items():
            if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                raise ValueError(f"HiGHS rejected the option {key}={value!r}")
        return h

    def _result(self, h, compiled: CompiledModel, model, prep: Preparation, highspy) -> SolveResult:
        """The result of HiGHS's MIP. The plan is HiGHS's solution, or the start plan when that is
        better or HiGHS has none; its objective is recomputed from the plan itself (HiGHS's own
        objective value can belong to another solution than the one it returns, e.g. when its
        time limit stops it in presolve with the start plan as the incumbent), and the bound is
        the tightest of HiGHS's dual bound and the preparation's."""
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
        sign, is_mip = compiled.sign, bool(compiled.integer.any())
        plan = None
        if status is Status.OPTIMAL or info.primal_solution_status == 2:
            plan = compiled.rounded(np.asarray(h.getSolution().col_value, dtype=float))
            if model_status == highspy.HighsModelStatus.kModelEmpty:
                plan = compiled.rounded(np.clip(np.zeros(len(compiled.columns)), compiled.col_lower, compiled.col_upper))
        start = prep.start_plan
        if start is not None and (plan is None or sign * compiled.objective_of(start) < sign * compiled.objective_of(plan)):
            plan = start
            if status is Status.INFEASIBLE or status is Status.ERROR:
                status = Status.TIME_LIMIT  # the start plan is feasible: HiGHS stopped before proving anything
        dual = sign * info.mip_dual_bound if is_mip else None
        bounds = [b for b in (dual, prep.bound(sign)) if b is not None and np.isfinite(b)]
        bound = (min(bounds) if sign < 0 else max(bounds)) if bounds else None
        message = h.modelStatusToString(model_status)
        result = self._plan_result_from(plan, status, compiled, model, bound, message, is_mip)
        if plan is not None and info.primal_solution_status == 2:
            result.extra["solver_objective"] = sign * info.objective_function_value
        return result

    def _plan_result(self, prep: Preparation, plan, status: Status, compiled, model, message: str) -> SolveResult:
        """The result from a plan found before HiGHS's MIP (the tree's or the start)."""
        return self._plan_result_from(plan, status, compiled, model, prep.bound(compiled.sign), message, True)

    def _plan_result_from(self, plan, status, compiled: CompiledModel, model, bound, message, is_mip) -> SolveResult:
        objective = gap = None
        if plan is not None:
            compiled.load(plan, model)
            objective = compiled.objective_of(plan)
            if not is_mip or status is Status.OPTIMAL and bound is None:
                bound = objective
            gap = _gap(objective, bound)
        elif status is Status.OPTIMAL:
            status = Status.ERROR
        return SolveResult(
            solver=self.name, solver_version=self.version(), status=status, has_solution=plan is not None,
            objective=objective, bound=bound if plan is not None else None, gap=gap,
            handoff_seconds=0.0, solve_seconds=0.0, size=compiled.size, message=message,
        )

    def _trivially_infeasible(self, message: str, seconds: float) -> SolveResult:
        return SolveResult(
            self.name, self.version(), Status.INFEASIBLE, False, None, None, None, seconds, 0.0,
            ModelSize(0, 0, 0, 0), message=message,
        )
