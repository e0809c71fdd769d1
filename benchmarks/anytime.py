"""Time-limit and anytime benchmark: does the limit hold, how good is the plan, do the defaults
pay? Prints a markdown table for each part asked.

1. `--limits`: generated instances (sizes and seeds given) solved by `xborder solve` with each
   time limit. Per run: the solve's own seconds (compile, root LP, cuts, plans, MIP), the
   overrun beyond the limit, the whole command's wall time and what came on top (read, derive,
   build, check, write), the plan's objective, its gap to its bound (an upper bound on its
   distance from the optimum) and to the best plan known for the instance (the best of every
   run here, or a published optimum), and the markets it enters.
2. `--levers`: the same command with the default settings and with each single lever switched
   (no warm start, warm start forced, no cuts, strategic tree forced, no strategic tree) on
   OR-Library files and generated instances; per instance, whether the default is within
   `--noise` of the best. A lever that leaves the stages the solve runs as the default's (the
   solution's `run.stages`) is marked `=`: it is the same run again, and its spread from the
   default's is run-to-run noise (verdict "noise" when only such runs beat the default).
3. `--seasonal`: generated instances with the 12-month calendar of
   benchmarks/cases/seasonal-calendar.py (November/December peaks, a sea surcharge in August to
   October), or with `--calendar carry-over` that of benchmarks/cases/carry-over-calendar.py
   (each market's own peaks, repeat purchase, word of mouth), solved with the default and without
   the calendar start (pipeline.py).
4. `--short`: short limits on the largest one-period models, the default against no sample start
   (pipeline.py), each run's distance from the best known plan: the best of these runs and of one
   default run with `--reference` seconds.
5. `--stochastic`: two-stage plans by the extensive form on a generated instance and its drawn
   scenarios, the default against no expected-value start (studies/stochastic/start.py).

Each solve is its own `xborder solve` process (nothing shared, peak memory its own). Run from
the repository root, e.g.

    python benchmarks/anytime.py --limits --sizes l xl --seeds 1 2 --time-limits 10 30 60 120
    python benchmarks/anytime.py --levers --time-limit 60
    python benchmarks/anytime.py --seasonal m:120 l:300
    python benchmarks/anytime.py --seasonal m:120 l:300 --seasonal-seed 7 --calendar carry-over
    python benchmarks/anytime.py --short --sizes xl --seeds 1 2 --time-limits 30 60 --short-levers default "no sample start"
    python benchmarks/anytime.py --stochastic m:10:300 m:50:600
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CFLP = REPO / "benchmarks" / "orlib" / "cflp"
LEVERS = {"default": [], "no warm start": ["--no-warm-start"], "warm start": ["--warm-start"],
          "no cuts": ["--no-cuts"], "tree": ["--tree"], "no tree": ["--no-tree"]}
ORLIB = [("capa.txt", 8000), ("capc.txt", 5000), ("cap134.txt", None)]


def published_optimum(file: str, capacity) -> float | None:
    import csv

    name = Path(file).stem + (f"-{capacity:g}" if capacity else "")
    with open(CFLP / "cflp_optima.csv", newline="") as f:
        return next((float(r["optimum"]) for r in csv.DictReader(f) if r["instance"] == name), None)


def solve(instance: Path, limit: float, extra: list, fmt: list) -> dict:
    """One `xborder solve` process; its solution file and wall time."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "xborder.cli", "solve", str(instance), *fmt, "--out", out, "--quiet",
                               "--time-limit", str(limit), *extra], capture_output=True, text=True)
        wall = time.perf_counter() - start
        path = Path(out) / "solution.json"
        doc = json.loads(path.read_text()) if path.exists() else {}
    seconds = doc.get("run", {}).get("seconds", {})
    return {"exit": proc.returncode, "wall": wall, "solve": seconds.get("handoff", 0.0) + seconds.get("solve", 0.0),
            "rest": sum(v for k, v in seconds.items() if k not in ("handoff", "solve")), "status": doc.get("status"),
            "objective": doc.get("objective"), "bound": doc.get("bound"), "gap": doc.get("gap"),
            "markets": len(doc.get("decisions", {}).get("markets", [])), "kind": doc.get("objective_kind", "profit"),
            "stages": doc.get("run", {}).get("stages"), "calendar_start": doc.get("run", {}).get("calendar_start"),
            "sample_start": doc.get("run", {}).get("sample_start"),
            "error": proc.stderr.strip().splitlines()[-1:] if proc.returncode not in (0, 3, 130) else []}


