"""The extensive form, made of the scenario creator's models: the first-stage columns once, each
scenario's second stage in its own block, each scenario's objective weighted by its probability;
with CVaR, Rockafellar and Uryasev's rows over the scenarios' objectives. Solved by a back end
that takes a problem as matrices (`solvers/`, `solve_matrices`); each scenario's plan is then
extracted, checked, and the study's numbers recomputed from the checked plans."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ...check import check_plan, first_stage_differences, risk_adjusted
from ...models.extract import extract_plan
from ...models.formulation import Formulation
from ...pipeline import Run
from ...solvers import SolveOptions, SolveResult, Status, get_solver
from ...solvers.budget import INF, Budget
from ...solvers.compile import Matrices
from ...solvers.result import relative_gap
from .bound import lagrangian_bound
from .scenario import Risk, ScenarioModel, Uncertain
from .start import expected_value_start, second_stages

LAGRANGIAN_SHARE = 0.3  # of the time limit at most, for bound.py's Lagrangian bound


@dataclass
class StochasticResult:
    method: str
    status: str
    objective: float | None  # the (risk-averse) objective, recomputed by the checker from the checked plans
    expected: float | None  # expected objective of the checked plans, recomputed by the checker
    bound: float | None  # a certified bound on the optimum (EF dual bound; PH Lagrangian bound)
    gap: float | None
    seconds: float
    runs: list[Run] = field(default_factory=list)  # one per scenario, with the shared first stage
    first_stage: dict = field(default_factory=dict)
    message: str = ""
    solver_objective: float | None = None  # the solver's own value of `objective`
    risk: Risk = field(default_factory=Risk)
    issues: list[str] = field(default_factory=list)  # what the check of the whole plan found wrong
    start: dict = field(default_factory=dict)  # what the expected-value start gave (start.py), when it ran

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.has_plan and r.evaluation.ok for r in self.runs) and not self.issues


def extensive_form(scenarios: list[ScenarioModel], risk: Risk, fix_first: np.ndarray | None = None) -> Matrices:
    """The EF in the min sense (the module docstring); with `fix_first`, the first stage fixed
    there (the EEV, or a plan from progressive hedging)."""
    F = scenarios[0].first
    S, c0 = ~F, scenarios[0].compiled
    compiled = [s.compiled for s in scenarios]
    p = np.array([s.probability for s in scenarios], dtype=float)
    losses = [c.cost for c in compiled]  # each scenario's objective in the min sense
    problem = Matrices(
        A=sp.hstack([sp.vstack([c.A[:, F] for c in compiled], format="csc"),
                     sp.block_diag([c.A[:, S] for c in compiled], format="csc")], format="csc"),
        row_lower=np.concatenate([c.row_lower for c in compiled]),
        row_upper=np.concatenate([c.row_upper for c in compiled]),
        col_lower=np.concatenate([c0.col_lower[F], *[c.col_lower[S] for c in compiled]]),
        col_upper=np.concatenate([c0.col_upper[F], *[c.col_upper[S] for c in compiled]]),
        cost=np.concatenate([sum(pi * loss[F] for pi, loss in zip(p, losses)), *[pi * loss[S] for pi, loss in zip(p, losses)]]),
        integer=np.concatenate([c0.integer[F], *[c.integer[S] for c in compiled]]),
    )
    if fix_first is not None:
        nF = int(F.sum())
        problem.col_lower[:nF] = problem.col_upper[:nF] = np.where(c0.integer[F], np.round(fix_first), fix_first)
    return with_cvar(problem, losses, F, p, risk) if risk.weight > 0 else problem


def with_cvar(ef: Matrices, losses, F: np.ndarray, p: np.ndarray, risk: Risk) -> Matrices:
    """(1 - w) E[L] + w (eta + 1/(1 - alpha) sum_s p_s u_s), u_s >= L_s - eta, u_s >= 0, in the min
    sense L (the loss: cost, or minus profit), L_s the scenario's objective over the EF's columns."""
    k, w = len(losses), risk.weight
    first = sp.csr_matrix(np.vstack([loss[F] for loss in losses]))  # k x nF: the shared columns
    second = sp.block_diag([sp.csr_matrix(loss[~F]) for loss in losses], format="csr")  # k x k nS
    eta_u = sp.hstack([sp.csr_matrix(-np.ones((k, 1))), -sp.identity(k, format="csr")])
    return Matrices(
        A=sp.vstack([sp.hstack([ef.A, sp.csr_matrix((ef.A.shape[0], 1 + k))]),
                     sp.hstack([first, second, eta_u])], format="csc"),
        row_lower=np.concatenate([ef.row_lower, np.full(k, -INF)]),
        row_upper=np.concatenate([ef.row_upper, np.zeros(k)]),
        col_lower=np.concatenate([ef.col_lower, [-INF], np.zeros(k)]),
        col_upper=np.concatenate([ef.col_upper, [INF], np.full(k, INF)]),
        cost=np.concatenate([(1 - w) * ef.cost, [w], w * p / (1 - risk.alpha)]),
        integer=np.concatenate([ef.integer, np.zeros(1 + k, dtype=bool)]),
    )


def scenario_plan(scenario: ScenarioModel, values: np.ndarray, status: Status, formulation: Formulation) -> Run:
    """One scenario's plan from its column values: loaded into its model, extracted and checked."""
    compiled, model = scenario.compiled, scenario.model
    compiled.load(values, model)
    objective = compiled.objective_of(values)
    result = SolveResult("highs", "", status, True, objective, None, None, 0.0, 0.0, compiled.size)
    plan = extract_plan(model)
    run = Run(scenario.instance, formulation, "highs", SolveOptions(), result, plan,
              check_plan(scenario.instance, plan, objective))
    run.values = compiled.rounded(values)
    return run


