"""`xborder bench`: every instance x formulation x solver, each run in its own subprocess.

A worker (`python -m xborder.studies.bench '<json spec>'`) loads, builds, solves, measures the root LP
bound, checks the plan independently and prints one JSON row. The parent enforces a hard
wall-clock kill, so a crash or a hang costs one row, never the run. Results: a tidy CSV, a
summary table (solved count, shifted geometric mean time) and a Dolan-More performance profile.
"""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = [
    "instance", "format", "formulation", "solver", "cuts", "repeat", "status", "objective", "bound", "gap", "root_lp_bound",
    "build_s", "solve_s", "total_s", "rows", "cols", "nonzeros", "binaries", "checker", "known_optimum",
    "matches_optimum", "error",
]
SHIFT_SECONDS = 1.0
KILL_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class RunSpec:
    path: str
    fmt: str
    capacity: float | None
    formulation: str
    solver: str
    time_limit: float
    mip_gap: float
    repeat: int
    cuts: bool = True  # HiGHS root cuts (off for a like-for-like comparison with other solvers)

    @property
    def instance_name(self) -> str:
        stem = Path(self.path).stem if not Path(self.path).is_dir() else Path(self.path).name
        return f"{stem}-{self.capacity:g}" if self.capacity is not None else stem


def detect_format(path: str) -> str:
    """xborder files and folders; OR-Library cap*.txt; Holmberg pN.txt. Otherwise ask for --format."""
    p = Path(path)
    if p.is_dir() or p.suffix.lower() in (".json", ".xlsx"):
        return "xborder"
    if re.fullmatch(r"cap(\d+|[abc])", p.stem):
        return "orlib-cap"
    if re.fullmatch(r"p\d+", p.stem):
        return "holmberg"
    raise ValueError(f"{path}: cannot tell the format; pass --format")


def known_optimum(spec: RunSpec) -> float | None:
    """Published optimum shipped beside a benchmark file (cflp_optima.csv, holmberg_opt.txt)."""
    folder = Path(spec.path).parent
    single = "sourcing=single" in spec.formulation
    if spec.fmt == "orlib-cap" and not single and (folder / "cflp_optima.csv").exists():
        with open(folder / "cflp_optima.csv", newline="") as f:
            table = {row["instance"]: float(row["optimum"]) for row in csv.DictReader(f)}
        return table.get(spec.instance_name)
    if spec.fmt == "holmberg" and single and (folder / "holmberg_opt.txt").exists():
        for line in (folder / "holmberg_opt.txt").read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == spec.instance_name:
                return float(parts[1])
    return None


# ---- worker ----------------------------------------------------------------------------------


def run_one(spec: RunSpec) -> dict:
    """Load, build, solve, bound, check: one CSV row (runs inside the worker process)."""
    from ..check import check_plan
    from ..data.classic import read_classic
    from ..data.instance import load_document, load_instance
    from ..models.build import build_model
    from ..models.extract import extract_plan
    from ..models.formulation import Formulation, Sourcing
    from ..solvers import SolveOptions, get_solver
    from ..solvers.relaxed import lp_relaxation_bound

    start = time.perf_counter()
    form = Formulation.parse(None if spec.formulation == "default" else spec.formulation)
    if spec.fmt == "xborder":
        inst = load_instance(spec.path)
    else:
        inst = load_document(read_classic(spec.path, spec.fmt, spec.capacity), spec.path)
    t0 = time.perf_counter()
    model = build_model(inst, form)
    build = time.perf_counter() - t0
    root = lp_relaxation_bound(model)
    options = SolveOptions(time_limit=spec.time_limit, mip_gap=spec.mip_gap, cuts=spec.cuts)
    result = get_solver(spec.solver).solve(model, options)
    checker = "none"
    if result.has_solution:
        ev = check_plan(inst, extract_plan(model), result.objective, form.sourcing is Sourcing.SINGLE)
        checker = "passed" if ev.ok else "failed"
    return {
        "status": result.status.value, "objective": result.objective, "bound": result.bound, "gap": result.gap,
        "root_lp_bound": root, "build_s": build, "solve_s": result.handoff_seconds + result.solve_seconds,
        "total_s": time.perf_counter() - start, "rows": result.size.rows, "cols": result.size.cols,
        "nonzeros": result.size.nonzeros, "binaries": result.size.binaries, "checker": checker,
    }


def _worker_main(argv: list[str]) -> int:
    spec = RunSpec(**json.loads(argv[0]))
    try:
        row = run_one(spec)
    except Exception as err:  # reported as the run's error, the bench goes on
        row = {"status": "error", "error": f"{type(err).__name__}: {err}"}
    sys.stdout.write("XBORDER-ROW " + json.dumps(row) + "\n")
    return 0


# ---- parent ----------------------------------------------------------------------------------


