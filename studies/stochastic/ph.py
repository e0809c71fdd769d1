"""Progressive hedging on mpi-sppy: `mpiexec -n N python -m mpi4py -m xborder.studies.stochastic.ph_run`
(ph_run.py, with the same scenario creator as the extensive form), then the first stage of its
best inner-bound plan fixed and every scenario's second stage solved and checked here."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ...models.columns import structure_of
from ...models.formulation import Formulation
from ...solvers import SolveOptions, SolverUnavailable, Status
from ...solvers.result import relative_gap
from .extensive import StochasticResult, solve_ef
from .scenario import Risk, Uncertain

PH_SOLVER = "highs"  # PH's subproblems are solved by HiGHS through Pyomo (appsi_highs)
EVALUATION_SHARE = 0.1  # of the time limit, kept from the wheel for the second stages under its plan


def mpi_available() -> tuple[bool, str]:
    import importlib.util

    if importlib.util.find_spec("mpisppy") is None or importlib.util.find_spec("mpi4py") is None:
        return False, "progressive hedging needs mpi-sppy and mpi4py (pip install 'xborder[mpi]')"
    if shutil.which("mpiexec") is None:
        return False, "progressive hedging needs mpiexec (Debian: apt-get install openmpi-bin)"
    return True, ""


def solve_ph(uncertain: Uncertain, instance_path, scenario_path, ranks: int = 3, options: SolveOptions | None = None,
             risk: Risk = Risk(), formulation: Formulation | None = None, iterations: int = 50,
             default_rho: float = 1.0, solver_name: str = PH_SOLVER) -> StochasticResult:
    """Progressive hedging under `mpiexec -n ranks` (hub, Lagrangian and xhat spokes; with CVaR,
    mpi-sppy's Rockafellar-Uryasev transform of each scenario); the first stage of its best
    inner-bound plan is then fixed and every scenario's second stage solved and checked here
    (the EEV machinery). With a time limit, the wheel has all of it but EVALUATION_SHARE, and
    the second stages share what the wheel left (at least that share). Run in a temporary
    folder, so that mpi-sppy's logs stay out of the working directory; a run that leaves no
    first-stage plan is an error, never an empty plan."""
    ok, why = mpi_available()
    if not ok:
        raise ValueError(why)
    if solver_name != PH_SOLVER:
        raise SolverUnavailable(f"progressive hedging solves its subproblems with HiGHS (mpi-sppy's appsi_highs); "
                                f"solver '{solver_name}' cannot serve it (use --solver highs or --method ef)")
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    start = time.perf_counter()
    wheel = options if options.time_limit is None else replace(options, time_limit=(1 - EVALUATION_SHARE) * options.time_limit)
    ph = _run_wheel(instance_path, scenario_path, ranks, wheel, risk, formulation, iterations, default_rho)
    scenarios = uncertain.scenarios(formulation)
    columns = [str(v) for v in structure_of(scenarios[0].model).columns]
    first_names = [columns[j] for j in np.flatnonzero(scenarios[0].first)]
    missing = [name for name in first_names if name not in ph["first_stage"]]
    if missing:
        raise ValueError(f"progressive hedging left no first-stage plan ({len(missing)} of {len(first_names)} first-stage "
                         f"values missing, e.g. {missing[0]}): no inner bound was found within its iterations "
                         f"and time limit")
    fix = np.array([ph["first_stage"][name] for name in first_names])
    evaluated = solve_ef(uncertain, formulation, _evaluation_options(options, start), risk, fix_first=fix,
                         shared_limit=True)
    outer = ph.get("outer")
    bound = None if outer is None or not math.isfinite(outer) else float(outer)
    evaluated.method, evaluated.bound = "ph", bound
    evaluated.gap = relative_gap(evaluated.objective, bound)
    evaluated.status = _status(evaluated, ph, options).value
    evaluated.seconds = time.perf_counter() - start
    evaluated.message = f"PH: {ph.get('iterations')} iterations, inner bound {ph.get('inner')}, outer bound {outer}"
    return evaluated


def _status(evaluated: StochasticResult, ph: dict, options: SolveOptions) -> Status:
    """Optimal only when the plan is within the gap of PH's bound (the second stages under its
    plan being solved to optimality is not enough); else time_limit when the wheel stopped for
    its limit (or the second stages did), else feasible: PH ended by its own rule (its
    iteration cap or its convergence) with the gap still open."""
    if evaluated.status != Status.OPTIMAL.value:
        return Status(evaluated.status)
    if evaluated.gap is not None and evaluated.gap <= options.mip_gap + 1e-9:
        return Status.OPTIMAL
    return Status.TIME_LIMIT if ph.get("out_of_time") else Status.FEASIBLE


def _evaluation_options(options: SolveOptions, start: float) -> SolveOptions:
    """The options for the second stages under PH's plan: what the wheel left of the time limit,
    at least EVALUATION_SHARE of it."""
    if options.time_limit is None:
        return options
    left = options.time_limit - (time.perf_counter() - start)
    return replace(options, time_limit=max(left, EVALUATION_SHARE * options.time_limit))


def _run_wheel(instance_path, scenario_path, ranks, options: SolveOptions, risk: Risk, formulation: Formulation,
               iterations: int, default_rho: float) -> dict:
    """mpi-sppy's wheel under mpiexec, in a temporary folder; its result file as a dict."""
    with tempfile.TemporaryDirectory(prefix="xborder-ph-") as folder:
        result_file = Path(folder) / "ph.json"
        spec = {"instance": str(Path(instance_path).resolve()), "scenarios": str(Path(scenario_path).resolve()),
                "result": str(result_file), "time_limit": options.time_limit, "mip_gap": options.mip_gap,
                "deadline": None if options.time_limit is None else time.time() + options.time_limit,
                "threads": options.threads, "formulation": str(formulation), "iterations": iterations,
                "default_rho": default_rho, "risk": [risk.alpha, risk.weight]}
        command = ["mpiexec", "-n", str(ranks), *_mpiexec_flags(), sys.executable, "-m", "mpi4py", "-m",
                   "xborder.studies.stochastic.ph_run", json.dumps(spec)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=folder,
                              timeout=None if options.time_limit is None else 10 * options.time_limit + 600)
        if done.returncode != 0 or not result_file.is_file():
            tail = (done.stderr or done.stdout)[-1500:]
            raise ValueError(f"progressive hedging failed (mpiexec exit {done.returncode}): {tail}")
        return json.loads(result_file.read_text())


def _mpiexec_flags() -> list[str]:
    """Open MPI refuses to run as root and to start more ranks than cores unless told."""
    flags = ["--oversubscribe"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--allow-run-as-root")
    return flags
