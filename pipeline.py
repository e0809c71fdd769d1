"""One planning run: load -> build -> solve -> extract -> check. The CLI and tests call this.

`solve_instance` returns a `Run` holding the plan, the solver result, the independent check and
the timings; `report.py` turns a `Run` into files and a terminal summary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .check import Evaluation, check_plan
from .data.instance import Instance, load_instance
from .data.presolve import PresolveReport
from .data.seasons import seasons_of
from .models.build import build_model
from .models.columns import structure_of
from .models.extract import extract_plan
from .models.families import marginal_table
from .models.formulation import Formulation, Sourcing
from .solvers import SolveOptions, SolveResult, get_solver
from .solvers.duals import fixed_plan_duals


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
        result = solver.solve(self.model, options)
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
