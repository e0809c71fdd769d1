"""Two-stage stochastic plans: decide the network before demand is known (docs/uncertainty.md).

The uncertainty set is a scenario file with a `probability` column (data/scenarios.py): each
scenario changes numbers only (conversion, virality, base demand, FX, freight, payment loss, ...).

- First stage, shared by every scenario (`FIRST_STAGE`, models/build.py): markets, regimes,
  certifications, warehouses, the portfolio, channel activation (campaigns are booked before
  the season: a documented choice), the creator campaigns booked, the payment methods offered
  and where the customer data lives (transfer mechanisms, local hosting).
- Second stage, per scenario: sales, flows, stock, the revenue paid with each method,
  payment-risk mitigation and the data-protection obligations the scenario's buyers set off.
- Objective: the expected objective, or with `--risk cvar:alpha=A,weight=W` the risk-averse
  `(1 - W) E[objective] + W CVaR_A(objective)` (Rockafellar-Uryasev: the mean of the worst
  1 - A of outcomes, by probability), in the instance's own sense.

Everything is made of one scenario creator (scenario.py): the extensive form (extensive.py, on
one machine, through the solver interface), progressive hedging on mpi-sppy (ph.py, ph_run.py),
and the wait-and-see and expected-value solutions behind EVPI and VSS (values.py). Each scenario's
plan is checked by the independent checker, and the study's numbers are recomputed from the
checked plans.
"""

from .extensive import StochasticResult, extensive_form, solve_ef
from .ph import PH_SOLVER, mpi_available, solve_ph
from .scenario import Risk, ScenarioModel, Uncertain, read_uncertainty, scenario_creator
from .values import StochasticStudy, evaluate_study

__all__ = ["PH_SOLVER", "Risk", "ScenarioModel", "StochasticResult", "StochasticStudy", "Uncertain", "evaluate_study",
           "extensive_form", "mpi_available", "read_uncertainty", "scenario_creator", "solve_ef", "solve_ph"]
