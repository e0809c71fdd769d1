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
from ..data.scenarios import (SHEET, Scenario, ScenarioError, apply_scenario, check_uncertainty, mean_document,
                              read_scenarios, scenario_document)
from ..models.build import build_model
from ..models.extract import extract_plan
from ..models.formulation import Formulation
from ..pipeline import Run
from ..solvers import SolveOptions, SolveResult, Status
from ..solvers.budget import INF, Budget
from ..solvers.compile import CompiledModel, highs_lp, new_highs, run_highs
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
    objective: float | None  # the (risk-averse) objective the method optimised, model sense
    expected: float | None  # expected objective of the checked plans, recomputed by the checker
    bound: float | None  # a certified bound on the optimum (EF dual bound; PH Lagrangian bound)
    gap: float | None
    seconds: float
    runs: list[Run] = field(default_factory=list)  # one per scenario, with the shared first stage
    first_stage: dict = field(default_factory=dict)
    message: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.has_plan and r.evaluation.ok for r in self.runs)


# ---- the uncertainty set ----------------------------------------------------------------------------


def read_uncertainty(base: Instance, path) -> Uncertain:
    """Scenarios with probabilities, numbers-only, and the same network in every scenario."""
    scenarios = read_scenarios(path, base)
    check_uncertainty(scenarios)
    documents = [scenario_document(base, s) for s in scenarios]
    instances = [apply_scenario(base, s) for s in scenarios]
    models = _check_same_structure(base, scenarios, instances)
    uncertain = Uncertain(base, [s.name for s in scenarios], [s.probability for s in scenarios], instances, documents)
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


def _extensive_form(stack: _Stack, probabilities, risk: Risk, fix_first: np.ndarray | None = None):
    """(A, row bounds, column bounds, cost, integrality, n columns per block) of the EF in the
    min sense; with `fix_first`, the first stage fixed there (the EEV)."""
    F, S = stack.first, ~stack.first
    nF, nS, k = int(F.sum()), int(S.sum()), len(stack.compiled)
    c0 = stack.compiled[0]
    first_cols = sp.vstack([c.A[:, F] for c in stack.compiled], format="csc")
    second_cols = sp.block_diag([c.A[:, S] for c in stack.compiled], format="csc")
    A = sp.hstack([first_cols, second_cols], format="csc")
    row_lower = np.concatenate([c.row_lower for c in stack.compiled])
    row_upper = np.concatenate([c.row_upper for c in stack.compiled])
    p = np.asarray(probabilities, dtype=float)
    losses = [c.cost for c in stack.compiled]  # each scenario's objective in the min sense
    cost_first = sum(pi * loss[F] for pi, loss in zip(p, losses))
    cost_second = np.concatenate([pi * loss[S] for pi, loss in zip(p, losses)])
    col_lower = np.concatenate([c0.col_lower[F], *[c.col_lower[S] for c in stack.compiled]])
    col_upper = np.concatenate([c0.col_upper[F], *[c.col_upper[S] for c in stack.compiled]])
    integer = np.concatenate([c0.integer[F], *[c.integer[S] for c in stack.compiled]])
    if fix_first is not None:
        col_lower[:nF] = col_upper[:nF] = np.where(c0.integer[F], np.round(fix_first), fix_first)
    cost = np.concatenate([cost_first, cost_second])
    if risk.weight > 0:
        A, row_lower, row_upper, cost, col_lower, col_upper, integer = _with_cvar(
            A, row_lower, row_upper, cost, col_lower, col_upper, integer, losses, F, S, p, risk)
    return A, row_lower, row_upper, col_lower, col_upper, cost, integer, (nF, nS, k)


def _with_cvar(A, row_lower, row_upper, cost, col_lower, col_upper, integer, losses, F, S, p, risk):
    """(1 - w) E[L] + w (eta + 1/(1 - alpha) sum_s p_s u_s), u_s >= L_s - eta, u_s >= 0, in the min
    sense L (the loss: cost, or minus profit)."""
    k = len(losses)
    w = risk.weight
    cost = (1 - w) * cost
    first = sp.csr_matrix(np.vstack([loss[F] for loss in losses]))  # k x nF: the shared columns
    second = sp.block_diag([sp.csr_matrix(loss[S]) for loss in losses], format="csr")  # k x k nS
    L = sp.hstack([first, second], format="csr")
    eta_u = sp.hstack([sp.csr_matrix(-np.ones((k, 1))), -sp.identity(k, format="csr")])
    zeros = sp.csr_matrix((A.shape[0], 1 + k))
    A = sp.vstack([sp.hstack([A, zeros]), sp.hstack([L, eta_u])], format="csc")
    row_lower = np.concatenate([row_lower, np.full(k, -INF)])
    row_upper = np.concatenate([row_upper, np.zeros(k)])
    cost = np.concatenate([cost, [w], w * p / (1 - risk.alpha)])
    col_lower = np.concatenate([col_lower, [-INF], np.zeros(k)])
    col_upper = np.concatenate([col_upper, [INF], np.full(k, INF)])
    integer = np.concatenate([integer, np.zeros(1 + k, dtype=bool)])
    return A, row_lower, row_upper, cost, col_lower, col_upper, integer


