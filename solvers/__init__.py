"""Solver back ends behind one interface: `get_solver(name).solve(model, options) -> SolveResult`."""

from __future__ import annotations

from .result import ModelSize, SolveOptions, SolveResult, Status


class SolverUnavailable(Exception):
    """The requested solver cannot run here; the message says which ones can."""


def _registry() -> dict:
    from .highs import HighsSolver
    from .pyomo_backends import CbcSolver, GlpkSolver, HighsPersistentSolver, ScipSolver

    return {"highs": HighsSolver, "highs_persistent": HighsPersistentSolver, "scip": ScipSolver, "cbc": CbcSolver,
            "glpk": GlpkSolver}


def available_solvers() -> dict[str, tuple[bool, str]]:
    """name -> (available, reason if not)."""
    return {name: cls.availability() for name, cls in _registry().items()}


def get_solver(name: str, matrices_for: str | None = None):
    """The back end `name`; with `matrices_for` (what the caller assembles as matrices, e.g.
    "the extensive form"), only one that takes a problem as matrices."""
    registry = _registry()
    if name not in registry:
        installed = [n for n, (ok, _) in available_solvers().items() if ok]
        raise SolverUnavailable(f"unknown solver '{name}'; installed: {', '.join(installed) or 'none'}")
    cls = registry[name]
    ok, why = cls.availability()
    if not ok:
        installed = [n for n, (ok, _) in available_solvers().items() if ok]
        raise SolverUnavailable(f"solver '{name}' is not available ({why}); installed: {', '.join(installed) or 'none'}")
    if matrices_for is not None and not cls.solves_matrices:
        able = [n for n, c in registry.items() if c.solves_matrices and c.availability()[0]]
        raise SolverUnavailable(f"solver '{name}' cannot solve {matrices_for}: it is assembled as matrices and "
                                f"'{name}' takes Pyomo models only (use --solver {' or '.join(able) or 'highs'})")
    return cls()


__all__ = ["ModelSize", "SolveOptions", "SolveResult", "Status", "SolverUnavailable", "available_solvers", "get_solver"]
