"""One planning run: load -> build -> solve -> extract -> check. The CLI and tests call this.

`solve_instance` returns a `Run` holding the plan, the solver result, the independent check and
the timings; `report.py` turns a `Run` into files and a terminal summary.
"""

from __future__ import annotations

import functools
import multiprocessing
import signal
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .check import Evaluation, check_plan
from .data.aggregate import product_sample, whole_horizon
from .data.instance import Instance, load_instance
from .data.presolve import PresolveReport
from .data.seasons import seasons_of
from .models.build import build_model
from .models.columns import structure_of
from .models.extract import (
    all_year_campaign_columns,
    extract_plan,
    horizon_decision_columns,
    shared_decision_columns,
)
from .models.families import marginal_table
from .models.formulation import Formulation, Sourcing
from .solvers import SolveOptions, SolveResult, get_solver
from .solvers.budget import INF, STOP, Budget
from .solvers.compile import CompiledModel, Matrices
from .solvers.duals import fixed_plan_duals
from .solvers.progress import SILENT
from .solvers.relaxed import RelaxedLp
from .solvers.tree import nearest_rounding

CALENDAR_START_MIN_COLUMNS = 50_000  # smaller multi-period models find good plans on their own (benchmarks/anytime.py --seasonal)
WHOLE_HORIZON_SHARE = 0.3  # of the time limit: the whole-horizon aggregate's solve (its root LP alone takes 36 s at size l on an idle machine)
FIXED_CALENDAR_END = 0.9  # of the time limit: the calendar with the aggregate's horizon decisions fixed ends by then (the full solve's root LP runs on while it is coming)
GUIDE_GAP = 1e-3  # a guide (the aggregate, the sample) is solved to this gap at most
SAMPLE_START_MIN_COLUMNS = 200_000  # one-period models whose root LP takes most of a short limit (size xl; benchmarks/anytime.py --short)
SAMPLE_PRODUCTS = 100  # products in the sample start's scale model
SAMPLE_SHARE = 0.25  # of the time limit: the sample's solve
FIXED_SAMPLE_END = 0.6  # of the time limit: the full model with the sample's shared decisions fixed ends by then
GUIDE_POLL_SECONDS = 0.1  # how often the wait for a guide's process looks at the clock, the stop request and the process


def refuse_calendar_start(instance: Instance, options: SolveOptions, solver_name: str):
    """ValueError when the calendar start or the sample start is asked for where it cannot apply:
    another solver than HiGHS (the start plan is handed to HiGHS), with --threads, fewer than two
    periods (the calendar start) or more than one (the sample start), too few products to sample."""
    for asked, what in ((options.calendar_start, "calendar start"), (options.sample_start, "sample start")):
        if not asked:
            continue
        if solver_name != "highs":
            raise ValueError(f"the {what} needs the HiGHS back end (asked: --solver {solver_name})")
        if options.threads:
            raise ValueError(f"the {what} runs beside the full solve on HiGHS's shared thread pool, which --threads "
                             "resets: use one or the other")
    periods = max(len(instance.tables["periods"]), 1)
    if options.calendar_start and periods < 2:
        raise ValueError(f"the calendar start is for instances with two or more periods; this one has {periods}")
    if options.sample_start and periods > 1:
        raise ValueError(f"the sample start is for one-period instances; this one has {periods} (the calendar start "
                         "is for several)")
    if options.sample_start and len(instance.tables["products"]) < 2:
        raise ValueError("the sample start needs two or more products to sample from")


@dataclass
class StartBeside:
    """A first plan computed beside the full solve (`PlanModel._start_beside`): a guide, a smaller
    model of the same tables (the whole-horizon aggregate for the calendar start, a sample of the
    products for the sample start), then the full model with the guide's decisions fixed. Holds the
    guide's objective and the fixed model's (None where no plan was found), and their seconds."""

    key: str  # the run facts' entry: "calendar_start" or "sample_start"
    guide_name: str  # "whole-horizon plan", "sample plan (100 of 2,000 products)"
    guide_key: str  # the facts' name of the guide's objective and seconds: "whole_horizon", "sample"
    decisions: str  # what the full model takes from the guide: "horizon decisions", "shared decisions"
    compiled: CompiledModel | None = field(default=None, repr=False)  # the full model's matrices, its own copy
    plan: Future = field(default_factory=Future, repr=False)  # the fixed model's plan, once found (or None)
    thread: threading.Thread | None = field(default=None, repr=False)
    guide: float | None = None
    guide_seconds: float = 0.0
    fixed: float | None = None
    seconds: float = 0.0

    def finish(self):
        """Wait for the thread (its steps end by a share of the limit, or at a stop request) and
        raise what it raised."""
        if self.thread is not None:
            self.thread.join()
        self.plan.result()

    def describe(self) -> str:
        if self.guide is None:
            return f"no {self.guide_name} in {self.guide_seconds:.1f} s: the full solve went on without it"
        head = f"{self.guide_name} {self.guide:,.0f} in {self.guide_seconds:.1f} s"
        if self.fixed is None:
            return f"{head}; no plan with its {self.decisions} fixed: the full solve went on without it"
        return (f"{head}; with its {self.decisions} fixed, plan {self.fixed:,.0f} at {self.seconds:.1f} s, "
                "a start for the full solve")

    def facts(self) -> dict:
        return {f"{self.guide_key}_objective": self.guide, "fixed_objective": self.fixed,
                f"{self.guide_key}_seconds": round(self.guide_seconds, 3), "seconds": round(self.seconds, 3)}


