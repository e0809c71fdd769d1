"""The solver-independent result of one solve."""

from __future__ import annotations

import importlib.util
import math
from dataclasses import asdict, dataclass, field
from enum import Enum

from .progress import SILENT, Progress


class Status(str, Enum):
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"  # stopped by the time limit; `has_solution` says whether a plan was found
    FEASIBLE = "feasible"  # a plan, the gap still open, stopped by the method's own rule (PH's iteration cap or convergence)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"


@dataclass
class ModelSize:
    rows: int
    cols: int
    nonzeros: int
    binaries: int
    integers: int = 0


@dataclass
class SolveOptions:
    time_limit: float | None = None  # seconds
    mip_gap: float = 1e-4  # relative
    threads: int | None = None
    log: bool = False  # stream the solver's log to the terminal
    warm_start: bool | None = None  # HiGHS: start from a rounded-LP plan; None = on for large models
    cuts: bool = True  # HiGHS: add the model's violated valid inequalities at the root LP first
    tree: bool | None = None  # HiGHS: branch on the strategic binaries over the root LP first; None = on for very large models
    solver_options: dict = field(default_factory=dict)  # passed to the solver by its own option names
    calendar_start: bool | None = None  # multi-period, HiGHS: a first plan from the whole-horizon model (pipeline.py); None = on for large models under a time limit
    sample_start: bool | None = None  # one period, HiGHS: a first plan from a sample of the products (pipeline.py); None = on for large models under a time limit
    start: object = field(default=None, repr=False, compare=False)  # HiGHS: a plan (column vector) to try first, e.g. the previous point's
    progress: Progress = field(default=SILENT, repr=False, compare=False)  # stage and incumbent events


@dataclass
class SolveResult:
    solver: str
    solver_version: str
    status: Status
    has_solution: bool
    objective: float | None
    bound: float | None
    gap: float | None
    handoff_seconds: float
    solve_seconds: float
    size: ModelSize
    message: str = ""
    build_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in ("objective", "bound", "gap"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, float(value))

    @property
    def proven_optimal(self) -> bool:
        return self.status is Status.OPTIMAL

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status.value
        return data


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / |objective|: 0 at the bound, infinite for a plan worth 0 (the empty
    plan) below a bound that is not, None without a plan or a finite bound."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    diff = abs(bound - objective)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / abs(objective) if abs(objective) > 1e-9 else math.inf


def package_availability(module: str, install_hint: str) -> tuple[bool, str]:
    """(True, "") if the Python package `module` can be imported, else (False, why and how to install)."""
    if importlib.util.find_spec(module) is None:
        return False, f"the Python package {module} is not installed ({install_hint})"
    return True, ""
