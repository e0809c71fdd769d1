"""A Lagrangian bound on the extensive form, for runs where HiGHS's branch-and-bound on the whole
EF ends without one (at size m with 50 scenarios its root LP does not finish in 600 s).

In the min sense, with c_s scenario s's costs, X_s its LP relaxation's feasible set, F the
first-stage columns and the EF's shared first stage relaxed to a copy per scenario:

    L(mu) = sum_s p_s min_{x in X_s} (c_s + mu_s 1_F) x,   for any mu with sum_s p_s mu_s = 0,

is at most the EF's LP value, so at most its optimum (a lower bound on cost, an upper bound on
profit). mu = 0 gives the wait-and-see LP bound; the best mu gives the EF's LP value.

The first multipliers come from a first stage x_bar (the expected-value plan's): d_s, the reduced
costs of the first-stage columns in scenario s's LP with them fixed at x_bar, are what each
scenario would pay to move them; with mu_s = -MULTIPLIER_SCALE (d_s - sum_t p_t d_t) every
scenario sees a share of the mean's prices instead of its own, and so moves less from x_bar.
Subgradient steps then raise L: with x_s scenario s's first stage at mu and x_mean = sum_t p_t x_t,

    mu_s <- mu_s + theta (z - L(mu)) / sum_t p_t |x_t - x_mean|^2 (x_s - x_mean)

(Polyak's step towards z, the plan's value; the step keeps sum_s p_s mu_s = 0), theta halving
after STALL steps without a better L. Each scenario's LP is kept in one HiGHS object, so a step
re-solves from the last basis (at size m about 0.08 s a scenario, against 1 s from scratch). The
bound is the best L of the LPs solved to optimality; the steps end with the budget, when theta
falls below LAST_STEP, or when the scenarios agree on the first stage (L is then the EF's LP value).
"""

from __future__ import annotations

import numpy as np

from ...solvers.budget import Budget
from ...solvers.compile import loaded_highs, run_highs
from .scenario import ScenarioModel

MULTIPLIER_SCALE = 0.5  # measured at size m with 10 scenarios: 1.43% above the plan, 1.55% at 1.0, 3.1% at 0
STALL = 2  # steps without a better bound before theta halves
LAST_STEP = 1 / 64  # theta starts at 1; six halvings end the steps


class ScenarioRelaxation:
    """Scenario s's LP relaxation in one HiGHS object, re-solved from its last basis as the
    first-stage costs change."""

    def __init__(self, scenario: ScenarioModel, first: np.ndarray):
        compiled = scenario.compiled
        self.columns = np.flatnonzero(scenario.first).astype(np.int32)
        self.cost = compiled.cost[self.columns].copy()
        self.lower, self.upper = compiled.col_lower[self.columns], compiled.col_upper[self.columns]
        lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
        lower[self.columns] = upper[self.columns] = np.where(compiled.integer[self.columns], np.round(first), first)
        self.highs = loaded_highs(compiled, relax=True, lower=lower, upper=upper)

    def prices(self, budget: Budget) -> np.ndarray | None:
        """d_s: the first-stage columns' reduced costs with them fixed at x_bar (then freed)."""
        if not _optimal(self.highs, budget):
            return None
        duals = np.asarray(self.highs.getSolution().col_dual, dtype=float)[self.columns]
        self.highs.changeColsBounds(len(self.columns), self.columns, self.lower, self.upper)
        return duals

    def minimum(self, shift: np.ndarray, budget: Budget) -> tuple[float, np.ndarray] | None:
        """min over X_s of (c_s + shift on F) x with the model's constant, and that x's first stage."""
        self.highs.changeColsCost(len(self.columns), self.columns, self.cost + shift)
        if not _optimal(self.highs, budget):
            return None
        values = np.asarray(self.highs.getSolution().col_value, dtype=float)[self.columns]
        return float(self.highs.getInfo().objective_function_value), values


def lagrangian_bound(scenarios: list[ScenarioModel], first: np.ndarray, target: float,
                     budget: Budget) -> float | None:
    """The best L(mu) of the module docstring's steps from the first stage `first`, towards the
    plan's value `target`, both in the objective's own sense (an upper bound on expected profit, a
    lower bound on expected cost); None when the first L is not solved within `budget`."""
    sign = scenarios[0].compiled.sign
    relaxations = [ScenarioRelaxation(s, first) for s in scenarios]
    prices = [r.prices(budget) for r in relaxations]
    if any(d is None for d in prices):
        return None
    p = np.array([s.probability for s in scenarios])
    mu = -MULTIPLIER_SCALE * (np.array(prices) - p @ np.array(prices))
    best = _subgradient(relaxations, p, mu, sign * target, budget)
    return None if best is None else sign * best


def _subgradient(relaxations: list[ScenarioRelaxation], p: np.ndarray, mu: np.ndarray, target: float,
                 budget: Budget) -> float | None:
    """Polyak steps on mu in the min sense; the best L found (None if none was solved)."""
    best, theta, misses = None, 1.0, 0
    while (found := _lagrangian(relaxations, p, mu, budget)) is not None:
        value, first_stages = found
        if best is None or value > best:
            best, misses = value, 0
        elif (misses := misses + 1) == STALL:
            theta, misses = theta / 2, 0
        spread = first_stages - p @ first_stages
        norm = float(p @ (spread * spread).sum(axis=1))
        if norm <= 1e-12 or value >= target or theta < LAST_STEP:
            break
        mu = mu + theta * (target - value) / norm * spread
    return best


def _lagrangian(relaxations: list[ScenarioRelaxation], p: np.ndarray, mu: np.ndarray,
                budget: Budget) -> tuple[float, np.ndarray] | None:
    """L(mu) in the min sense and each scenario's first stage at it; None if an LP is unsolved."""
    found = []
    for relaxation, shift in zip(relaxations, mu):
        found.append(relaxation.minimum(shift, budget))
        if found[-1] is None:
            return None
    return float(p @ [value for value, _ in found]), np.array([x for _, x in found])


def _optimal(h, budget: Budget) -> bool:
    import highspy

    return run_highs(h, budget) and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
