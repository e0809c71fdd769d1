"""SCIP, CBC and GLPK through Pyomo's own interfaces, returning the same `SolveResult`.

- SCIP: Pyomo's `scip_direct` interface to the `pyscipopt` package (extra `scip`).
- CBC and GLPK: Pyomo's executable interfaces to the `cbc` and `glpsol` programs (Debian packages
  `coinor-cbc` and `glpk-utils`).

The time limit, relative gap and threads map to each solver's own option names; GLPK has no
threads option and ignores it. Model size is measured on the compiled matrix, outside the timing.
"""

from __future__ import annotations

import math
import shutil
import time

import pyomo.environ as pyo

from .compile import CompiledModel
from .result import SolveOptions, SolveResult, Status, package_availability, relative_gap


def _size(model):
    try:
        return CompiledModel(model).size
    except Exception:  # a trivially infeasible model has no matrix; the solver will say so
        from .result import ModelSize

        return ModelSize(0, 0, 0, 0)


class _ContribSolver:
    """A solver of Pyomo's `pyomo.contrib.solver` family (common config and results)."""

    name = ""
    _solver = None
    solves_matrices = False  # it takes Pyomo models only

    def make(self):
        raise NotImplementedError

    def solve(self, model, options: SolveOptions) -> SolveResult:
        from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

        size = _size(model)
        if self._solver is None:
            self._solver = self.make()  # a persistent interface then re-solves this model incrementally
        solver = self._solver
        start = time.perf_counter()
        results = solver.solve(
            model, tee=options.log, load_solutions=False, raise_exception_on_nonoptimal_result=False,
            time_limit=options.time_limit, rel_gap=options.mip_gap, threads=options.threads,
            solver_options=dict(options.solver_options),
        )
        total = time.perf_counter() - start
        tc = results.termination_condition
        status = {
            TerminationCondition.convergenceCriteriaSatisfied: Status.OPTIMAL,
            TerminationCondition.maxTimeLimit: Status.TIME_LIMIT,
            TerminationCondition.provenInfeasible: Status.INFEASIBLE,
            TerminationCondition.unbounded: Status.UNBOUNDED,
            TerminationCondition.infeasibleOrUnbounded: Status.INFEASIBLE_OR_UNBOUNDED,
            TerminationCondition.interrupted: Status.INTERRUPTED,
        }.get(tc, Status.ERROR)
        has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        objective = bound = None
        if has_solution:
            results.solution_loader.load_vars()
            objective = pyo.value(model.objective)
            bound = results.objective_bound
        solver_seconds = getattr(results.timing_info, "solver_wall_time", None) or total
        return SolveResult(
            self.name, self.version(), status, has_solution, objective, bound, relative_gap(objective, bound),
            max(total - solver_seconds, 0.0), solver_seconds, size, message=str(tc.name),
        )


class ScipSolver(_ContribSolver):
    """SCIP through Pyomo's `scip_direct` interface to pyscipopt."""

    name = "scip"

    @staticmethod
    def availability() -> tuple[bool, str]:
        return package_availability("pyscipopt", "pip install 'xborder[scip]'")

    @staticmethod
    def version() -> str:
        import pyscipopt

        return str(pyscipopt.Model().version())

    def make(self):
        from pyomo.contrib.solver.solvers.scip.scip_direct import ScipDirect

        return ScipDirect()


class HighsPersistentSolver(_ContribSolver):
    """HiGHS through Pyomo's persistent `highs` interface: slower to hand over a large model (see
    benchmarks/scale.py), but it keeps the model inside HiGHS so that re-solves after small
    changes are incremental."""

    name = "highs_persistent"

    @staticmethod
    def availability() -> tuple[bool, str]:
        return package_availability("highspy", "pip install highspy")

    @staticmethod
    def version() -> str:
        from .highs import HighsSolver

        return HighsSolver.version()

    def make(self):
        from pyomo.contrib.solver.solvers.highs import Highs

        return Highs()


class _ShellSolver:
    """CBC and GLPK through Pyomo's executable (file-based) interfaces."""

    name = ""
    executable = ""
    package = ""
    solves_matrices = False  # it takes Pyomo models only

    @classmethod
    def availability(cls) -> tuple[bool, str]:
        if shutil.which(cls.executable) is None:
            return False, f"the '{cls.executable}' program is not on PATH (Debian package {cls.package})"
        return True, ""

    @classmethod
    def version(cls) -> str:
        solver = pyo.SolverFactory(cls.name)
        v = solver.version()
        return ".".join(str(x) for x in v) if v else "unknown"

    def solver_options(self, options: SolveOptions) -> dict:
        raise NotImplementedError

    def solve(self, model, options: SolveOptions) -> SolveResult:
        from pyomo.opt import SolverStatus, TerminationCondition

        size = _size(model)
        solver = pyo.SolverFactory(self.name)
        for key, value in {**self.solver_options(options), **options.solver_options}.items():
            solver.options[key] = value
        start = time.perf_counter()
        results = solver.solve(model, tee=options.log, load_solutions=False)
        total = time.perf_counter() - start
        tc = results.solver.termination_condition
        status = {
            TerminationCondition.optimal: Status.OPTIMAL,
            TerminationCondition.maxTimeLimit: Status.TIME_LIMIT,
            TerminationCondition.feasible: Status.TIME_LIMIT,  # GLPK: stopped early with a plan
            TerminationCondition.infeasible: Status.INFEASIBLE,
            TerminationCondition.unbounded: Status.UNBOUNDED,
            TerminationCondition.infeasibleOrUnbounded: Status.INFEASIBLE_OR_UNBOUNDED,
            TerminationCondition.userInterrupt: Status.INTERRUPTED,
        }.get(tc, Status.ERROR)
        if status is Status.ERROR and results.solver.status is SolverStatus.aborted:
            status = Status.TIME_LIMIT
        has_solution = len(results.solution) > 0 and status in (Status.OPTIMAL, Status.TIME_LIMIT)
        objective = bound = None
        if has_solution:
            model.solutions.load_from(results)
            objective = pyo.value(model.objective)
            bound = self._bound(results, model, objective, status)
        solver_seconds = self._solver_seconds(results) or total
        return SolveResult(
            self.name, self.version(), status, has_solution, objective, bound, relative_gap(objective, bound),
            max(total - solver_seconds, 0.0), solver_seconds, size, message=str(tc),
        )

    @staticmethod
    def _bound(results, model, objective, status):
        if status is Status.OPTIMAL:
            return objective
        maximize = model.objective.sense == pyo.maximize
        value = results.problem.upper_bound if maximize else results.problem.lower_bound
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None

    @staticmethod
    def _solver_seconds(results):
        for attr in ("wallclock_time", "time"):
            value = getattr(results.solver, attr, None)
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if math.isfinite(value) and value > 0:
                return value
        return None


class CbcSolver(_ShellSolver):
    name, executable, package = "cbc", "cbc", "coinor-cbc"

    def solver_options(self, options: SolveOptions) -> dict:
        opts = {"ratioGap": options.mip_gap}
        if options.time_limit is not None:
            opts["sec"] = options.time_limit
        if options.threads:
            opts["threads"] = options.threads
        return opts


class GlpkSolver(_ShellSolver):
    name, executable, package = "glpk", "glpsol", "glpk-utils"

    def solver_options(self, options: SolveOptions) -> dict:
        opts = {"mipgap": options.mip_gap}
        if options.time_limit is not None:
            opts["tmlim"] = max(1, int(math.ceil(options.time_limit)))
        return opts
