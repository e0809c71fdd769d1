"""Progressive hedging on mpi-sppy: run under `mpiexec -n N python -m mpi4py -m
xborder.studies.stochastic.ph_run SPEC` by `ph.solve_ph`, never by hand.

Every rank builds its scenarios' models with the study's scenario creator (scenario.py: no
presolve, so every scenario has the same columns); the first stage (FIRST_STAGE: markets,
regimes, certifications, warehouses, portfolio, channels) is the root node's nonanticipative
variables. The cylinders are a PH hub, a
Lagrangian spoke (outer bound) and an xhat-shuffle spoke (inner bound): with N ranks, N / 3 ranks
each. Subproblems are solved by HiGHS through Pyomo (`appsi_highs`); the binary proximal terms
are linearised (with CVaR, eta's too), so every subproblem stays a MILP. Rank 0 writes SPEC's `result` file: the
bounds, the iterations and the first-stage values of the best inner-bound plan, by name.
"""

from __future__ import annotations

import json
import sys

import pyomo.environ as pyo

from ...models.build import FIRST_STAGE
from ...models.columns import structure_of


def _uncertain(spec):
    from ...data.instance import load_instance
    from ...data.scenarios import read_scenarios

    base = load_instance(spec["instance"])
    scenarios = {s.name: s for s in read_scenarios(spec["scenarios"], base)}
    return base, scenarios


def scenario_creator(name, spec=None, cache=None):
    """One scenario's model with its probability and root node (mpi-sppy's contract)."""
    import mpisppy.utils.sputils as sputils

    from ...data.scenarios import apply_scenario
    from ...models.formulation import Formulation
    from .scenario import scenario_creator as create

    base, scenarios = cache["uncertain"]
    scenario = scenarios[name]
    made = create(apply_scenario(base, scenario), name, scenario.probability, Formulation.parse(spec["formulation"]))
    model = made.model
    first = [model.component(n) for n in FIRST_STAGE if model.component(n) is not None]
    columns = [j for j in made.first.nonzero()[0] if model.objective_vector[j] != 0]
    variables = structure_of(model).columns
    first_cost = pyo.quicksum(float(model.objective_vector[j]) * variables[j] for j in columns)
    sputils.attach_root_node(model, first_cost, first)
    model._mpisppy_probability = scenario.probability
    return model


def scenario_denouement(rank, name, scenario):
    pass


def main():
    from mpisppy.spin_the_wheel import WheelSpinner
    from mpisppy.utils import cfg_vanilla as vanilla
    from mpisppy.utils import config

    spec = json.loads(sys.argv[1])
    cache = {"uncertain": _uncertain(spec)}
    names = list(cache["uncertain"][1])
    cfg = config.Config()
    cfg.popular_args()
    cfg.two_sided_args()
    cfg.ph_args()
    cfg.lagrangian_args()
    cfg.xhatshuffle_args()
    cfg.solver_name = "appsi_highs"
    cfg.default_rho = spec["default_rho"]
    cfg.max_iterations = spec["iterations"]
    cfg.rel_gap = max(spec["mip_gap"], 1e-6)
    cfg.linearize_binary_proximal_terms = True
    cfg.linearize_proximal_terms = True  # CVaR adds a continuous first-stage column (eta); HiGHS takes no quadratic term
    if spec["time_limit"]:
        cfg.time_limit = spec["time_limit"]
    if spec["threads"]:
        cfg.max_solver_threads = spec["threads"]
    cfg.lagrangian = True
    cfg.xhatshuffle = True
    kwargs = {"spec": spec, "cache": cache}
    creator = scenario_creator
    alpha, weight = spec["risk"]
    if weight > 0:
        from mpisppy.utils.cvar import cvar_scenario_creator

        creator = cvar_scenario_creator(scenario_creator, cvar_weight=weight, cvar_alpha=alpha, cvar_mean_weight=1 - weight)
    beans = (cfg, creator, scenario_denouement, names)
    hub = vanilla.ph_hub(*beans, scenario_creator_kwargs=kwargs)
    spokes = [vanilla.lagrangian_spoke(*beans, scenario_creator_kwargs=kwargs),
              vanilla.xhatshuffle_spoke(*beans, scenario_creator_kwargs=kwargs)]
    wheel = WheelSpinner(hub, spokes)
    wheel.spin()
    first_file = spec["result"] + ".first.csv"
    wheel.write_first_stage_solution(first_file)  # written by the rank that holds the best inner bound
    from mpisppy import MPI

    MPI.COMM_WORLD.Barrier()
    if wheel.global_rank == 0:
        result = {"inner": _finite(wheel.BestInnerBound), "outer": _finite(wheel.BestOuterBound),
                  "iterations": getattr(wheel.spcomm.opt, "_PHIter", None), "first_stage": _first_stage(first_file)}
        with open(spec["result"], "w") as f:
            json.dump(result, f)


def _finite(value):
    import math

    return float(value) if value is not None and math.isfinite(value) else None


def _first_stage(path) -> dict:
    """The best inner-bound plan's first stage by variable name."""
    from pathlib import Path

    values = {}
    target = Path(path)
    if target.is_file():
        for line in target.read_text().splitlines():
            name, _, value = line.rpartition(",")
            values[name] = float(value)
    return values


if __name__ == "__main__":
    main()
