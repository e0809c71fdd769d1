"""The independent checker: recomputes every constraint and the objective of a plan from the
instance tables and the plan's decisions and flows, with plain Python dictionaries. It shares no
code with the model builder (`models/`), the derived network (`data/network.py`) or the solvers,
on purpose: a mistake there must not be repeated here. It never imports Pyomo.

- `plan.py`: the checker: the plan read per period, the rows over the horizon, the objective;
- `periods.py`: the rows that carry the period axis (sales, balances, capacities per period);
- `calendar.py`: the checker's own period axis (one period without a periods table);
- `values.py`: a two-stage plan's first stage, expectation and CVaR;
- `solution.py`: reading a solution document strictly;
- `folders.py`: re-checking an output folder (a scenario's plan, a stochastic study).
"""

from __future__ import annotations

from .folders import StochasticCheck, check_plan, check_stochastic_folder, instance_for
from .plan import MONEY_TERMS, REL_TOL, Evaluation, PlanChecker, Violation
from .solution import SolutionError, read_solution
from .values import conditional_value_at_risk, first_stage_differences, first_stage_of, risk_adjusted


__all__ = ["MONEY_TERMS", "REL_TOL", "Evaluation", "PlanChecker", "SolutionError", "StochasticCheck",
           "Violation", "check_plan", "check_stochastic_folder", "conditional_value_at_risk", "first_stage_differences",
           "first_stage_of", "instance_for", "read_solution", "risk_adjusted"]
