"""The value of information and of the stochastic solution, from the scenario creator's models:
WS (each scenario solved knowing it), EEV (the expected-value instance's first stage under every
scenario), EVPI = WS - RP and VSS = RP - EEV for profit, the other way round for cost."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...models.formulation import Formulation
from ...pipeline import PlanModel
from ...solvers import SolveOptions
from ..compare import kpi_row
from ..runner import make_runner
from .extensive import StochasticResult, solve_ef
from .scenario import Uncertain
from .start import expected_value_plan


@dataclass
class StochasticStudy:
    result: StochasticResult
    wait_and_see: float | None  # WS: expected objective with each scenario known in advance
    expected_value: float | None  # EEV: expected objective of the mean-value plan's first stage
    evpi: float | None
    vss: float | None
    scenarios: pd.DataFrame  # one row per scenario: probability, KPIs, own optimum


def _solve_alone(item):
    """One scenario's own optimum: its model as the scenario creator builds it (no presolve)."""
    instance, formulation, options, solver_name = item
    return PlanModel(instance, formulation, presolve=False).solve(options, solver_name, duals=False)


def evaluate_study(uncertain: Uncertain, result: StochasticResult, formulation: Formulation | None = None,
                   options: SolveOptions | None = None, jobs: int = 1, scheduler: str | None = None,
                   solver_name: str = "highs") -> StochasticStudy:
    """WS, EEV, EVPI and VSS around a solved stochastic plan (risk-neutral quantities); the
    scenarios' own solves (WS) run on the runner of `jobs` / `scheduler` (studies/runner.py)."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    runner = make_runner(jobs, scheduler)
    try:
        outcomes = runner.map(_solve_alone, [(i, formulation, options, solver_name) for i in uncertain.instances])
    finally:
        runner.close()
    failed = [name for name, o in zip(uncertain.names, outcomes) if not o.ok]
    if failed:
        raise ValueError(f"the wait-and-see solves of {', '.join(failed)} failed twice: {outcomes[0].error}")
    own = [o.value for o in outcomes]
    ws = sum(p * r.result.objective for p, r in zip(uncertain.probabilities, own)) if all(r.has_plan for r in own) else None
    eev = _expected_value_solution(uncertain, formulation, options, solver_name)
    rp = result.expected
    maximise = uncertain.base.objective == "profit"
    evpi = None if ws is None or rp is None else (ws - rp) if maximise else (rp - ws)
    vss = None if eev is None or rp is None else (rp - eev) if maximise else (eev - rp)
    rows = [{"scenario": name, "probability": p, **kpi_row(run), "own_optimum": alone.result.objective if alone.has_plan else None}
            for name, p, run, alone in zip(uncertain.names, uncertain.probabilities, result.runs, own)]
    return StochasticStudy(result, ws, eev, evpi, vss, pd.DataFrame(rows))


def _expected_value_solution(uncertain: Uncertain, formulation: Formulation, options: SolveOptions,
                             solver_name: str) -> float | None:
    """EEV: the expected-value instance (every number its probability-weighted mean) solved as the
    scenario creator builds it, its first stage fixed in every scenario."""
    scenarios = uncertain.scenarios(formulation)
    plan = expected_value_plan(uncertain, scenarios, formulation, options, solver_name, options.time_limit)
    if plan is None:
        return None
    first = plan[scenarios[0].first]
    return solve_ef(uncertain, formulation, options, fix_first=first, solver_name=solver_name).expected
