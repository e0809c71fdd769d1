"""HiGHS back end: prepare on the root LP, then HiGHS's branch-and-bound, all within one budget.

1. Compile the model to matrices (`compile.py`) and start the solve's `Budget` (`budget.py`).
2. Prepare on the LP relaxation (`prepare.py`, on `relaxed.py` and `tree.py`): the root LP, the root cut loop, the
   strategic tree for very large models, and a dived and rounded start plan. Each stage is
   bounded by its share of the time limit; when the root LP cannot finish within its share, the
   model goes to HiGHS's MIP directly (its own heuristics find plans).
3. After a strategic tree that did not close its gap, the polish: the best plan's strategic
   decisions fixed and the rest solved as a MIP (`_polish`), within its share of what is left.
4. HiGHS's MIP from the best plan found so far, with whatever time is left.

When the only stage wanted is the warm start (a model without xborder's cuts, no tree), nothing
in HiGHS's model would change, so steps 2 and 4 run side by side instead: HiGHS's MIP in a thread
from the start, the root LP, rounding and dive here, each plan handed to HiGHS as it is found.

The reported objective is always recomputed from the plan that is loaded into the model (and
so written out), and the gap from that objective and the best valid bound.
"""

from __future__ import annotations

import functools
import time
from concurrent.futures import Future

import numpy as np
import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException

from ..models.columns import structure_of
from .budget import INF, MIN_MIP_SECONDS, MIP_STOP_RESERVE, POLISH_SHARE, Budget
from .compile import CompiledModel, Matrices, MatrixSolution, loaded_highs, new_highs, run_highs
from .prepare import ArrivingStart, PlanOffers, Preparation, Stages, alongside, prepare, wants_tree
from .progress import Progress
from .result import ModelSize, SolveOptions, SolveResult, Status, package_availability, relative_gap

# HiGHS accepts MIP plans within its mip_feasibility_tolerance (default 1e-6, absolute, on its
# presolved model); the checker's tolerance is 1e-6 relative, so at HiGHS's default a plan could
# sit on the checker's edge (a stock balance off by 1.08e-6 on the seasonal demo). A tenth of it
# keeps every plan HiGHS accepts well inside.
HIGHS_DEFAULTS: dict = {"mip_feasibility_tolerance": 1e-7}
PROGRESS_EVERY = 1.0  # seconds between bound updates from HiGHS's MIP


def _keep_better(prep: Preparation, plan, compiled: CompiledModel):
    """`plan` (if any) becomes the preparation's start plan when it is better than the one held."""
    prep.start_plan = compiled.best_of(prep.start_plan, plan)


def _no_worse_than_nothing(compiled: CompiledModel, plan):
    """`plan`, or the plan that decides nothing when that is feasible and better (a plan found
    is never reported below doing nothing)."""
    return None if plan is None else compiled.best_of(plan, compiled.do_nothing_plan())


def _arrival_handler(arriving: ArrivingStart, offers: PlanOffers, prep: Preparation, compiled: CompiledModel):
    """HiGHS user-solution callback: once the arriving start is here, keep it (if better) and
    hand it to HiGHS."""

    def handle(event):
        plan = arriving.take()
        if plan is not None:
            _keep_better(prep, plan, compiled)
            offers.put(plan)
        offers.hand_over(event)

    return handle


def _status(model_status, highspy) -> Status:
    return {
        highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
        highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
        highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
        highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE_OR_UNBOUNDED,
        highspy.HighsModelStatus.kTimeLimit: Status.TIME_LIMIT,
        highspy.HighsModelStatus.kInterrupt: Status.INTERRUPTED,
        highspy.HighsModelStatus.kModelEmpty: Status.OPTIMAL,
    }.get(model_status, Status.ERROR)