def _scenario_values(scenarios: list[ScenarioModel], values: np.ndarray) -> list[np.ndarray]:
    """Each scenario's column vector out of the EF's: the shared first stage and its own block."""
    F = scenarios[0].first
    nF, nS = int(F.sum()), int((~F).sum())
    out = []
    for s in range(len(scenarios)):
        x = np.zeros(len(F))
        x[F] = values[:nF]
        x[~F] = values[nF + s * nS: nF + (s + 1) * nS]
        out.append(x)
    return out


def first_stage_summary(run: Run) -> dict:
    plan = run.plan
    return {"markets": plan["markets"], "regimes": plan["regimes"], "warehouses": plan["warehouses"],
            "channels": sorted({f"{c['market']}/{c['channel']}" for c in plan["channels"]}),
            "certifications": [f"{c['product']}/{c['certification']}" for c in plan["certifications"]],
            "product_markets": len({(o["product"], o["market"]) for o in plan["portfolio"]}),
            "payment_methods": [f"{r['market']}/{r['method']}" for r in plan.get("payment_methods", [])],
            "data_transfers": plan.get("data_transfers", []), "data_hosting": plan.get("data_hosting", []),
            "creators": {r["creator"] + (f"@{r['period']}" if r.get("period") else ""): r["campaigns"]
                         for r in plan.get("creators", [])},
            **({"origins": plan["origins"]} if "origins" in plan else {})}


def checked_result(uncertain: Uncertain, scenarios: list[ScenarioModel], vectors: list[np.ndarray], status: Status,
                   formulation, risk: Risk, solver_objective: float | None, bound: float | None, seconds: float,
                   message: str = "", method: str = "ef") -> StochasticResult:
    """Each scenario's plan extracted and checked; the expected and risk-adjusted objectives
    recomputed from the checked plans (check.risk_adjusted), the first stage compared across the
    scenarios, and the solver's own objective held against the recomputed one: equal for the
    expectation, never better for CVaR (the solver's eta and excesses may be worse than the
    plan's true CVaR when it stops early)."""
    runs = [scenario_plan(s, x, status, formulation) for s, x in zip(scenarios, vectors)]
    outcomes = [r.evaluation.objective for r in runs]
    maximise = uncertain.base.objective == "profit"
    expected = risk_adjusted(outcomes, uncertain.probabilities, maximise)
    objective = risk_adjusted(outcomes, uncertain.probabilities, maximise, risk.alpha, risk.weight)
    issues = first_stage_differences({name: r.plan for name, r in zip(uncertain.names, runs)})
    if solver_objective is not None and _disagrees(solver_objective, objective, maximise, risk):
        issues.append(f"the solver's objective {solver_objective:,.6f} differs from the one recomputed from the checked "
                      f"plans, {objective:,.6f} (relative tolerance 1e-6)")
    return StochasticResult(method, status.value, objective, expected, bound, relative_gap(objective, bound), seconds, runs,
                            first_stage_summary(runs[0]), message, solver_objective, risk, issues)


def _disagrees(solver: float, recomputed: float, maximise: bool, risk: Risk) -> bool:
    tolerance = 1e-6 * max(1.0, abs(recomputed))
    better = (solver - recomputed) if maximise else (recomputed - solver)
    return better > tolerance if risk.weight > 0 else abs(solver - recomputed) > tolerance