def run_in_subprocess(spec: RunSpec) -> dict:
    row = {"instance": spec.instance_name, "format": spec.fmt, "formulation": spec.formulation, "solver": spec.solver,
           "repeat": spec.repeat, "cuts": spec.cuts}
    cmd = [sys.executable, "-m", "xborder.studies.bench", json.dumps(asdict(spec))]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=spec.time_limit * 1.5 + KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        row.update(status="killed", total_s=time.perf_counter() - start, error="hard wall-clock limit reached")
        return row
    lines = [line for line in proc.stdout.splitlines() if line.startswith("XBORDER-ROW ")]
    if not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        row.update(status="crashed", total_s=time.perf_counter() - start, error=f"exit {proc.returncode}: {tail[0]}")
        return row
    row.update(json.loads(lines[-1][len("XBORDER-ROW "):]))
    optimum = known_optimum(spec)
    if optimum is not None:
        row["known_optimum"] = optimum
        obj = row.get("objective")
        row["matches_optimum"] = obj is not None and math.isclose(obj, optimum, rel_tol=1e-6, abs_tol=1e-6)
    return row


def write_csv(rows: list[dict], path: Path):
    from ..data.atomic import atomic_path
    from ..data.cells import as_text

    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: as_text(row.get(k, "")) if row.get(k) is not None else "" for k in COLUMNS})


def _config(row) -> str:
    return f"{row['solver']} / {row['formulation']}" + ("" if row.get("cuts", True) else " / no cuts")


def _solved(row) -> bool:
    return row.get("status") == "optimal" and row.get("checker") == "passed"


def run_times(rows: list[dict], time_limit: float) -> dict:
    """(config, instance) -> median total seconds over repeats; unsolved runs count as the limit."""
    times: dict = {}
    for row in rows:
        t = float(row.get("total_s") or time_limit) if _solved(row) else time_limit
        times.setdefault((_config(row), row["instance"]), []).append(t)
    return {k: sorted(v)[len(v) // 2] for k, v in times.items()}


def _root_gap(row) -> float | None:
    """|optimum - root LP bound| / |optimum|: how much the formulation's LP relaxation gives away."""
    try:
        obj, root = float(row["objective"]), float(row["root_lp_bound"])
    except (KeyError, TypeError, ValueError):
        return None
    return abs(obj - root) / max(abs(obj), 1e-10)


def summary_table(rows: list[dict], time_limit: float) -> list[dict]:
    """Per configuration: runs, solved (optimal and checked), matched optima, shifted geometric mean."""
    times = run_times(rows, time_limit)
    table = []
    for config in sorted({_config(r) for r in rows}):
        mine = [r for r in rows if _config(r) == config]
        per_instance = [t for (c, _), t in times.items() if c == config]
        sgm = math.exp(sum(math.log(t + SHIFT_SECONDS) for t in per_instance) / len(per_instance)) - SHIFT_SECONDS
        known = [r for r in mine if r.get("known_optimum") not in (None, "")]
        root_gaps = [_root_gap(r) for r in mine if _solved(r) and _root_gap(r) is not None]
        table.append({
            "configuration": config, "runs": len(mine), "solved": sum(_solved(r) for r in mine),
            "optimum matched": f"{sum(bool(r.get('matches_optimum')) for r in known)}/{len(known)}" if known else "-",
            "mean root gap %": round(100 * sum(root_gaps) / len(root_gaps), 3) if root_gaps else "-",
            "shifted geo. mean s": round(sgm, 3),
        })
    return table


def format_table(table: list[dict]) -> str:
    if not table:
        return "(no runs)"
    headers = list(table[0])
    widths = [max(len(h), *(len(str(r[h])) for r in table)) for h in headers]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(str(r[h]).ljust(w) for h, w in zip(headers, widths)) + " |" for r in table]
    return "\n".join(lines)


def performance_profile(rows: list[dict], time_limit: float, path: Path) -> str | None:
    """Dolan-More profile of total time; returns None if written, else why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install 'xborder[plot]'): no performance profile plot"
    times = run_times(rows, time_limit)
    configs = sorted({c for c, _ in times})
    instances = sorted({i for _, i in times})
    best = {i: min(times[(c, i)] for c in configs if (c, i) in times) for i in instances}
    ratios = {
        c: sorted(times[(c, i)] / best[i] if times[(c, i)] < time_limit else math.inf for i in instances if (c, i) in times)
        for c in configs
    }
    finite = [r for rs in ratios.values() for r in rs if math.isfinite(r)]
    tau_max = max(2.0, 1.1 * max(finite, default=1.0))
    fig, ax = plt.subplots(figsize=(8, 5))
    for config in configs:
        rs = ratios[config]
        taus = [1.0] + [r for r in rs if math.isfinite(r)] + [tau_max]
        fractions = [sum(r <= t for r in rs) / len(rs) for t in taus]
        ax.step(taus, fractions, where="post", label=config)
    ax.set_xscale("log")
    ax.set_xlabel("tau (time / best time on the instance)")
    ax.set_ylabel("fraction of its instances solved within tau")
    ax.set_ylim(0, 1.02)
    ax.set_title("Performance profile (Dolan and More)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    from ..data.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return None


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