def _mip_cannot_start(prep: Preparation, budget: Budget) -> bool:
    """HiGHS's MIP begins by solving the root LP again, on the full matrix (deferred rows
    restored), which takes at least as long as the preparation's root LP did: with a plan in
    hand and less time left than that, it could neither improve the plan nor the bound, and
    measured at size l (every mechanic, 300 s) it ran 40 s past the limit, so it is not started.
    A root LP abandoned at its share of the limit counts with the time it ran: solving it takes
    longer still (on the 12-month size-l calendar at 300 s, HiGHS's MIP from the calendar
    start's plan after an abandoned root LP improved nothing and ran past the limit)."""
    root = prep.root
    return (prep.start_plan is not None and budget.limit is not None and root is not None
            and budget.left() < root.lp_seconds)


def _mip_stop(budget: Budget) -> float:
    """When HiGHS's MIP on the full model stops: MIP_STOP_RESERVE (at most a fifth of what is
    left) before the deadline."""
    return budget.deadline - min(MIP_STOP_RESERVE, 0.2 * budget.left())


def _polish_until(prep: Preparation, budget: Budget) -> float:
    """When the polish ends: at POLISH_SHARE of what is left, or, when HiGHS's MIP could not
    start after it anyway (`_mip_cannot_start`), at the MIP's own stop."""
    return _mip_stop(budget) if _mip_cannot_start(prep, budget) else budget.until_share(POLISH_SHARE)


