"""Two-stage stochastic plans: decide the network before demand is known.

The uncertainty set is a scenario file with a `probability` column (data/scenarios.py): each
scenario changes numbers only (conversion, virality, base demand, FX, freight, payment loss, ...).

- First stage, shared by every scenario: markets, regimes, certifications, warehouses, the
  portfolio, and channel activation (campaigns are booked before the season: a documented
  choice).
- Second stage, per scenario: sales, flows, stock and payment-risk mitigation.
- Objective: the expected objective, or with `--risk cvar:alpha=A,weight=W` the risk-averse
  `(1 - W) E[objective] + W CVaR_A(objective)` (Rockafellar-Uryasev: the mean of the worst
  1 - A of outcomes, by probability), in the instance's own sense.

`solve_ef` solves the extensive form on one machine: the scenario models stacked in one matrix
whose first-stage columns are shared, handed to HiGHS. `solve_ph` runs progressive hedging on
mpi-sppy under `mpiexec` (studies/ph_run.py: a PH hub, a Lagrangian outer bound and an xhat inner
bound). Either way each scenario's plan is then extracted and checked by the independent
checker, and the expected objective is recomputed from the checked plans. `evaluate_study` adds
the wait-and-see and expected-value solutions: EVPI = WS - RP and VSS = RP - EEV (profit; the
other way round for cost), both >= 0.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..data.errors import Issue
from ..data.instance import Instance, load_document
from ..data.scenarios import (SHEET, Scenario, ScenarioError, apply_scenarios, check_uncertainty, mean_document,
                              read_scenarios, scenario_document)
from ..models.build import build_model
from ..models.extract import extract_plan
from ..models.formulation import Formulation
from ..pipeline import Run
from ..check import first_stage_differences, risk_adjusted
from ..solvers import SolveOptions, SolveResult, SolverUnavailable, Status, get_solver
from ..solvers.budget import INF
from ..solvers.compile import CompiledModel, Matrices
from .compare import kpi_row
from .runner import make_runner

FIRST_STAGE = ("e", "r", "kappa", "y", "z", "s")


@dataclass(frozen=True)
class Risk:
    alpha: float = 0.9
    weight: float = 0.0  # 0: risk-neutral

    @classmethod
    def parse(cls, text: str | None) -> "Risk":
        """'cvar:alpha=0.9,weight=0.3'; ValueError naming what is wrong."""
        if not text:
            return cls()
        kind, _, rest = text.partition(":")
        if kind.strip() != "cvar":
            raise ValueError(f"--risk expects cvar:alpha=A,weight=W, got '{text}'")
        values = {}
        for part in rest.split(","):
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep or key not in ("alpha", "weight"):
                raise ValueError(f"--risk: expected alpha=A and weight=W, got '{part.strip()}'")
            try:
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"--risk: {key} must be a number, got '{value}'") from None
        risk = cls(values.get("alpha", 0.9), values.get("weight", 0.0))
        if not 0 < risk.alpha < 1 or not 0 <= risk.weight <= 1:
            raise ValueError("--risk: alpha must be in (0, 1) and weight in [0, 1]")
        return risk


@dataclass
class Uncertain:
    """The base instance and its scenarios, each applied and validated."""

    base: Instance
    names: list[str]
    probabilities: list[float]
    instances: list[Instance]
    documents: list[dict]
    source: str = ""  # the scenario file, as its path was given
    stacks: dict = field(default_factory=dict, repr=False, compare=False)  # Formulation -> _Stack, built once

    def stack(self, formulation: Formulation) -> "_Stack":
        """Every scenario's model and matrices under `formulation`, built on first use and kept:
        the EF, the EEV and PH's first-stage names all read the same stack."""
        if formulation not in self.stacks:
            self.stacks[formulation] = _stack(self.instances, formulation)
        return self.stacks[formulation]


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

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.has_plan and r.evaluation.ok for r in self.runs) and not self.issues


# ---- the uncertainty set ----------------------------------------------------------------------------


