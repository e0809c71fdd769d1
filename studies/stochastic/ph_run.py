"""Progressive hedging on mpi-sppy: run under `mpiexec -n N python -m mpi4py -m
xborder.studies.stochastic.ph_run SPEC` by `ph.solve_ph`, never by hand.

Every rank builds its scenarios' models with the study's scenario creator (scenario.py: no
presolve, so every scenario has the same columns); the first stage (FIRST_STAGE: markets,
regimes, certifications, warehouses, portfolio, channels) is the root node's nonanticipative
variables. The cylinders are a PH hub, a
Lagrangian spoke (outer bound) and an xhat-shuffle spoke (inner bound): with N ranks, N / 3 ranks
each. Subproblems are solved by HiGHS through Pyomo (`appsi_highs`, its update checks set by
`register_solver`); the binary proximal terms
are linearised (with CVaR, eta's too), so every subproblem stays a MILP. Rank 0 writes SPEC's `result` file: the
bounds, the iterations, whether the wheel stopped for its time limit and the first-stage values of the best
inner-bound plan, by name.

With a time limit (SPEC's `time_limit`, ending at SPEC's `deadline`, seconds since the epoch), the wheel stops
within one iteration's time of it: each subproblem solve is limited to SUBPROBLEM_SHARE of the limit over the
scenarios a rank holds, so one pass over them (PH's iteration 0, which mpi-sppy does not limit, any later
iteration, a Lagrangian pass, an xhat trial) takes at most that share; and the hub does not begin an iteration
whose solves, as long as the last ones, would end past the deadline (`Deadline`).
"""

from __future__ import annotations

import json
import math
import sys
import time

import pyomo.environ as pyo
from mpisppy.extensions.extension import Extension

from ...models.build import FIRST_STAGE
from ...models.columns import structure_of


def _uncertain(spec):
    from ...data.instance import load_instance
    from ...data.scenarios import read_scenarios

    base = load_instance(spec["instance"])
    scenarios = {s.name: s for s in read_scenarios(spec["scenarios"], base)}
    return base, scenarios


SUBPROBLEM_SHARE = 0.25  # of the wheel's time limit, for one pass over the scenarios a rank holds
LAST_SOLVE_SECONDS = 0.5  # a subproblem solve begun at or past the deadline (a spoke ending its pass)