def distance(objective, best, kind) -> float | None:
    """How far the plan is from the best known, relative (0 = as good)."""
    if objective is None or best is None:
        return None
    worse = (best - objective) if kind == "profit" else (objective - best)
    return max(worse, 0.0) / max(abs(best), 1e-9)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def generated(size: str, seed: int, folder: Path) -> Path:
    path = folder / f"{size}-{seed}.json"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "xborder.cli", "generate", "--size", size, "--seed", str(seed), "--out", str(path)],
                       check=True, capture_output=True)
    return path


def limits_table(sizes, seeds, limits, folder: Path):
    rows = []
    for size in sizes:
        for seed in seeds:
            path = generated(size, seed, folder)
            runs = [(limit, solve(path, limit, [], [])) for limit in limits]
            best = max((r["objective"] for _, r in runs if r["objective"] is not None), default=None)
            for limit, r in runs:
                rows.append((size, seed, limit, r, distance(r["objective"], best, "profit")))
                print(f"  {size} seed {seed} limit {limit}: {r['status']} {r['objective']} solve {r['solve']:.1f} s",
                      file=sys.stderr, flush=True)
    print("| size | seed | limit s | solve s | overrun s | wall s | read+derive+build+check+write s | status | exit | "
          "objective | gap to bound | from best known | markets entered |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size, seed, limit, r, dist in rows:
        over = max(r["solve"] - limit, 0.0)
        print(f"| {size} | {seed} | {limit:g} | {r['solve']:.1f} | {over:.1f} | {r['wall']:.1f} | {r['rest']:.1f} | "
              f"{r['status']} | {r['exit']} | {_fmt(r['objective'])} | {_pct(r['gap'])} | {_pct(dist)} | {r['markets']} |")


def _fmt(x) -> str:
    return "-" if x is None else f"{x:,.0f}"


def levers_table(limit: float, noise: float, seeds, sizes, folder: Path, orlib: bool = True):
    cases = [(CFLP / f, ["--format", "orlib-cap"] + (["--capacity", str(c)] if c else []), published_optimum(f, c),
              f"{Path(f).stem}{'-' + str(c) if c else ''}") for f, c in (ORLIB if orlib else [])]
    cases += [(generated(size, seed, folder), [], None, f"gen {size} seed {seed}") for size in sizes
              for seed in (seeds if size in ("l", "xl") else seeds[:1])]
    print("| instance | known optimum | " + " | ".join(LEVERS) + " | default within noise of the best |")
    print("|---|---|" + "---|" * len(LEVERS) + "---|")
    for path, fmt, optimum, name in cases:
        results = {lever: solve(path, limit, extra, fmt) for lever, extra in LEVERS.items()}
        kind = next((r["kind"] for r in results.values() if r["kind"]), "profit")
        objectives = [r["objective"] for r in results.values() if r["objective"] is not None]
        pick = max if kind == "profit" else min
        best = pick(objectives + ([optimum] if optimum is not None else [])) if objectives else None
        same = {lever: r["stages"] is not None and r["stages"] == results["default"]["stages"]
                for lever, r in results.items()}
        cells = [f"{_fmt(r['objective'])} ({_pct(distance(r['objective'], best, kind))})"
                 + (" =" if same[lever] and lever != "default" else "")
                 for lever, r in results.items()]
        print(f"| {name} | {_fmt(optimum)} | " + " | ".join(cells) + f" | {_verdict(results, same, best, kind, noise)} |",
              flush=True)


def _verdict(results: dict, same: dict, best, kind: str, noise: float) -> str:
    """'yes': the default is within `noise` of the best run; 'noise': only runs with the default's
    own stages (the same settings, marked '=') did better, so the difference is run-to-run noise;
    'NO': a run with other settings did better."""
    def dist(r):
        return 1.0 if r["objective"] is None else distance(r["objective"], best, kind)

    default = dist(results["default"])
    if default <= min(dist(r) for r in results.values()) + noise:
        return "yes"
    other = [dist(r) for lever, r in results.items() if not same[lever]]
    return "noise" if not other or default <= min(other) + noise else "NO"


def _header(columns: list[str]):
    """A markdown table's first two lines."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))


def _best_plan(runs, key: str):
    """The best (highest-profit) `key` among the runs that have one; None if none has."""
    return max((r[key] for r in runs if r.get(key) is not None), default=None)


def _start_cell(start: dict | None, first: str, second: str) -> str:
    """A guided start's two plans and its seconds, '-' when it did not run."""
    return "-" if not start else f"{_fmt(start[first])}, {_fmt(start[second])} ({start['seconds']:.0f})"


SEASONAL_LEVERS = {"default": [], "no calendar start": ["--no-calendar-start"]}


CALENDARS = {"peaks": "seasonal-calendar.py", "carry-over": "carry-over-calendar.py"}  # in benchmarks/cases


def calendared(size: str, seed: int, periods: int, folder: Path, calendar: str = "peaks") -> Path:
    """A generated instance with a calendar of benchmarks/cases (`CALENDARS`): "peaks", 12 months
    (or 4 quarters) with November/December peaks; "carry-over", 12 months with each market's own
    peaks, repeat purchase and word of mouth."""
    suffix = "" if calendar == "peaks" else f"-{calendar}"
    path = folder / f"{size}-{seed}-{periods}p{suffix}.json"
    if not path.exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "cases" / CALENDARS[calendar]),
                        str(generated(size, seed, folder)), str(path), str(periods)], check=True)
    return path