class HighsSolver:
    name = "highs"
    solves_matrices = True  # an extensive form or an elastic model, handed over as matrices

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
        structure = structure_of(model)
        deferrable = structure.deferrable if structure is not None else ()
        defer = deferrable if options.cuts and wants_tree(options, model) else ()
        try:
            compiled = CompiledModel(model, defer)
        except InfeasibleConstraintException as err:
            return self._trivially_infeasible(str(err), budget.elapsed())
        compile_seconds = budget.elapsed()

        stages = Stages.of(model, compiled, options)
        arriving = ArrivingStart(options.start, compiled)
        prep = Preparation(start_plan=arriving.take())
        if stages.beside_highs:
            result = self._run_highs_beside_preparation(compiled, model, options, stages, budget, highspy, prep, arriving)
            prepare_seconds = 0.0
        else:
            start = time.perf_counter()
            prepare(model, compiled, options, budget, highspy, stages, prep=prep, arriving=arriving)
            prepare_seconds = time.perf_counter() - start
            self._polish(compiled, options, prep, stages, budget)
            result = self._after_preparation(compiled, model, options, prep, budget, highspy, arriving)
        result.handoff_seconds += compile_seconds
        result.solve_seconds += prepare_seconds
        if prep.root is not None and (prep.root.rounds or prep.root.lp_values is None):
            result.extra["root_cuts"] = prep.root.facts()
        if prep.root_lp_abandoned:
            result.extra["root_lp_abandoned"] = True
        if prep.tree is not None:
            result.extra["strategic_tree"] = prep.tree.facts(compiled.sign)
        if prep.polish is not None:
            result.extra["polish"] = prep.polish
        result.extra["stages"] = {"cuts": stages.cuts, "deferred_rows": bool(defer), "tree": prep.tree is not None,
                                  "warm_start": stages.warm, "beside_highs": stages.beside_highs,
                                  "highs_mip": result.extra.pop("highs_mip", False)}
        return result

    def solve_matrices(self, problem: Matrices, options: SolveOptions, budget: Budget | None = None,
                       start: np.ndarray | None = None, until: float = INF) -> MatrixSolution:
        """HiGHS's MIP (or LP) on a problem given as matrices, within `budget` (default: the
        options' time limit from now) and `until` (perf_counter seconds), with the options' gap,
        threads and solver options; with `start`, a plan HiGHS begins its MIP from (checked by
        HiGHS, ignored if infeasible)."""
        import highspy

        h = self._highs(problem, options)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = np.where(problem.integer, np.round(start), start)
            solution.value_valid = True
            h.setSolution(solution)
        run_highs(h, budget or Budget(options.time_limit), until)
        info = h.getInfo()
        message = h.modelStatusToString(h.getModelStatus())
        status = _status(h.getModelStatus(), highspy)
        if info.primal_solution_status != 2:
            return MatrixSolution(None, status, None, None, message)
        values = np.asarray(h.getSolution().col_value, dtype=float)
        bound = float(info.mip_dual_bound) if problem.integer.any() else float(info.objective_function_value)
        return MatrixSolution(values, status, float(info.objective_function_value), bound, message)

    def _polish(self, compiled: CompiledModel, options: SolveOptions, prep: Preparation, stages: Stages, budget: Budget):
        """After a strategic tree that did not close its gap: the best plan's strategic decisions
        (markets, regimes, channels, warehouses, mitigation) fixed, and the rest (portfolio,
        certifications, flows, stock) solved as a MIP by HiGHS from that plan, until
        `_polish_until`. HiGHS's presolve removes most of the fixed model, so it is solved in
        seconds where the full MIP would not finish its root LP: with those decisions fixed the
        portfolio's LP is far from integral (a certification bought at 0.67 for products sold at
        0.67 of their demand) and the tree's rounding leaves value behind. The plan is kept when
        it is better (`prep.polish` says what it gave)."""
        plan, tree = prep.start_plan, prep.tree
        if plan is None or tree is None or tree.closed or stages.strategic is None or budget.left() < MIN_MIP_SECONDS:
            return
        start = time.perf_counter()
        options.progress.begin("polish")
        compiled.restore_deferred()
        problem = Matrices.of(compiled)
        fixed = stages.strategic
        problem.col_lower[fixed] = problem.col_upper[fixed] = np.round(plan[fixed])
        solution = self.solve_matrices(problem, options, budget, start=plan, until=_polish_until(prep, budget))
        before = compiled.objective_of(plan)
        found = None if solution.values is None else compiled.rounded(solution.values)
        if found is not None and not compiled.satisfies(found):
            found = None
        _keep_better(prep, found, compiled)
        after = compiled.objective_of(prep.start_plan)
        prep.polish = {"objective_before": before, "objective": after, "status": solution.status.value,
                       "seconds": round(time.perf_counter() - start, 3)}
        options.progress.incumbent(after, prep.bound(compiled.sign))
        options.progress.stage("polish", f"{solution.message.lower()}; plan {before:,.0f} -> {after:,.0f}")

    def _after_preparation(self, compiled, model, options, prep: Preparation, budget: Budget, highspy,
                           arriving: ArrivingStart) -> SolveResult:
        """HiGHS's MIP from what the preparation left, unless the tree closed the gap or no time is
        left. After a root LP abandoned at its share, with no plan in hand, a start still arriving
        (the calendar start) is waited for until HiGHS's MIP would stop: HiGHS's MIP would begin by
        solving that root LP again, and at the sizes where it is abandoned it found nothing better
        than doing nothing (the 12-month size-l calendar at 300 s) while running past the limit."""
        _keep_better(prep, arriving.take(), compiled)
        if prep.root_lp_abandoned and prep.start_plan is None and arriving.pending:
            options.progress.begin("waiting for the start")
            _keep_better(prep, arriving.wait(budget, _mip_stop(budget)), compiled)
        prep.start_plan = _no_worse_than_nothing(compiled, prep.start_plan)
        if prep.tree is not None and prep.tree.closed:
            result = self._plan_result(prep, prep.start_plan, Status.OPTIMAL, compiled, model,
                                       "optimal within the gap (strategic branch-and-bound on the root LP)")
        elif budget.left() < MIN_MIP_SECONDS:
            status = Status.INTERRUPTED if budget.stopped else Status.TIME_LIMIT
            why = "interrupted before it" if budget.stopped else "no time left after the root LP stages"
            result = self._plan_result(prep, prep.start_plan, status, compiled, model, f"HiGHS's MIP not started: {why}")
        elif _mip_cannot_start(prep, budget):
            took = "ran without finishing" if prep.root_lp_abandoned else "took"
            why = f"less time left than the root LP {took} ({prep.root.lp_seconds:.0f} s)"
            result = self._plan_result(prep, prep.start_plan, Status.TIME_LIMIT, compiled, model,
                                       f"HiGHS's MIP not started: {why}")
        else:
            result = self._run_highs(compiled, model, options, prep, budget, highspy, arriving=arriving)
        return result

    def _run_highs_beside_preparation(self, compiled, model, options, stages: Stages, budget: Budget, highspy,
                                      prep: Preparation, arriving: ArrivingStart) -> SolveResult:
        """HiGHS's MIP in a thread from the start, the preparation (root LP, rounding, dive) in
        this one; each plan the preparation finds goes to HiGHS at its next user-solution
        callback, so HiGHS's search and the dive share the time instead of queueing for it. The
        preparation stops when HiGHS does and fills `prep`."""
        offers = PlanOffers(compiled)
        beside = budget.companion()

        def run_preparation():
            prepare(model, compiled, options, beside, highspy, stages, offer=offers.put, prep=prep, arriving=arriving)

        return self._run_highs(compiled, model, options, prep, budget, highspy, beside=(run_preparation, beside),
                               offers=offers, arriving=arriving)

    def _run_highs(self, compiled, model, options, prep: Preparation, budget: Budget, highspy,
                   beside=None, offers: PlanOffers | None = None, arriving: ArrivingStart | None = None) -> SolveResult:
        """HiGHS's branch-and-bound on the compiled model, from the start plan if any, within
        what is left of the budget. The plan kept is the better of HiGHS's and the start. With
        `beside` (a preparation and its budget), HiGHS runs in a thread while the preparation
        runs here and hands its plans over through `offers`; a start still `arriving` is handed
        over the same way once it is here."""
        start = time.perf_counter()
        compiled.restore_deferred()  # measured at size l: HiGHS's own cuts need the full linking rows
        h = self._highs(compiled, options)
        handoff = time.perf_counter() - start

        start = time.perf_counter()
        if arriving is not None:
            _keep_better(prep, arriving.take(), compiled)
        given = None if isinstance(options.start, Future) else options.start
        start_plan = prep.start_plan if prep.start_plan is not None else given
        if start_plan is not None and len(start_plan) == len(compiled.columns):
            solution = highspy.HighsSolution()
            solution.col_value = compiled.rounded(np.asarray(start_plan, dtype=float))
            solution.value_valid = True
            h.setSolution(solution)  # HiGHS checks it: an infeasible start is ignored
        self._subscribe_progress(h, compiled.sign, options.progress)
        options.progress.begin("MIP")
        until = _mip_stop(budget)
        if beside is None and arriving is not None and arriving.pending:
            offers = PlanOffers(compiled)
            h.cbMipUserSolution.subscribe(_arrival_handler(arriving, offers, prep, compiled))
        if beside is None:
            run_highs(h, budget, until)
        else:
            h.cbMipUserSolution.subscribe(offers.hand_over)
            alongside(lambda: run_highs(h, budget, until), *beside)
        if arriving is not None:
            _keep_better(prep, arriving.take(), compiled)
        result = self._result(h, compiled, model, prep, highspy)
        result.handoff_seconds, result.solve_seconds = handoff, time.perf_counter() - start
        result.extra["highs_mip"] = True
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

    def _highs(self, problem, options: SolveOptions):
        """A Highs object holding `problem`, with the options' gap, threads and solver options."""
        import highspy

        if options.threads:
            highspy.Highs.resetGlobalScheduler(True)
        h = loaded_highs(problem, options.log)
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
        model_status = h.getModelStatus()
        status = _status(model_status, highspy)
        info = h.getInfo()
        sign, is_mip = compiled.sign, bool(compiled.integer.any())
        plan = None
        if status is Status.OPTIMAL or info.primal_solution_status == 2:
            plan = compiled.rounded(np.asarray(h.getSolution().col_value, dtype=float))
            if model_status == highspy.HighsModelStatus.kModelEmpty:
                plan = compiled.rounded(compiled.zero_plan())
        best = _no_worse_than_nothing(compiled, compiled.best_of(plan, prep.start_plan))
        if best is not plan:
            plan = best
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
            gap = relative_gap(objective, bound)
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