@dataclass
class Run:
    instance: Instance
    formulation: Formulation
    solver_name: str
    options: SolveOptions
    result: SolveResult
    plan: dict | None
    evaluation: Evaluation | None
    seconds: dict = field(default_factory=dict)
    presolve: PresolveReport | None = None
    values: np.ndarray | None = field(default=None, repr=False)  # the plan as a column vector of the model
    marginal: pd.DataFrame | None = None  # marginal values of the limits (models/families.py, marginal_table)
    marginal_note: str = ""

    @property
    def has_plan(self) -> bool:
        return self.plan is not None

    def facts(self) -> dict:
        """The run's facts for the solution file (section `run`)."""
        r = self.result
        return {
            "xborder_version": __version__,
            "solver": r.solver,
            "solver_version": r.solver_version,
            "formulation": str(self.formulation),
            "time_limit": self.options.time_limit,
            "mip_gap": self.options.mip_gap,
            "threads": self.options.threads,
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            "model_size": vars(r.size),
            "solver_message": r.message,
            "presolve": vars(self.presolve) if self.presolve else None,
            "root_cuts": r.extra.get("root_cuts"),
            "strategic_tree": r.extra.get("strategic_tree"),
            "polish": r.extra.get("polish"),
            "root_lp_abandoned": r.extra.get("root_lp_abandoned", False),
            "solver_objective": r.extra.get("solver_objective"),
            "stages": r.extra.get("stages"),
            "calendar_start": r.extra.get("calendar_start"),
            "sample_start": r.extra.get("sample_start"),
        }