def read_uncertainty(base: Instance, path) -> Uncertain:
    """Scenarios with probabilities, numbers-only, and the same network in every scenario."""
    scenarios = read_scenarios(path, base)
    check_uncertainty(scenarios)
    documents = [scenario_document(base, s) for s in scenarios]
    instances = apply_scenarios(base, scenarios)
    models = _check_same_structure(base, scenarios, instances)
    uncertain = Uncertain(base, [s.name for s in scenarios], [s.probability for s in scenarios], instances, documents,
                          str(path))
    uncertain.stacks[Formulation()] = _Stack.of(models)
    return uncertain


def _built(instance: Instance, formulation: Formulation = Formulation()) -> tuple:
    """The instance's model (no presolve, as the EF stacks it) and its matrices."""
    model = build_model(instance, formulation, presolve=False)
    return model, CompiledModel(model)


def _shape(model, compiled: CompiledModel) -> tuple:
    families = tuple((name, end - start) for name, (start, end, _) in compiled.families.items())
    keys = tuple((name, tuple(map(str, keys))) for name, keys in model.cols.keys.items())
    return families, keys


def _check_same_structure(base: Instance, scenarios: list[Scenario], instances: list[Instance]) -> list[tuple]:
    """Every scenario must give the base's model shape: the same decisions and the same rows.
    Returns each scenario's (model, matrices), which the default-formulation EF then reuses."""
    reference = _shape(*_built(base))
    issues, models = [], []
    for scenario, instance in zip(scenarios, instances):
        models.append(_built(instance))
        if _shape(*models[-1]) != reference:
            o = scenario.overrides[0]
            rows = ", ".join(str(x.row) for x in scenario.overrides)
            issues.append(Issue(o.file, SHEET, f"scenario '{scenario.name}' (rows {rows}) changes which decisions or "
                                               "limits exist (a promise, a lane, a limit switched on or off); an "
                                               "uncertainty scenario may only change numbers that keep the model's shape",
                                o.row, o.column))
    if issues:
        raise ScenarioError(issues)
    return models


# ---- the extensive form ---------------------------------------------------------------------------------


@dataclass
class _Stack:
    compiled: list[CompiledModel]
    models: list
    first: np.ndarray  # first-stage column mask (scenario column order)

    @classmethod
    def of(cls, built: list[tuple]) -> "_Stack":
        """From each scenario's (model, matrices), as `_built` gives them."""
        return cls([compiled for _, compiled in built], [model for model, _ in built], built[0][0].cols.mask(FIRST_STAGE))


def _stack(instances: list[Instance], formulation: Formulation) -> _Stack:
    return _Stack.of([_built(i, formulation) for i in instances])


def _extensive_form(stack: _Stack, probabilities, risk: Risk, fix_first: np.ndarray | None = None) -> Matrices:
    """The EF in the min sense: the first-stage columns once, each scenario's second stage in
    its own block, each scenario's cost weighted by its probability; with `fix_first`, the first
    stage fixed there (the EEV)."""
    F, S = stack.first, ~stack.first
    nF = int(F.sum())
    c0 = stack.compiled[0]
    first_cols = sp.vstack([c.A[:, F] for c in stack.compiled], format="csc")
    second_cols = sp.block_diag([c.A[:, S] for c in stack.compiled], format="csc")
    p = np.asarray(probabilities, dtype=float)
    losses = [c.cost for c in stack.compiled]  # each scenario's objective in the min sense
    problem = Matrices(
        A=sp.hstack([first_cols, second_cols], format="csc"),
        row_lower=np.concatenate([c.row_lower for c in stack.compiled]),
        row_upper=np.concatenate([c.row_upper for c in stack.compiled]),
        col_lower=np.concatenate([c0.col_lower[F], *[c.col_lower[S] for c in stack.compiled]]),
        col_upper=np.concatenate([c0.col_upper[F], *[c.col_upper[S] for c in stack.compiled]]),
        cost=np.concatenate([sum(pi * loss[F] for pi, loss in zip(p, losses)),
                             *[pi * loss[S] for pi, loss in zip(p, losses)]]),
        integer=np.concatenate([c0.integer[F], *[c.integer[S] for c in stack.compiled]]),
    )
    if fix_first is not None:
        problem.col_lower[:nF] = problem.col_upper[:nF] = np.where(c0.integer[F], np.round(fix_first), fix_first)
    if risk.weight > 0:
        problem = _with_cvar(problem, losses, F, S, p, risk)
    return problem