def seasonal_table(cases, seed: int, periods: int, folder: Path, calendar: str = "peaks"):
    """Table 3: multi-period plans, the default against each seasonal lever (`SEASONAL_LEVERS`):
    per run the plan, its gap to the run's own bound, its distance from the best plan of the row,
    the calendar start's two plans (whole horizon, then fixed) and the solve's seconds."""
    _header(["case", "limit s", "lever", "status", "objective", "gap to bound", "from best of row",
             "calendar start: whole horizon, fixed (s)", "solve s"])
    for size, limit in cases:
        path = calendared(size, seed, periods, folder, calendar)
        results = {lever: solve(path, limit, extra, []) for lever, extra in SEASONAL_LEVERS.items()}
        best = _best_plan(results.values(), "objective")
        for lever, r in results.items():
            started = _start_cell(r["calendar_start"], "whole_horizon_objective", "fixed_objective")
            print(f"| {size} seed {seed}, {periods} periods | {limit:g} | {lever} | {r['status']} | {_fmt(r['objective'])} | "
                  f"{_pct(r['gap'])} | {_pct(distance(r['objective'], best, 'profit'))} | {started} | {r['solve']:.1f} |",
                  flush=True)


SHORT_LEVERS = {"default": [], "sample start": ["--sample-start"], "no sample start": ["--no-sample-start"]}


def short_table(sizes, seeds, limits, reference: float, folder: Path, levers=tuple(SHORT_LEVERS)):
    """Table 4: short limits on generated one-period instances, the default against each lever of
    `SHORT_LEVERS` (those named in `levers`); the best known plan is the best of these runs and of
    a default run of `reference` seconds (its own row)."""
    _header(["size", "seed", "limit s", "lever", "status", "exit", "objective", "gap to bound", "from best known",
             "sample start: sample, fixed (s)", "solve s"])
    for size in sizes:
        for seed in seeds:
            path = generated(size, seed, folder)
            runs = [(limit, lever, solve(path, limit, extra, [])) for limit in limits for lever, extra in SHORT_LEVERS.items()
                    if lever in levers]
            runs.append((reference, "default (reference)", solve(path, reference, [], [])))
            best = _best_plan([r for _, _, r in runs], "objective")
            for limit, lever, r in runs:
                started = _start_cell(r["sample_start"], "sample_objective", "fixed_objective")
                print(f"| {size} | {seed} | {limit:g} | {lever} | {r['status']} | {r['exit']} | {_fmt(r['objective'])} | "
                      f"{_pct(r['gap'])} | {_pct(distance(r['objective'], best, 'profit'))} | {started} | {r['solve']:.1f} |",
                      flush=True)


STOCHASTIC_LEVERS = {"default": [], "no expected-value start": ["--no-ev-start"],
                     "progressive hedging": ["--method", "ph", "--ranks", "3"]}


def with_scenarios(size: str, seed: int, count: int, folder: Path) -> tuple[Path, Path]:
    """A generated instance and its drawn uncertainty set (`xborder generate --scenarios`)."""
    path = folder / f"{size}-{seed}-{count}s.json"
    scenarios = path.with_name(f"{path.stem}-scenarios.csv")
    if not scenarios.exists():
        subprocess.run([sys.executable, "-m", "xborder.cli", "generate", "--size", size, "--seed", str(seed),
                        "--scenarios", str(count), "--out", str(path)], check=True, capture_output=True)
    return path, scenarios