class PlanModel:
    """An instance's model, built once and solved as often as a study needs: a trade-off moves a
    row's bound, the alternatives add no-good rows, `explain` fixes a decision. Every `solve`
    returns a checked `Run`."""

    def __init__(self, instance: Instance, formulation: Formulation | None = None, presolve: bool = True,
                 progress=None):
        self.instance = instance
        self.formulation = formulation or Formulation()
        self.seconds = {"derive": 0.0, "build": 0.0}
        if progress is not None:
            progress.begin("derive")
        instance.network  # derived once here, so that its time is its own
        self.seconds["derive"] = instance.derive_seconds
        if progress is not None:
            net = instance.network
            progress.stage("derive", f"{len(net.pairs):,} offerable product-markets, {len(net.arcs):,} flow arcs")
            progress.begin("build")
        start = time.perf_counter()
        self.model = build_model(instance, self.formulation, presolve=presolve)
        self.seconds["build"] = time.perf_counter() - start
        if progress is not None:
            progress.stage("build", f"{len(self.model.cols):,} columns in {self.seconds['build']:.1f} s")

    def values(self) -> np.ndarray:
        """The model's current column values (the last plan loaded), in column order."""
        columns = structure_of(self.model).columns
        return np.fromiter((v.value or 0.0 for v in columns), dtype=float, count=len(columns))

    def solve(self, options: SolveOptions | None = None, solver_name: str = "highs", read_seconds: float = 0.0,
              duals: bool = True) -> Run:
        """Solve, extract and check the plan; with `duals`, the marginal values of the plan
        (solvers/duals.py) within what is left of the time limit (at least 1 s)."""
        options = options or SolveOptions()
        progress = options.progress
        solver = get_solver(solver_name)
        seconds = {"read": read_seconds, **self.seconds}
        solve_options, beside = self._start_beside(options, solver_name)
        result = solver.solve(self.model, solve_options)
        if beside is not None:
            beside.finish()
            result.extra[beside.key] = beside.facts()
            progress.stage(beside.key.replace("_", " "), beside.describe())
        result.build_seconds = seconds["build"]
        seconds["handoff"] = result.handoff_seconds
        seconds["solve"] = result.solve_seconds
        run = Run(self.instance, self.formulation, solver_name, options, result, None, None, seconds,
                  self.model.presolve_report)
        if not result.has_solution:
            return run
        progress.begin("check")
        start = time.perf_counter()
        run.plan = extract_plan(self.model)
        run.evaluation = check_plan(self.instance, run.plan, result.objective, self.formulation.sourcing is Sourcing.SINGLE)
        seconds["check"] = time.perf_counter() - start
        progress.stage("check", "passed" if run.evaluation.ok else f"FAILED ({len(run.evaluation.violations)} violations)")
        run.values = self.values()
        if duals and run.evaluation.ok:
            self._marginal_values(run, options)
        return run

    def _start_beside(self, options: SolveOptions, solver_name: str) -> tuple[SolveOptions, StartBeside | None]:
        """The calendar start (several periods) or the sample start (one period) when wanted:
        started in a thread beside the full solve (HiGHS's root LP is serial, so on two cores the
        other one is free), which solves its guide in a process of its own (`guide_plan`); its plan
        is feasible for the full model, which takes it as a start when it arrives
        (solvers/prepare.py, `ArrivingStart`). Returns the full solve's options and the running
        start (None when none is wanted)."""
        if self._wants_calendar_start(options, solver_name):
            found = StartBeside("calendar_start", "whole-horizon plan", "whole_horizon", "horizon decisions",
                                compiled=CompiledModel(self.model))
            steps = self._calendar_steps
        elif self._wants_sample_start(options, solver_name):
            sample, _ = product_sample(self.instance, SAMPLE_PRODUCTS)
            kept, total = len(sample.tables["products"]), len(self.instance.tables["products"])
            found = StartBeside("sample_start", f"sample plan ({kept:,} of {total:,} products)", "sample", "shared decisions")
            steps = functools.partial(self._sample_steps, sample)
        else:
            return options, None
        found.thread = threading.Thread(target=self._plan_beside, args=(steps, options, solver_name, found),
                                        name=found.key, daemon=True)
        found.thread.start()
        return replace(options, start=found.plan), found

    def _under_a_limit_on_highs(self, options: SolveOptions, solver_name: str, min_columns: int) -> bool:
        return (solver_name == "highs" and options.time_limit is not None and not options.threads
                and len(structure_of(self.model).columns) >= min_columns)

    def _wants_calendar_start(self, options: SolveOptions, solver_name: str) -> bool:
        """The calendar start (`_calendar_steps`) when asked, and by default for multi-period
        models of CALENDAR_START_MIN_COLUMNS+ columns solved by HiGHS under a time limit (without
        --threads). Where it cannot apply it is refused (ValueError, `refuse_calendar_start`)."""
        refuse_calendar_start(self.instance, options, solver_name)
        if options.calendar_start is not None:
            return options.calendar_start
        return self.model.axis.count > 1 and self._under_a_limit_on_highs(options, solver_name, CALENDAR_START_MIN_COLUMNS)

    def _wants_sample_start(self, options: SolveOptions, solver_name: str) -> bool:
        """The sample start (`_sample_steps`) when asked, and by default for one-period models of
        SAMPLE_START_MIN_COLUMNS+ columns with more than twice SAMPLE_PRODUCTS products, solved by
        HiGHS under a time limit (without --threads): there the root LP alone takes a large share
        of a short limit (size xl: about 50 s), and the sample's plan comes in seconds."""
        if options.sample_start is not None:
            return options.sample_start
        return (self.model.axis.count == 1 and len(self.instance.tables["products"]) > 2 * SAMPLE_PRODUCTS
                and self._under_a_limit_on_highs(options, solver_name, SAMPLE_START_MIN_COLUMNS))

    def _plan_beside(self, steps, options: SolveOptions, solver_name: str, found: StartBeside):
        """A start's `steps`, in its thread; the plan (or None) goes to `found.plan`, an
        exception too."""
        started = time.perf_counter()
        try:
            found.plan.set_result(steps(options, solver_name, found))
        except BaseException as err:  # the full solve goes on without it; `solve` raises it afterwards
            found.plan.set_exception(err)
        finally:
            found.seconds = time.perf_counter() - started

    def _guide_options(self, options: SolveOptions, share: float) -> SolveOptions:
        """A guide's solve: `share` of the limit, to GUIDE_GAP at most, no start of its own, silent."""
        limit = options.time_limit
        return replace(options, time_limit=None if limit is None else share * limit, mip_gap=max(options.mip_gap, GUIDE_GAP),
                       calendar_start=False, sample_start=False, start=None, progress=SILENT)

    def _calendar_steps(self, options: SolveOptions, solver_name: str, found: StartBeside) -> np.ndarray | None:
        """Fix-and-optimise over the period axis: (1) the whole-horizon aggregate
        (data/aggregate.py) solved within WHOLE_HORIZON_SHARE of the limit (kept only when it passes
        the checker); (2) this model's matrices with its horizon decisions fixed
        (`horizon_decision_columns`: markets, regimes, portfolio, certifications, warehouses,
        mitigation, payment methods, data decisions, origins), solved until FIXED_CALENDAR_END of
        the limit by `_fixed_calendar`. The rounded plan, or None when a step finds none or no time
        is left; the step times and objectives go to `found`."""
        limit, started = options.time_limit, time.perf_counter()
        sub = self._guide_options(options, WHOLE_HORIZON_SHARE)
        whole = guide_plan(whole_horizon(self.instance), self.formulation, sub, solver_name,
                           _deadline(started, limit, FIXED_CALENDAR_END))
        found.guide_seconds = time.perf_counter() - started
        if whole is None:
            return None
        found.guide = whole["objective"]
        plan = self._fixed_calendar(whole["plan"], found.compiled, sub, solver_name, _deadline(started, limit, FIXED_CALENDAR_END))
        if plan is not None:
            found.fixed = found.compiled.objective_of(plan)
        return plan

    def _fixed_calendar(self, whole: dict, compiled: CompiledModel, sub: SolveOptions, solver_name: str,
                        deadline: float) -> np.ndarray | None:
        """The calendar with the whole-horizon plan's horizon decisions fixed, in two solves until
        `deadline`: (a) with each channel it runs running all year too (`all_year_campaign_columns`),
        which leaves the sales, flows and stock, an LP without other integer mechanics; (b) the
        campaign calendar free, from (a)'s plan. (a) is there for the large calendars: at size l
        the MIP (b) alone had found no plan better than doing nothing by the deadline (another
        calendar, -1,248,030), where (a) found 9,770,945 in 94 s. The better plan, rounded, or None."""
        solver = get_solver(solver_name)
        columns, values = horizon_decision_columns(self.model, whole)
        problem = Matrices.of(compiled)
        problem.col_lower[columns] = problem.col_upper[columns] = values
        all_year = replace(problem, col_lower=problem.col_lower.copy(), col_upper=problem.col_upper.copy())
        campaign, running = all_year_campaign_columns(self.model, whole)
        all_year.col_lower[campaign] = all_year.col_upper[campaign] = running
        plans = []
        for matrices in (all_year, problem):
            left = None if deadline == INF else deadline - time.perf_counter()
            if left is not None and left <= 0:
                break
            solution = solver.solve_matrices(matrices, replace(sub, time_limit=left), start=plans[-1] if plans else None)
            if solution.values is not None:
                plans.append(compiled.rounded(solution.values))
        return compiled.best_of(*plans)

    def _sample_steps(self, sample: Instance, options: SolveOptions, solver_name: str,
                      found: StartBeside) -> np.ndarray | None:
        """Fix-and-round over the products: (1) `sample` (data/aggregate.py, `product_sample`: about
        SAMPLE_PRODUCTS products, the shared costs and capacities scaled to them) solved within
        SAMPLE_SHARE of the limit (kept only when it passes the checker); (2) this model's LP with
        the sample's shared decisions fixed (`shared_decision_columns`: markets, regimes, channels,
        warehouses, mitigation, payment methods, data transfer and hosting, origins), which HiGHS's
        presolve shrinks to seconds, then its other binaries rounded (solvers/tree.py,
        `nearest_rounding`), until FIXED_SAMPLE_END of the limit. The plan, or None when a step
        finds none or no time is left; the step times and objectives go to `found`."""
        import highspy

        limit, started = options.time_limit, time.perf_counter()
        guide = guide_plan(sample, self.formulation, self._guide_options(options, SAMPLE_SHARE), solver_name,
                           _deadline(started, limit, FIXED_SAMPLE_END))
        found.guide_seconds = time.perf_counter() - started
        if guide is None:
            return None
        found.guide = guide["objective"]
        compiled = found.compiled = CompiledModel(self.model)
        columns, values = shared_decision_columns(self.model, guide["plan"])
        point, fixed = np.zeros(len(compiled.columns)), np.zeros(len(compiled.columns), dtype=bool)
        point[columns], fixed[columns] = values, True
        budget = Budget(None if limit is None else FIXED_SAMPLE_END * limit - (time.perf_counter() - started))
        if budget.left() <= 0:
            return None
        plan = nearest_rounding(RelaxedLp(compiled, highspy, budget), point, fixed)
        if plan is None:
            return None
        found.fixed = compiled.objective_of(plan)
        return compiled.rounded(plan)

    def _marginal_values(self, run: Run, options: SolveOptions):
        progress = options.progress
        progress.begin("duals")
        start = time.perf_counter()
        limit = None
        if options.time_limit is not None:
            limit = max(1.0, options.time_limit - run.seconds["handoff"] - run.seconds["solve"])
        rows, message = fixed_plan_duals(self.model, run.values, limit)
        warehouses = self.instance.tables["warehouses"]
        capacitated = set(warehouses.loc[warehouses["capacity_m3"].notna(), "warehouse"])
        shares = None
        if self.instance.seasonal:
            seasons = seasons_of(self.instance.tables, self.instance.settings)
            shares = dict(zip(seasons.names, seasons.length_share))
        run.marginal = marginal_table(rows, run.plan, capacitated, shares)
        run.marginal_note = message
        run.seconds["duals"] = time.perf_counter() - start
        progress.stage("duals", f"{len(run.marginal)} limits priced" if rows else message)


