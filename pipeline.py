"""One planning run: load -> build -> solve -> extract -> check. The CLI and tests call this.

`solve_instance` returns a `Run` holding the plan, the solver result, the independent check and
the timings; `report.py` turns a `Run` into files and a terminal summary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .check import Evaluation, check_plan
from .data.instance import Instance, load_instance
from .data.presolve import PresolveReport
from .models.build import build_model
from .models.extract import extract_plan
from .models.formulation import Formulation, Sourcing
from .solvers import SolveOptions, SolveResult, get_solver


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
        }


def solve_loaded(
    instance: Instance,
    formulation: Formulation | None = None,
    options: SolveOptions | None = None,
    solver_name: str = "highs",
    read_seconds: float = 0.0,
    presolve: bool = True,
) -> Run:
    """Derive, build, solve and check a loaded instance, reporting each stage to
    `options.progress`. The time limit covers the solve (its stages share it; see
    solvers/budget.py); read, derive, build and check come on top."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    progress = options.progress
    solver = get_solver(solver_name)
    progress.begin("derive")
    instance.network  # derived once here, so that its time is its own
    seconds = {"read": read_seconds, "derive": instance.derive_seconds}
    progress.stage("derive", f"{len(instance.network.pairs):,} offerable product-markets, {len(instance.network.arcs):,} flow arcs")
    progress.begin("build")
    start = time.perf_counter()
    model = build_model(instance, formulation, presolve=presolve)
    seconds["build"] = time.perf_counter() - start
    progress.stage("build", f"{len(model.cols):,} columns in {seconds['build']:.1f} s")

    result = solver.solve(model, options)
    result.build_seconds = seconds["build"]
    seconds["handoff"] = result.handoff_seconds
    seconds["solve"] = result.solve_seconds

    plan = evaluation = None
    if result.has_solution:
        progress.begin("check")
        start = time.perf_counter()
        plan = extract_plan(model)
        evaluation = check_plan(instance, plan, result.objective, formulation.sourcing is Sourcing.SINGLE)
        seconds["check"] = time.perf_counter() - start
        progress.stage("check", "passed" if evaluation.ok else f"FAILED ({len(evaluation.violations)} violations)")
    return Run(instance, formulation, solver_name, options, result, plan, evaluation, seconds, model.presolve_report)


def solve_instance(path: str | Path, formulation=None, options=None, solver_name="highs", presolve=True) -> Run:
    start = time.perf_counter()
    instance = load_instance(path)
    return solve_loaded(instance, formulation, options, solver_name, time.perf_counter() - start, presolve)