class _Matrices:
    """The bits of a CompiledModel that `highs_lp` reads."""

    def __init__(self, A, row_lower, row_upper, col_lower, col_upper, cost, integer):
        self.A, self.row_lower, self.row_upper = A, row_lower, row_upper
        self.col_lower, self.col_upper, self.cost, self.integer = col_lower, col_upper, cost, integer
        self.columns, self.offset = range(A.shape[1]), 0.0


def _solve_matrices(m: _Matrices, options: SolveOptions):
    import highspy

    h = new_highs(options.log)
    h.setOptionValue("output_flag", bool(options.log))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    if options.threads:
        h.setOptionValue("threads", int(options.threads))
    if h.passModel(highs_lp(m, highspy)) == highspy.HighsStatus.kError:
        raise ValueError("HiGHS refused the extensive form")
    run_highs(h, Budget(options.time_limit))
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    if info.primal_solution_status != 2:
        return None, status, None, None
    values = np.asarray(h.getSolution().col_value, dtype=float)
    return values, status, float(info.objective_function_value), float(info.mip_dual_bound)


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


def solve_ef(uncertain: Uncertain, formulation: Formulation | None = None, options: SolveOptions | None = None,
             risk: Risk = Risk(), fix_first: np.ndarray | None = None, stack: _Stack | None = None) -> StochasticResult:
    """The extensive form, solved by HiGHS; with `fix_first`, only the second stages (EEV)."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    start = time.perf_counter()
    stack = stack or uncertain.stack(formulation)
    if fix_first is not None and risk.weight == 0:
        return _solve_second_stages(uncertain, stack, fix_first, formulation, options, start)
    matrices = _Matrices(*_extensive_form(stack, uncertain.probabilities, risk, fix_first)[:7])
    values, message, objective, bound = _solve_matrices(matrices, options)
    seconds = time.perf_counter() - start
    sign = stack.compiled[0].sign
    if values is None:
        return StochasticResult("ef", message, None, None, None, None, seconds, message=message)
    status = Status.OPTIMAL if message == "Optimal" else Status.TIME_LIMIT
    runs = _scenario_runs(stack, uncertain, values, status, formulation)
    expected = sum(p * r.evaluation.objective for p, r in zip(uncertain.probabilities, runs))
    objective, bound = sign * objective, sign * bound
    return StochasticResult("ef", status.value, objective, expected, bound, _gap(objective, bound), seconds, runs,
                            _first_stage(runs[0]), message)


def _solve_second_stages(uncertain: Uncertain, stack: _Stack, first: np.ndarray, formulation, options: SolveOptions,
                         start: float) -> StochasticResult:
    """With the first stage fixed the scenarios separate: each scenario's second stage is its own
    MIP (the time limit applies to each), and the expected objective is their weighted sum."""
    F = stack.first
    values_by_scenario, bounds, statuses = [], [], []
    for compiled in stack.compiled:
        lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
        lower[F] = upper[F] = np.where(compiled.integer[F], np.round(first), first)
        matrices = _Matrices(compiled.A, compiled.row_lower, compiled.row_upper, lower, upper, compiled.cost,
                             compiled.integer)
        values, message, _, bound = _solve_matrices(matrices, options)
        if values is None:
            return StochasticResult("ef", message, None, None, None, None, time.perf_counter() - start,
                                    message=f"the fixed first stage leaves a scenario without a plan ({message})")
        values_by_scenario.append(values)
        bounds.append(compiled.sign * bound)
        statuses.append(message)
    nF = int(F.sum())
    stacked = np.concatenate([values_by_scenario[0][F], *[v[~F] for v in values_by_scenario]])
    stacked[:nF] = np.where(stack.compiled[0].integer[F], np.round(first), first)
    status = Status.OPTIMAL if all(s == "Optimal" for s in statuses) else Status.TIME_LIMIT
    runs = _scenario_runs(stack, uncertain, stacked, status, formulation)
    expected = sum(p * r.evaluation.objective for p, r in zip(uncertain.probabilities, runs))
    bound = sum(p * b for p, b in zip(uncertain.probabilities, bounds))
    return StochasticResult("ef", status.value, expected, expected, bound, _gap(expected, bound),
                            time.perf_counter() - start, runs, _first_stage(runs[0]))


# ---- progressive hedging on mpi-sppy ----------------------------------------------------------------------


def mpi_available() -> tuple[bool, str]:
    import importlib.util

    if importlib.util.find_spec("mpisppy") is None or importlib.util.find_spec("mpi4py") is None:
        return False, "progressive hedging needs mpi-sppy and mpi4py (pip install 'xborder[mpi]')"
    if shutil.which("mpiexec") is None:
        return False, "progressive hedging needs mpiexec (Debian: apt-get install openmpi-bin)"
    return True, ""


def solve_ph(uncertain: Uncertain, instance_path, scenario_path, ranks: int = 3, options: SolveOptions | None = None,
             risk: Risk = Risk(), formulation: Formulation | None = None, iterations: int = 50,
             default_rho: float = 1.0) -> StochasticResult:
    """Progressive hedging under `mpiexec -n ranks` (hub, Lagrangian and xhat spokes); the first
    stage of its best inner-bound plan is then fixed and every scenario's second stage solved
    and checked here (the EEV machinery)."""
    ok, why = mpi_available()
    if not ok:
        raise ValueError(why)
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="xborder-ph-") as folder:
        result_file = Path(folder) / "ph.json"
        spec = {"instance": str(Path(instance_path).resolve()), "scenarios": str(Path(scenario_path).resolve()),
                "result": str(result_file), "time_limit": options.time_limit, "mip_gap": options.mip_gap,
                "iterations": iterations, "default_rho": default_rho, "risk": [risk.alpha, risk.weight]}
        command = ["mpiexec", "-n", str(ranks), *_mpiexec_flags(), sys.executable, "-m", "mpi4py", "-m",
                   "xborder.studies.ph_run", json.dumps(spec)]
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=None if options.time_limit is None else 10 * options.time_limit + 600)
        if done.returncode != 0 or not result_file.is_file():
            tail = (done.stderr or done.stdout)[-1500:]
            raise ValueError(f"progressive hedging failed (mpiexec exit {done.returncode}): {tail}")
        ph = json.loads(result_file.read_text())
    stack = uncertain.stack(formulation)
    columns = [str(v) for v in stack.models[0].xb_columns]
    first_names = [columns[j] for j in np.flatnonzero(stack.first)]
    fix = np.array([ph["first_stage"].get(name, 0.0) for name in first_names])
    evaluated = solve_ef(uncertain, formulation, options, risk, fix_first=fix, stack=stack)
    seconds = time.perf_counter() - start
    outer = ph.get("outer")
    objective = evaluated.objective
    bound = None if outer is None or not math.isfinite(outer) else float(outer)
    return StochasticResult("ph", evaluated.status, objective, evaluated.expected, bound, _gap(objective, bound), seconds,
                            evaluated.runs, evaluated.first_stage,
                            f"PH: {ph.get('iterations')} iterations, inner bound {ph.get('inner')}, outer bound {outer}")


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

    instance, formulation, options = item
    return solve_loaded(instance, formulation, options, duals=False)


def evaluate_study(uncertain: Uncertain, result: StochasticResult, formulation: Formulation | None = None,
                   options: SolveOptions | None = None, jobs: int = 1, scheduler: str | None = None) -> StochasticStudy:
    """WS, EEV, EVPI and VSS around a solved stochastic plan (risk-neutral quantities); the
    scenarios' own solves (WS) run on the runner of `jobs` / `scheduler` (studies/runner.py)."""
    from ..pipeline import solve_loaded

    formulation = formulation or Formulation()
    options = options or SolveOptions()
    maximise = uncertain.base.objective == "profit"
    runner = make_runner(jobs, scheduler)
    try:
        outcomes = runner.map(_solve_alone, [(i, formulation, options) for i in uncertain.instances])
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
    ev_run = solve_loaded(mean, formulation, options, duals=False)
    eev = None
    if ev_run.has_plan:
        stack = uncertain.stack(formulation)
        first = _values_by_name(ev_run, stack.models[0])[stack.first]
        eev = solve_ef(uncertain, formulation, options, fix_first=first, stack=stack).expected
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