def _deadline(started: float, limit: float | None, share: float) -> float:
    return INF if limit is None else started + share * limit


def guide_plan(instance: Instance, formulation: Formulation, options: SolveOptions, solver_name: str,
               deadline: float = INF) -> dict | None:
    """A guide's plan for a start beside the full solve, solved in a process of its own: a
    thread beside the full solve would hold Python's interpreter lock through the guide's model
    build, check and preparation, and HiGHS's root LP in the full solve needs that lock at every
    simplex iteration (its interrupt callback): measured at size l, a busy Python thread beside it
    stretched the root LP from 14 s to 222 s. `{"objective", "plan"}` of the guide's checked
    plan, or None (no plan, a plan the checker rejected, the deadline or a stop request reached
    first: the process is then ended). In a daemonic process (a Dask worker's), which may not
    start processes, the guide is solved here instead, within its own time limit."""
    if multiprocessing.current_process().daemon:
        return _solve_guide(instance, formulation, options, solver_name)
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_guide_process, args=(send, instance, formulation, replace(options, threads=1),
                                                           solver_name), name="xborder-guide", daemon=True)
    process.start()
    send.close()
    try:
        while not receive.poll(GUIDE_POLL_SECONDS):
            if STOP.is_set() or time.perf_counter() >= deadline:
                return None
            if not process.is_alive() and not receive.poll():
                return None
        answer = receive.recv()
    except EOFError:  # the process ended without an answer
        return None
    finally:
        process.kill()
        process.join()
        receive.close()
    if "error" in answer:
        raise RuntimeError(f"the guide's solve failed in its own process:\n{answer['error']}")
    return answer["guide"]


