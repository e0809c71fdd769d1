"""One planning run: load -> build -> solve -> extract -> check. The CLI and tests call this.

`solve_instance` returns a `Run` holding the plan, the solver result, the independent check and
the timings; `report.py` turns a `Run` into files and a terminal summary.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .check import Evaluation, check_plan
from .data.aggregate import whole_horizon
from .data.instance import Instance, load_instance
from .data.presolve import PresolveReport
from .data.seasons import seasons_of
from .models.build import build_model
from .models.columns import structure_of
from .models.extract import extract_plan, horizon_decision_columns
from .models.families import marginal_table
from .models.formulation import Formulation, Sourcing
from .solvers import SolveOptions, SolveResult, get_solver
from .solvers.compile import CompiledModel, Matrices
from .solvers.duals import fixed_plan_duals
from .solvers.progress import SILENT

CALENDAR_START_MIN_COLUMNS = 50_000  # smaller multi-period models find good plans on their own (benchmarks/anytime.py --seasonal)
WHOLE_HORIZON_SHARE = 0.2  # of the time limit: the whole-horizon aggregate's solve
FIXED_CALENDAR_END = 0.6  # of the time limit: the calendar with the aggregate's horizon decisions fixed ends by then
CALENDAR_START_GAP = 1e-3  # the aggregate is a guide: solved to this gap at most


def refuse_calendar_start(instance: Instance, options: SolveOptions, solver_name: str):
    """ValueError when the calendar start is asked for where it cannot apply: another solver than
    HiGHS (the start plan is handed to HiGHS), with --threads, or fewer than two periods."""
    if not options.calendar_start:
        return
    if solver_name != "highs":
        raise ValueError(f"the calendar start needs the HiGHS back end (asked: --solver {solver_name})")
    if options.threads:
        raise ValueError("the calendar start runs beside the full solve on HiGHS's shared thread pool, which --threads "
                         "resets: use one or the other")
    if len(instance.tables["periods"]) < 2:
        raise ValueError("the calendar start is for instances with two or more periods; this one has "
                         f"{max(len(instance.tables['periods']), 1)}")


@dataclass
class CalendarStart:
    """What the calendar start gave (`PlanModel._calendar_start`): the whole-horizon aggregate's
    objective and the fixed calendar's (None where no plan was found), and their seconds."""

    compiled: CompiledModel | None = field(default=None, repr=False)  # the full model's matrices, its own copy
    plan: Future = field(default_factory=Future, repr=False)  # the fixed calendar's plan, once found (or None)
    thread: threading.Thread | None = field(default=None, repr=False)
    whole_horizon: float | None = None
    whole_seconds: float = 0.0
    fixed: float | None = None
    seconds: float = 0.0

    def finish(self):
        """Wait for the thread (its steps end by FIXED_CALENDAR_END of the limit, or at a stop
        request) and raise what it raised."""
        if self.thread is not None:
            self.thread.join()
        self.plan.result()

    def describe(self) -> str:
        if self.whole_horizon is None:
            return f"no whole-horizon plan in {self.whole_seconds:.1f} s: the full solve went on without it"
        head = f"whole-horizon plan {self.whole_horizon:,.0f} in {self.whole_seconds:.1f} s"
        if self.fixed is None:
            return f"{head}; no plan with its horizon decisions fixed: the full solve went on without it"
        return f"{head}; with its horizon decisions fixed, plan {self.fixed:,.0f} at {self.seconds:.1f} s, a start for the full solve"

    def facts(self) -> dict:
        return {"whole_horizon_objective": self.whole_horizon, "fixed_objective": self.fixed,
                "whole_horizon_seconds": round(self.whole_seconds, 3), "seconds": round(self.seconds, 3)}


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
            "root_lp_abandoned": r.extra.get("root_lp_abandoned", False),
            "solver_objective": r.extra.get("solver_objective"),
            "stages": r.extra.get("stages"),
            "calendar_start": r.extra.get("calendar_start"),
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
        solve_options, calendar = options, None
        if self._wants_calendar_start(options, solver_name):
            solve_options, calendar = self._calendar_start(options, solver_name)
        result = solver.solve(self.model, solve_options)
        if calendar is not None:
            calendar.finish()
            result.extra["calendar_start"] = calendar.facts()
            progress.stage("calendar start", calendar.describe())
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

    def _wants_calendar_start(self, options: SolveOptions, solver_name: str) -> bool:
        """The calendar start (`_calendar_start`) when asked, and by default for multi-period
        models of CALENDAR_START_MIN_COLUMNS+ columns solved by HiGHS under a time limit (without
        --threads). Where it cannot apply it is refused (ValueError, `refuse_calendar_start`)."""
        refuse_calendar_start(self.instance, options, solver_name)
        if options.calendar_start is not None:
            return options.calendar_start
        return (solver_name == "highs" and self.model.axis.count > 1 and options.time_limit is not None
                and not options.threads and len(structure_of(self.model).columns) >= CALENDAR_START_MIN_COLUMNS)

    def _calendar_start(self, options: SolveOptions, solver_name: str) -> tuple[SolveOptions, CalendarStart]:
        """Fix-and-optimise over the period axis, beside the full solve (HiGHS's root LP is
        serial, so on two cores the other one is free): (1) the whole-horizon aggregate
        (data/aggregate.py) solved within WHOLE_HORIZON_SHARE of the limit to CALENDAR_START_GAP;
        (2) this model's matrices with the aggregate's horizon decisions fixed (markets, regimes,
        portfolio, certifications, warehouses, mitigation, payment methods, data decisions; the
        campaign calendar, sales, flows and stock free), solved until FIXED_CALENDAR_END of the limit. Its plan is feasible for
        the full model, which takes it as a start when it arrives (solvers/prepare.py,
        `ArrivingStart`). Returns the full solve's options and the running `CalendarStart`."""
        found = CalendarStart(compiled=CompiledModel(self.model))
        found.thread = threading.Thread(target=self._calendar_plan, args=(options, solver_name, found),
                                        name="calendar-start", daemon=True)
        found.thread.start()
        return replace(options, start=found.plan), found

    def _calendar_plan(self, options: SolveOptions, solver_name: str, found: CalendarStart):
        """Steps (1) and (2) of `_calendar_start`, in its thread; the plan (or None) goes to
        `found.plan`, an exception too."""
        started = time.perf_counter()
        try:
            found.plan.set_result(self._calendar_steps(options, solver_name, found))
        except BaseException as err:  # the full solve goes on without it; `solve` raises it afterwards
            found.plan.set_exception(err)
        finally:
            found.seconds = time.perf_counter() - started

    def _calendar_steps(self, options: SolveOptions, solver_name: str, found: CalendarStart) -> np.ndarray | None:
        """The two steps themselves: the whole-horizon plan (kept only when it passes the checker),
        then this model's matrices with its horizon decisions fixed (`horizon_decision_columns`:
        markets, regimes, portfolio, certifications, warehouses, mitigation, payment methods and the
        data decisions) solved in the time left. The rounded plan, or None when a step finds none
        or no time is left; the step times and objectives go to `found`."""
        limit, started = options.time_limit, time.perf_counter()
        sub = replace(options, time_limit=None if limit is None else WHOLE_HORIZON_SHARE * limit,
                      mip_gap=max(options.mip_gap, CALENDAR_START_GAP), calendar_start=False, start=None, progress=SILENT)
        whole = PlanModel(whole_horizon(self.instance), self.formulation).solve(sub, solver_name, duals=False)
        found.whole_seconds = time.perf_counter() - started
        if not whole.has_plan or not whole.evaluation.ok:
            return None
        found.whole_horizon = whole.result.objective
        columns, values = horizon_decision_columns(self.model, whole.plan)
        compiled = found.compiled
        problem = Matrices.of(compiled)
        problem.col_lower[columns] = problem.col_upper[columns] = values
        left = None if limit is None else FIXED_CALENDAR_END * limit - (time.perf_counter() - started)
        if left is not None and left <= 0:
            return None
        solution = get_solver(solver_name).solve_matrices(problem, replace(sub, time_limit=left, mip_gap=options.mip_gap))
        if solution.values is None:
            return None
        plan = compiled.rounded(solution.values)
        found.fixed = compiled.objective_of(plan)
        return plan

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