def solve_ef(uncertain: Uncertain, formulation: Formulation | None = None, options: SolveOptions | None = None,
             risk: Risk = Risk(), fix_first: np.ndarray | None = None, solver_name: str = "highs",
             ev_start: bool = True, shared_limit: bool = False) -> StochasticResult:
    """The extensive form, solved by a back end that takes matrices (HiGHS), from the
    expected-value start (start.py) unless `ev_start` is off, all within the options' time
    limit; with `fix_first`, only the second stages (each scenario on its own when risk-neutral:
    the time limit applies to each, or with `shared_limit` to all of them together)."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    solver = get_solver(solver_name, matrices_for="the extensive form")
    start = time.perf_counter()
    scenarios = uncertain.scenarios(formulation)
    if fix_first is not None and risk.weight == 0:
        budget = Budget(options.time_limit) if shared_limit and options.time_limit is not None else None
        return _solve_second_stages(uncertain, scenarios, fix_first, formulation, options, start, solver, budget)
    budget = Budget(options.time_limit)
    plan, facts, lagrangian = None, {}, None
    if ev_start and fix_first is None:
        plan, facts = expected_value_start(uncertain, scenarios, formulation, options, risk, solver, solver_name, budget)
        if plan is not None and risk.weight == 0:
            lagrangian = _lagrangian_bound(scenarios, plan, budget, facts)
    ef = extensive_form(scenarios, risk, fix_first)
    found = solver.solve_matrices(ef, options, budget, start=plan)
    values, objective = found.values, found.objective
    if values is None and plan is not None:  # HiGHS did not run (a stop request, no time left): the start stands
        values, objective = plan, float(ef.cost @ plan + ef.offset)
    seconds = time.perf_counter() - start
    if values is None:
        return StochasticResult("ef", found.message, None, None, None, None, seconds, message=found.message, risk=risk,
                                start=facts)
    sign = scenarios[0].compiled.sign
    status = Status.OPTIMAL if found.status is Status.OPTIMAL else Status.TIME_LIMIT
    bound = _tighter(math.inf if found.bound is None else sign * found.bound, lagrangian, sign)
    result = checked_result(uncertain, scenarios, _scenario_values(scenarios, values), status, formulation, risk,
                            sign * objective, bound if math.isfinite(bound) else None, seconds, found.message)
    result.start = facts
    return result


def _lagrangian_bound(scenarios: list[ScenarioModel], plan: np.ndarray, budget: Budget, facts: dict) -> float | None:
    """bound.py's Lagrangian bound at the start's first stage (the EF vector's first columns),
    within LAGRANGIAN_SHARE of the limit; recorded in `facts`."""
    first = plan[:int(scenarios[0].first.sum())]
    share = Budget(None if budget.limit is None else max(min(LAGRANGIAN_SHARE * budget.limit, budget.left()), 0.0))
    bound = lagrangian_bound(scenarios, first, facts["start_expected"], share)
    facts.update(lagrangian_bound=bound, lagrangian_seconds=round(share.elapsed(), 1))
    return bound


def _tighter(bound: float, other: float | None, sign: float) -> float:
    """The tighter of two valid bounds in the objective's own sense (sign -1: profit, upper bounds)."""
    if other is None or not math.isfinite(other):
        return bound
    if not math.isfinite(bound):
        return other
    return min(bound, other) if sign < 0 else max(bound, other)


def _solve_second_stages(uncertain: Uncertain, scenarios: list[ScenarioModel], first: np.ndarray, formulation,
                         options: SolveOptions, start: float, solver, budget: Budget | None) -> StochasticResult:
    """With the first stage fixed the scenarios separate: each scenario's second stage is its own
    MIP (within the options' time limit each, or an equal share of what `budget` leaves), and the
    expected objective is their weighted sum."""
    found = second_stages(scenarios, first, options, solver, budget)
    if found[-1].values is None:
        return StochasticResult("ef", found[-1].message, None, None, None, None, time.perf_counter() - start,
                                message=f"the fixed first stage leaves a scenario without a plan ({found[-1].message})")
    status = Status.OPTIMAL if all(f.status is Status.OPTIMAL for f in found) else Status.TIME_LIMIT
    p, sign = uncertain.probabilities, scenarios[0].compiled.sign
    return checked_result(uncertain, scenarios, [f.values for f in found], status, formulation, Risk(),
                          sum(pi * sign * f.objective for pi, f in zip(p, found)),
                          sum(pi * sign * f.bound for pi, f in zip(p, found)), time.perf_counter() - start)
