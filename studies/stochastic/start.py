"""The expected-value start of the extensive form: a plan for every scenario before the EF's
branch-and-bound begins, so that the EF never reports less than the expected-value plan does.

1. The expected-value instance (every number its probability-weighted mean) is solved by the
   full pipeline, with its root-LP preparation and strategic tree, within EV_SHARE of the limit:
   one scenario's size, where the pipeline is strong.
2. Its first stage is fixed in every scenario and each scenario's second stage solved on its own
   (they separate once the first stage is fixed), within SECOND_STAGE_SHARE of the limit shared
   out over the scenarios: the EEV plan.
3. The EF's column vector of that plan (with CVaR, its eta at the best of the scenarios' losses
   and each excess u_s = max(L_s - eta, 0)) is handed to HiGHS as the start of its MIP, which
   HiGHS checks before it takes it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...data.instance import load_document
from ...data.scenarios import mean_document
from ...models.formulation import Formulation
from ...pipeline import PlanModel
from ...solvers import SolveOptions
from ...solvers.budget import Budget
from ...solvers.compile import Matrices
from .scenario import Risk, ScenarioModel, Uncertain, decisions_of

EV_SHARE = 0.2  # of the time limit, for the expected-value plan
SECOND_STAGE_SHARE = 0.1  # of the time limit, for all the scenarios' second stages under its first stage
SECOND_STAGE_GAP = 1e-4  # each second stage's own gap: a start, proven by the EF afterwards


def expected_value_plan(uncertain: Uncertain, scenarios: list[ScenarioModel], formulation: Formulation,
                        options: SolveOptions, solver_name: str, time_limit: float | None) -> np.ndarray | None:
    """Step 1: the expected-value instance's plan, as a column vector of the scenarios' model
    (None when it has no plan in time)."""
    mean = load_document(mean_document(uncertain.documents, uncertain.probabilities), "expected-value.json")
    planning = PlanModel(mean, formulation, presolve=False)  # the model the scenario creator makes of it
    if decisions_of(planning.model) != decisions_of(scenarios[0].model):
        raise ValueError("the expected-value instance has other decisions than the scenarios")
    run = planning.solve(replace(options, time_limit=time_limit), solver_name, duals=False)
    return np.asarray(run.values, dtype=float) if run.has_plan else None


def second_stages(scenarios: list[ScenarioModel], first: np.ndarray, options: SolveOptions, solver,
                  budget: Budget | None = None) -> list:
    """Step 2: each scenario's MatrixSolution with the first stage fixed at `first` (its values
    there exactly `first`, integers rounded), each within an equal share of what `budget` leaves
    (the options' time limit each without one). Stops at the first scenario without a plan under
    that first stage, which is then the last of the list."""
    found = []
    for n, scenario in enumerate(scenarios):
        compiled, F = scenario.compiled, scenario.first
        problem = Matrices.of(compiled)
        problem.col_lower[F] = problem.col_upper[F] = np.where(compiled.integer[F], np.round(first), first)
        share = None if budget is None else Budget(budget.left() / (len(scenarios) - n))
        solution = solver.solve_matrices(problem, options, share)
        found.append(solution)
        if solution.values is None:
            break
        solution.values[F] = problem.col_lower[F]
    return found


def ef_vector(scenarios: list[ScenarioModel], vectors: list[np.ndarray], risk: Risk) -> np.ndarray:
    """Step 3: the EF's columns (extensive.extensive_form's order: the shared first stage, each
    scenario's second stage, then with CVaR eta and the excesses u) of one plan per scenario."""
    F = scenarios[0].first
    columns = [vectors[0][F], *[x[~F] for x in vectors]]
    if risk.weight > 0:
        losses = np.array([s.compiled.cost @ x for s, x in zip(scenarios, vectors)])
        eta = _best_eta(losses, np.array([s.probability for s in scenarios]), risk.alpha)
        columns += [[eta], np.maximum(losses - eta, 0.0)]
    return np.concatenate(columns)


def _best_eta(losses: np.ndarray, p: np.ndarray, alpha: float) -> float:
    """argmin over eta of eta + sum_s p_s max(L_s - eta, 0) / (1 - alpha): the minimum is at one
    of the losses (the function is piecewise linear with its kinks there)."""
    values = [eta + p @ np.maximum(losses - eta, 0.0) / (1 - alpha) for eta in losses]
    return float(losses[int(np.argmin(values))])


def expected_value_start(uncertain: Uncertain, scenarios: list[ScenarioModel], formulation: Formulation,
                         options: SolveOptions, risk: Risk, solver, solver_name: str,
                         budget: Budget) -> tuple[np.ndarray | None, dict]:
    """Steps 1-3 within their shares of `budget`: the EF start (None when a step found no plan)
    and the facts of what each step gave."""
    limit = budget.limit
    plan = expected_value_plan(uncertain, scenarios, formulation, options, solver_name,
                               None if limit is None else EV_SHARE * limit)
    facts = {"expected_value_seconds": round(budget.elapsed(), 1)}
    if plan is None:
        return None, {**facts, "message": "the expected-value instance has no plan in its share of the limit"}
    first = plan[scenarios[0].first]
    stage_budget = None if limit is None else Budget(max(min(SECOND_STAGE_SHARE * limit, budget.left()), 0.0))
    found = second_stages(scenarios, first, replace(options, mip_gap=SECOND_STAGE_GAP), solver, stage_budget)
    if found[-1].values is None:
        return None, {**facts, "message": f"its first stage leaves a scenario without a plan ({found[-1].message})"}
    vectors = [s.compiled.rounded(x.values) for s, x in zip(scenarios, found)]
    expected = sum(s.probability * s.compiled.objective_of(x) for s, x in zip(scenarios, vectors))
    return ef_vector(scenarios, vectors, risk), {**facts, "start_seconds": round(budget.elapsed(), 1),
                                                 "start_expected": float(expected)}