def _with_cvar(ef: Matrices, losses, F, S, p, risk: Risk) -> Matrices:
    """(1 - w) E[L] + w (eta + 1/(1 - alpha) sum_s p_s u_s), u_s >= L_s - eta, u_s >= 0, in the min
    sense L (the loss: cost, or minus profit)."""
    k = len(losses)
    w = risk.weight
    first = sp.csr_matrix(np.vstack([loss[F] for loss in losses]))  # k x nF: the shared columns
    second = sp.block_diag([sp.csr_matrix(loss[S]) for loss in losses], format="csr")  # k x k nS
    L = sp.hstack([first, second], format="csr")
    eta_u = sp.hstack([sp.csr_matrix(-np.ones((k, 1))), -sp.identity(k, format="csr")])
    zeros = sp.csr_matrix((ef.A.shape[0], 1 + k))
    return Matrices(
        A=sp.vstack([sp.hstack([ef.A, zeros]), sp.hstack([L, eta_u])], format="csc"),
        row_lower=np.concatenate([ef.row_lower, np.full(k, -INF)]),
        row_upper=np.concatenate([ef.row_upper, np.zeros(k)]),
        col_lower=np.concatenate([ef.col_lower, [-INF], np.zeros(k)]),
        col_upper=np.concatenate([ef.col_upper, [INF], np.full(k, INF)]),
        cost=np.concatenate([(1 - w) * ef.cost, [w], w * p / (1 - risk.alpha)]),
        integer=np.concatenate([ef.integer, np.zeros(1 + k, dtype=bool)]),
    )


def _scenario_runs(stack: _Stack, uncertain: Uncertain, values: np.ndarray, status: Status, formulation) -> list[Run]:
    """Each scenario's plan (shared first stage, its own second stage), extracted and checked."""
    from ..check import check_plan

    F = stack.first
    nF, nS = int(F.sum()), int((~F).sum())
    runs = []
    for s, (compiled, model, instance) in enumerate(zip(stack.compiled, stack.models, uncertain.instances)):
        x = np.zeros(len(compiled.columns))
        x[F] = values[:nF]
        x[~F] = values[nF + s * nS: nF + (s + 1) * nS]
        compiled.load(x, model)
        objective = compiled.objective_of(x)
        result = SolveResult("highs", "", status, True, objective, None, None, 0.0, 0.0, compiled.size)
        plan = extract_plan(model)
        run = Run(instance, formulation, "highs", SolveOptions(), result, plan, check_plan(instance, plan, objective))
        run.values = compiled.rounded(x)
        runs.append(run)
    return runs


def _first_stage(run: Run) -> dict:
    plan = run.plan
    return {"markets": plan["markets"], "regimes": plan["regimes"], "warehouses": plan["warehouses"],
            "channels": [f"{c['market']}/{c['channel']}" for c in plan["channels"]],
            "certifications": [f"{c['product']}/{c['certification']}" for c in plan["certifications"]],
            "product_markets": len(plan["portfolio"])}


def _gap(objective, bound) -> float | None:
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(bound - objective) / max(abs(objective), 1e-9)


def _checked_result(uncertain: Uncertain, stack: _Stack, values: np.ndarray, status: Status, formulation, risk: Risk,
                    solver_objective: float | None, bound: float | None, seconds: float, message: str = "",
                    method: str = "ef") -> StochasticResult:
    """Each scenario's plan extracted and checked; the expected and risk-adjusted objectives
    recomputed from the checked plans (check.risk_adjusted), the first stage compared across the
    scenarios, and the solver's own objective held against the recomputed one: equal for the
    expectation, never better for CVaR (the solver's eta and excesses may be worse than the
    plan's true CVaR when it stops early)."""
    runs = _scenario_runs(stack, uncertain, values, status, formulation)
    outcomes = [r.evaluation.objective for r in runs]
    maximise = uncertain.base.objective == "profit"
    expected = risk_adjusted(outcomes, uncertain.probabilities, maximise)
    objective = risk_adjusted(outcomes, uncertain.probabilities, maximise, risk.alpha, risk.weight)
    issues = first_stage_differences({name: r.plan for name, r in zip(uncertain.names, runs)})
    if solver_objective is not None and _disagrees(solver_objective, objective, maximise, risk):
        issues.append(f"the solver's objective {solver_objective:,.6f} differs from the one recomputed from the checked "
                      f"plans, {objective:,.6f} (relative tolerance 1e-6)")
    return StochasticResult(method, status.value, objective, expected, bound, _gap(objective, bound), seconds, runs,
                            _first_stage(runs[0]), message, solver_objective, risk, issues)