def _guide_process(send, instance: Instance, formulation: Formulation, options: SolveOptions, solver_name: str):
    """The guide's process: `_solve_guide`, its answer (or the error's traceback) sent back."""
    _ignore_interrupts()
    try:
        answer = {"guide": _solve_guide(instance, formulation, options, solver_name)}
    except BaseException:
        answer = {"error": traceback.format_exc()}
    send.send(answer)
    send.close()


def _solve_guide(instance: Instance, formulation: Formulation, options: SolveOptions, solver_name: str) -> dict | None:
    """`guide_plan`'s work, in the guide's process."""
    run = PlanModel(instance, formulation).solve(options, solver_name, duals=False)
    if not run.has_plan or not run.evaluation.ok:
        return None
    return {"objective": run.result.objective, "plan": run.plan}


def _ignore_interrupts():
    """Ctrl-C reaches every process of the terminal's group: the guide's process leaves it to the
    full solve's, which ends the guide's process when it stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def solve_loaded(
    instance: Instance,
    formulation: Formulation | None = None,
    options: SolveOptions | None = None,
    solver_name: str = "highs",
    read_seconds: float = 0.0,
    presolve: bool = True,
    duals: bool = True,
) -> Run:
    """Derive, build, solve and check a loaded instance, reporting each stage to
    `options.progress`. The time limit covers the solve (its stages share it; see
    solvers/budget.py); read, derive, build and check come on top."""
    options = options or SolveOptions()
    return PlanModel(instance, formulation, presolve, options.progress).solve(options, solver_name, read_seconds, duals)


def solve_instance(path: str | Path, formulation=None, options=None, solver_name="highs", presolve=True, duals=True) -> Run:
    start = time.perf_counter()
    instance = load_instance(path)
    return solve_loaded(instance, formulation, options, solver_name, time.perf_counter() - start, presolve, duals)