def subproblem_seconds(time_limit: float, scenarios: int, ranks: int) -> float:
    """The time limit of one subproblem solve: SUBPROBLEM_SHARE of the wheel's limit over the
    scenarios each rank of a cylinder holds (a third of the ranks each)."""
    held = math.ceil(scenarios / max(1, ranks // 3))
    return SUBPROBLEM_SHARE * time_limit / held


class Deadline(Extension):
    """The wheel's deadline on every cylinder (its options' `xborder_deadline`, seconds since
    the epoch, and `xborder_subproblem_seconds`):

    - each subproblem solve gets HiGHS's time limit, the subproblem's share or what is left
      before the deadline if less (at least LAST_SOLVE_SECONDS), so a pass that a spoke is
      in when the hub stops ends soon after;
    - on the hub, mpi-sppy checks its time limit before each iteration's solves
      (`PHBase.iterk_loop`, after `miditer`) and stops when the time spent reaches
      `options['time_limit']`: that limit is moved, before each check, to where the next
      solves, as long as the last ones, would end at the deadline. `out_of_time` records that
      it was reached."""

    def __init__(self, ph):
        super().__init__(ph)
        self.deadline = ph.options.get("xborder_deadline")
        self.seconds = ph.options.get("xborder_subproblem_seconds")
        self.began = time.time()
        self.last = 0.0
        self.out_of_time = False

    def pre_solve(self, subproblem):
        if self.deadline is not None:
            left = self.deadline - time.time()
            subproblem._solver_plugin.options["time_limit"] = max(LAST_SOLVE_SECONDS, min(self.seconds, left))

    def pre_solve_loop(self):
        self.began = time.time()

    def post_solve_loop(self):
        self.last = time.time() - self.began

    def miditer(self):
        if self.deadline is None:
            return
        spent = time.perf_counter() - self.opt.start_time
        left = self.deadline - time.time() - self.last
        self.opt.options["time_limit"] = spent + left
        self.out_of_time = left <= 0


WAIT_SECONDS = 0.01


def polite_spokes():
    """mpi-sppy's Lagrangian and xhat-shuffle spokes that sleep WAIT_SECONDS whenever the hub has
    nothing new for them. mpi-sppy's own spokes poll the hub's window in a loop without pause; with
    more ranks than cores (3 on a 2-core machine) the polling took the hub's core, and the hub's
    window writes waited behind it (py-spy: the hub in `SPWindow.put`)."""
    from mpisppy.cylinders.lagrangian_bounder import LagrangianOuterBound
    from mpisppy.cylinders.xhatshufflelooper_bounder import XhatShuffleInnerBound

    class PoliteLagrangian(LagrangianOuterBound):
        def do_while_waiting_for_new_Ws(self, *args, **kwargs):
            super().do_while_waiting_for_new_Ws(*args, **kwargs)
            time.sleep(WAIT_SECONDS)

    class PoliteXhatShuffle(XhatShuffleInnerBound):
        def update_nonants(self):
            new = super().update_nonants()
            if not new:
                time.sleep(WAIT_SECONDS)
            return new

    return PoliteLagrangian, PoliteXhatShuffle


SOLVER = "xborder_appsi_highs"


def register_solver():
    """Pyomo's `appsi_highs`, registered as SOLVER, with two of its update checks off:
    - `update_constraints`: appsi re-adds every row whose expression object is not the one it
      saw, and a row of the model's matrix constraints builds a new one each time it is read,
      so each solve re-added the whole model (each removal also rebuilding appsi's column map).
      The rows never change; new rows (the proximal terms' cuts) are still found.
    - `treat_fixed_vars_as_params`: a variable fixed or freed (an xhat trial fixes the first
      stage, and frees it after) then re-adds every row that holds it; as False, fixing is a
      change of the column's bounds.
    Measured at size m with 10 scenarios: a Lagrangian pass and a PH iteration spent minutes
    in those re-adds rather than in HiGHS."""
    from pyomo.opt import SolverFactory

    if SOLVER in SolverFactory:
        return
    appsi_highs = type(pyo.SolverFactory("appsi_highs"))

    class RowsAsBuilt(appsi_highs):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.update_config.update_constraints = False
            self.update_config.treat_fixed_vars_as_params = False

    SolverFactory.register(SOLVER, doc="appsi's HiGHS; rows as built, fixed variables as bounds")(RowsAsBuilt)


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
    register_solver()
    cfg.solver_name = SOLVER
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
    for spoke, polite in zip(spokes, polite_spokes()):
        spoke["spoke_class"] = polite
    if spec["time_limit"]:
        _keep_the_deadline([hub, *spokes], spec, len(names))
    wheel = WheelSpinner(hub, spokes)
    wheel.spin()
    first_file = spec["result"] + ".first.csv"
    wheel.write_first_stage_solution(first_file)  # written by the rank that holds the best inner bound
    from mpisppy import MPI

    MPI.COMM_WORLD.Barrier()
    if wheel.global_rank == 0:
        hub = wheel.spcomm.opt
        result = {"inner": _finite(wheel.BestInnerBound), "outer": _finite(wheel.BestOuterBound),
                  "iterations": getattr(hub, "_PHIter", None), "out_of_time": _out_of_time(hub),
                  "first_stage": _first_stage(first_file)}
        with open(spec["result"], "w") as f:
            json.dump(result, f)


def _keep_the_deadline(cylinders: list[dict], spec: dict, scenarios: int):
    """`Deadline` on every cylinder (none of them has another extension here)."""
    from mpisppy import MPI

    seconds = subproblem_seconds(spec["time_limit"], scenarios, MPI.COMM_WORLD.size)
    for cylinder in cylinders:
        cylinder["opt_kwargs"]["extensions"] = Deadline
        cylinder["opt_kwargs"]["options"].update(xborder_deadline=spec["deadline"], xborder_subproblem_seconds=seconds)


def _out_of_time(hub) -> bool:
    extension = getattr(hub, "extobject", None)
    return bool(getattr(extension, "out_of_time", False))


def _finite(value):
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