def _disagrees(solver: float, recomputed: float, maximise: bool, risk: Risk) -> bool:
    tolerance = 1e-6 * max(1.0, abs(recomputed))
    better = (solver - recomputed) if maximise else (recomputed - solver)
    return better > tolerance if risk.weight > 0 else abs(solver - recomputed) > tolerance


def solve_ef(uncertain: Uncertain, formulation: Formulation | None = None, options: SolveOptions | None = None,
             risk: Risk = Risk(), fix_first: np.ndarray | None = None, stack: _Stack | None = None,
             solver_name: str = "highs") -> StochasticResult:
    """The extensive form, solved by a back end that takes matrices (HiGHS); with `fix_first`,
    only the second stages (EEV)."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    solver = get_solver(solver_name, matrices_for="the extensive form")
    start = time.perf_counter()
    stack = stack or uncertain.stack(formulation)
    if fix_first is not None and risk.weight == 0:
        return _solve_second_stages(uncertain, stack, fix_first, formulation, options, start, solver)
    found = solver.solve_matrices(_extensive_form(stack, uncertain.probabilities, risk, fix_first), options)
    seconds = time.perf_counter() - start
    if found.values is None:
        return StochasticResult("ef", found.message, None, None, None, None, seconds, message=found.message, risk=risk)
    sign = stack.compiled[0].sign
    status = Status.OPTIMAL if found.status is Status.OPTIMAL else Status.TIME_LIMIT
    return _checked_result(uncertain, stack, found.values, status, formulation, risk, sign * found.objective,
                           sign * found.bound, seconds, found.message)


def _solve_second_stages(uncertain: Uncertain, stack: _Stack, first: np.ndarray, formulation, options: SolveOptions,
                         start: float, solver) -> StochasticResult:
    """With the first stage fixed the scenarios separate: each scenario's second stage is its own
    MIP (the time limit applies to each), and the expected objective is their weighted sum."""
    F = stack.first
    values_by_scenario, bounds, objectives, statuses = [], [], [], []
    for compiled in stack.compiled:
        problem = Matrices.of(compiled)
        problem.col_lower[F] = problem.col_upper[F] = np.where(compiled.integer[F], np.round(first), first)
        found = solver.solve_matrices(problem, options)
        if found.values is None:
            return StochasticResult("ef", found.message, None, None, None, None, time.perf_counter() - start,
                                    message=f"the fixed first stage leaves a scenario without a plan ({found.message})")
        values_by_scenario.append(found.values)
        bounds.append(compiled.sign * found.bound)
        objectives.append(compiled.sign * found.objective)
        statuses.append(found.status)
    nF = int(F.sum())
    stacked = np.concatenate([values_by_scenario[0][F], *[v[~F] for v in values_by_scenario]])
    stacked[:nF] = np.where(stack.compiled[0].integer[F], np.round(first), first)
    status = Status.OPTIMAL if all(s is Status.OPTIMAL for s in statuses) else Status.TIME_LIMIT
    p = uncertain.probabilities
    return _checked_result(uncertain, stack, stacked, status, formulation, Risk(),
                           sum(pi * v for pi, v in zip(p, objectives)), sum(pi * b for pi, b in zip(p, bounds)),
                           time.perf_counter() - start)


# ---- progressive hedging on mpi-sppy ----------------------------------------------------------------------


def mpi_available() -> tuple[bool, str]:
    import importlib.util

    if importlib.util.find_spec("mpisppy") is None or importlib.util.find_spec("mpi4py") is None:
        return False, "progressive hedging needs mpi-sppy and mpi4py (pip install 'xborder[mpi]')"
    if shutil.which("mpiexec") is None:
        return False, "progressive hedging needs mpiexec (Debian: apt-get install openmpi-bin)"
    return True, ""


PH_SOLVER = "highs"  # PH's subproblems are solved by HiGHS through Pyomo (appsi_highs)


def solve_ph(uncertain: Uncertain, instance_path, scenario_path, ranks: int = 3, options: SolveOptions | None = None,
             risk: Risk = Risk(), formulation: Formulation | None = None, iterations: int = 50,
             default_rho: float = 1.0, solver_name: str = PH_SOLVER) -> StochasticResult:
    """Progressive hedging under `mpiexec -n ranks` (hub, Lagrangian and xhat spokes; with CVaR,
    mpi-sppy's Rockafellar-Uryasev transform of each scenario); the first stage of its best
    inner-bound plan is then fixed and every scenario's second stage solved and checked here
    (the EEV machinery). Run in a temporary folder, so that mpi-sppy's logs stay out of the
    working directory; a run that leaves no first-stage plan is an error, never an empty plan."""
    ok, why = mpi_available()
    if not ok:
        raise ValueError(why)
    if solver_name != PH_SOLVER:
        raise SolverUnavailable(f"progressive hedging solves its subproblems with HiGHS (mpi-sppy's appsi_highs); "
                                f"solver '{solver_name}' cannot serve it (use --solver highs or --method ef)")
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="xborder-ph-") as folder:
        result_file = Path(folder) / "ph.json"
        spec = {"instance": str(Path(instance_path).resolve()), "scenarios": str(Path(scenario_path).resolve()),
                "result": str(result_file), "time_limit": options.time_limit, "mip_gap": options.mip_gap,
                "threads": options.threads, "formulation": str(formulation), "iterations": iterations,
                "default_rho": default_rho, "risk": [risk.alpha, risk.weight]}
        command = ["mpiexec", "-n", str(ranks), *_mpiexec_flags(), sys.executable, "-m", "mpi4py", "-m",
                   "xborder.studies.ph_run", json.dumps(spec)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=folder,
                              timeout=None if options.time_limit is None else 10 * options.time_limit + 600)
        if done.returncode != 0 or not result_file.is_file():
            tail = (done.stderr or done.stdout)[-1500:]
            raise ValueError(f"progressive hedging failed (mpiexec exit {done.returncode}): {tail}")
        ph = json.loads(result_file.read_text())
    stack = uncertain.stack(formulation)
    columns = [str(v) for v in stack.models[0].xb_columns]
    first_names = [columns[j] for j in np.flatnonzero(stack.first)]
    missing = [name for name in first_names if name not in ph["first_stage"]]
    if missing:
        raise ValueError(f"progressive hedging left no first-stage plan ({len(missing)} of {len(first_names)} first-stage "
                         f"values missing, e.g. {missing[0]}): no inner bound was found within its iterations "
                         f"and time limit")
    fix = np.array([ph["first_stage"][name] for name in first_names])
    evaluated = solve_ef(uncertain, formulation, options, risk, fix_first=fix, stack=stack)
    outer = ph.get("outer")
    bound = None if outer is None or not math.isfinite(outer) else float(outer)
    evaluated.method, evaluated.bound = "ph", bound
    evaluated.gap = _gap(evaluated.objective, bound)
    evaluated.seconds = time.perf_counter() - start
    evaluated.message = f"PH: {ph.get('iterations')} iterations, inner bound {ph.get('inner')}, outer bound {outer}"
    return evaluated


def _mpiexec_flags() -> list[str]:
    """Open MPI refuses to run as root and to start more ranks than cores unless told."""
    flags = ["--oversubscribe"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--allow-run-as-root")
    return flags


# ---- the value of information and of the stochastic solution --------------------------------------------------


@dataclass
class StochasticStudy:
    result: StochasticResult
    wait_and_see: float | None  # WS: expected objective with each scenario known in advance
    expected_value: float | None  # EEV: expected objective of the mean-value plan's first stage
    evpi: float | None
    vss: float | None
    scenarios: pd.DataFrame  # one row per scenario: probability, KPIs, own optimum


def _solve_alone(item):
    from ..pipeline import solve_loaded

    instance, formulation, options, solver_name = item
    return solve_loaded(instance, formulation, options, solver_name, duals=False)


def evaluate_study(uncertain: Uncertain, result: StochasticResult, formulation: Formulation | None = None,
                   options: SolveOptions | None = None, jobs: int = 1, scheduler: str | None = None,
                   solver_name: str = "highs") -> StochasticStudy:
    """WS, EEV, EVPI and VSS around a solved stochastic plan (risk-neutral quantities); the
    scenarios' own solves (WS) run on the runner of `jobs` / `scheduler` (studies/runner.py)."""
    from ..pipeline import solve_loaded

    formulation = formulation or Formulation()
    options = options or SolveOptions()
    maximise = uncertain.base.objective == "profit"
    runner = make_runner(jobs, scheduler)
    try:
        outcomes = runner.map(_solve_alone, [(i, formulation, options, solver_name) for i in uncertain.instances])
    finally:
        runner.close()
    failed = [name for name, o in zip(uncertain.names, outcomes) if not o.ok]
    if failed:
        raise ValueError(f"the wait-and-see solves of {', '.join(failed)} failed twice: {outcomes[0].error}")
    own = [o.value for o in outcomes]
    ws = None
    if all(r.has_plan for r in own):
        ws = sum(p * r.result.objective for p, r in zip(uncertain.probabilities, own))
    mean = load_document(mean_document(uncertain.documents, uncertain.probabilities), "expected-value.json")
    ev_run = solve_loaded(mean, formulation, options, solver_name, duals=False)
    eev = None
    if ev_run.has_plan:
        stack = uncertain.stack(formulation)
        first = _values_by_name(ev_run, stack.models[0])[stack.first]
        eev = solve_ef(uncertain, formulation, options, fix_first=first, stack=stack, solver_name=solver_name).expected
    rp = result.expected
    evpi = vss = None
    if ws is not None and rp is not None:
        evpi = (ws - rp) if maximise else (rp - ws)
    if eev is not None and rp is not None:
        vss = (rp - eev) if maximise else (eev - rp)
    rows = []
    for name, p, run, alone in zip(uncertain.names, uncertain.probabilities, result.runs, own):
        rows.append({"scenario": name, "probability": p, **kpi_row(run),
                     "own_optimum": alone.result.objective if alone.has_plan else None})
    return StochasticStudy(result, ws, eev, evpi, vss, pd.DataFrame(rows))


def _values_by_name(run: Run, model) -> np.ndarray:
    """A run's first-stage decisions as a column vector of `model` (matched by variable name)."""
    plan = run.plan
    values = np.zeros(len(model.xb_columns))
    chosen = {("e", m) for m in plan["markets"]} | {("y", w) for w in plan["warehouses"]} | {("r", g) for g in plan["regimes"]}
    for j, var in enumerate(model.xb_columns):
        name, index = var.parent_component().local_name, var.index()
        if (name, index) in chosen:
            values[j] = 1.0
    ix = model.ix
    pairs = {(o["product"], o["market"]) for o in plan["portfolio"]}
    for i, (p, m) in enumerate(zip(ix.pairs["product"], ix.pairs["market"])):
        if (p, m) in pairs:
            values[model.cols.start["z"] + i] = 1.0
    channels = {(c["market"], c["channel"]) for c in plan["channels"]}
    for k, (m, c) in enumerate(zip(ix.channels["market"], ix.channels["channel"])):
        if (m, c) in channels:
            values[model.cols.start["s"] + k] = 1.0
    certs = {(c["product"], c["certification"]) for c in plan["certifications"]}
    for k, (p, c) in enumerate(zip(ix.certs["product"], ix.certs["certification"])):
        if (p, c) in certs:
            values[model.cols.start["kappa"] + k] = 1.0
    return values


__all__ = ["Risk", "read_uncertainty", "solve_ef", "solve_ph", "evaluate_study"]