def stochastic(instance: Path, scenarios: Path, limit: float, extra: list) -> dict:
    """One `xborder stochastic` process (the extensive form unless `extra` says otherwise, no
    EVPI/VSS solves): its stochastic.json and wall time."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "xborder.cli", "stochastic", str(instance), str(scenarios),
                               "--no-values", "--out", out, "--time-limit", str(limit), *extra], capture_output=True, text=True)
        wall = time.perf_counter() - start
        path = Path(out) / "stochastic.json"
        doc = json.loads(path.read_text()) if path.exists() else {}
    return {"exit": proc.returncode, "wall": wall, **doc}


def stochastic_table(cases, seed: int, folder: Path, levers=tuple(STOCHASTIC_LEVERS)):
    """Table 5: two-stage plans (`xborder stochastic`, the extensive form by default) on a generated instance
    and its drawn scenarios, the default against each lever of `STOCHASTIC_LEVERS` (those named in
    `levers`): the expected objective, its gap to the run's own bound, its distance from the best
    plan of the row, the expected-value start's plan and when it was ready, the Lagrangian bound
    (studies/stochastic/bound.py) and the command's wall time."""
    _header(["size", "scenarios", "limit s", "lever", "status", "expected profit", "bound", "gap to bound",
             "from best of row", "expected-value start (s)", "Lagrangian bound", "wall s", "checked"])
    for size, count, limit in cases:
        instance, scenarios = with_scenarios(size, seed, count, folder)
        results = {lever: stochastic(instance, scenarios, limit, extra) for lever, extra in STOCHASTIC_LEVERS.items()
                   if lever in levers}
        best = _best_plan(results.values(), "expected")
        for lever, r in results.items():
            start = r.get("expected_value_start") or {}
            started = f"{_fmt(start['start_expected'])} ({start['start_seconds']:.0f})" if "start_expected" in start else "-"
            status = r.get("status") or f"exit {r['exit']}"
            print(f"| {size} | {count} | {limit:g} | {lever} | {status} | "
                  f"{_fmt(r.get('expected'))} | {_fmt(r.get('bound'))} | {_pct(r.get('gap'))} | "
                  f"{_pct(distance(r.get('expected'), best, 'profit'))} | {started} | {_fmt(start.get('lagrangian_bound'))} | "
                  f"{r['wall']:.0f} | "
                  f"{'yes' if r.get('checked') else 'NO'} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limits", action="store_true", help="table 1: time limits on generated instances")
    parser.add_argument("--levers", action="store_true", help="table 2: the defaults against each single lever")
    parser.add_argument("--sizes", nargs="+", default=["l", "xl"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--time-limits", nargs="+", type=float, default=[10, 30, 60, 120])
    parser.add_argument("--time-limit", type=float, default=60.0, help="table 2's limit")
    parser.add_argument("--lever-sizes", nargs="*", default=["s", "m", "l"],
                        help="generated sizes for --levers (none: the OR-Library files only)")
    parser.add_argument("--no-orlib", action="store_true", help="--levers on the generated instances only")
    parser.add_argument("--noise", type=float, default=0.001, help="relative objective difference taken as noise")
    parser.add_argument("--seasonal", nargs="+", metavar="SIZE:LIMIT",
                        help="table 3: generated SIZE with a calendar (--periods), solved within LIMIT s, e.g. m:120 l:300")
    parser.add_argument("--periods", type=int, choices=(4, 12), default=12, help="table 3's calendar")
    parser.add_argument("--seasonal-seed", type=int, default=41, help="table 3's generator seed")
    parser.add_argument("--calendar", choices=tuple(CALENDARS), default="peaks",
                        help="table 3's calendar (benchmarks/cases): peaks (12 months or 4 quarters) or carry-over (12 months)")
    parser.add_argument("--short", action="store_true", help="table 4: short limits, with and without the sample start")
    parser.add_argument("--reference", type=float, default=300.0, help="table 4: the best-known run's limit")
    parser.add_argument("--short-levers", nargs="+", choices=list(SHORT_LEVERS), default=list(SHORT_LEVERS),
                        help="table 4's levers")
    parser.add_argument("--stochastic", nargs="+", metavar="SIZE:SCENARIOS:LIMIT",
                        help="table 5: generated SIZE with its drawn SCENARIOS, the extensive form within LIMIT s, "
                             "e.g. m:10:300 m:50:600")
    parser.add_argument("--stochastic-seed", type=int, default=1, help="table 5's generator seed")
    parser.add_argument("--stochastic-levers", nargs="+", choices=list(STOCHASTIC_LEVERS), default=list(STOCHASTIC_LEVERS),
                        help="table 5's levers")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "xborder-anytime")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    if args.limits:
        limits_table(args.sizes, args.seeds, args.time_limits, args.folder)
    if args.levers:
        levers_table(args.time_limit, args.noise, args.seeds, args.lever_sizes, args.folder, not args.no_orlib)
    if args.seasonal:
        cases = [(text.split(":")[0], float(text.split(":")[1])) for text in args.seasonal]
        if args.calendar == "carry-over" and args.periods != 12:
            parser.error("the carry-over calendar has 12 months: leave --periods at 12")
        seasonal_table(cases, args.seasonal_seed, args.periods, args.folder, args.calendar)
    if args.short:
        short_table(args.sizes, args.seeds, args.time_limits, args.reference, args.folder, args.short_levers)
    if args.stochastic:
        cases = [(size, int(count), float(limit)) for size, count, limit in (text.split(":") for text in args.stochastic)]
        stochastic_table(cases, args.stochastic_seed, args.folder, args.stochastic_levers)


if __name__ == "__main__":
    main()
