"""The root bound round by round: the LP relaxation and the cut loop that tightens it.

For each instance file it prints one row per cut round (solvers/relaxed.py, `cut_loop`): the rows
that round added, the LP bound after it, the seconds since the root LP started and, with
`--reference`, the bound's distance above that plan's objective (in profit mode; below it in
cost mode). The model is built and compiled as `xborder solve` does on the strategic tree's path
(linking rows held back until violated, the column bounds the rows imply on one-period models:
solvers/prepare.py, `box_root`).
`--deferred-only` adds the violated held-back rows and no cuts (models/cuts.py), to see what
the cuts themselves add; `--all-rows` holds no row back; `--box on|off` loads the root LP with
or without its implied column bounds whatever the model (`--rounds 0` times the LP alone).
`--method ipm` solves the LP by HiGHS's interior point instead, without crossover and within
`--lp-limit` seconds, and prints the bound the duals it ends with give (solvers/relaxed.py,
`dual_bound`): valid from any duals, the LP optimum from optimal ones; "no duals" when HiGHS
stopped without any. Run from the repository root, e.g. on the README's 12-month size-m case:

    xborder generate --size m --seed 41 --out m41.json
    python benchmarks/cases/seasonal-calendar.py m41.json m41-12.json 12
    python benchmarks/root_bound.py m41-12.json --reference 3563309
"""

from __future__ import annotations

import argparse
import math
import time

import highspy
from xborder.data.instance import load_instance
from xborder.models.build import build_model
from xborder.models.columns import structure_of
from xborder.solvers.compile import CompiledModel, loaded_highs
from xborder.solvers.implied import implied_upper
from xborder.solvers.prepare import box_root
from xborder.solvers.relaxed import (
    ROOT_CUT_MIN_GAIN,
    ROOT_CUT_ROUNDS,
    RelaxedLp,
    cut_loop,
    dual_bound,
    solve_root,
)


def compiled_root(path: str, all_rows: bool, deferred_only: bool = False):
    """(instance name, model, compiled model) as the solve compiles it: linking rows held back
    unless `all_rows`; with `deferred_only`, no cut separators."""
    instance = load_instance(path)
    model = build_model(instance)
    structure = structure_of(model)
    if deferred_only:
        structure.separators = lambda: ()
    return instance.name, model, CompiledModel(model, () if all_rows else structure.deferrable)


def rounds(path: str, max_rounds: int, deferred_only: bool, all_rows: bool, box: str) -> tuple[str, list[tuple]]:
    """(name, [(round, rows added, LP bound, seconds)]) for the root LP and each cut round."""
    name, model, compiled = compiled_root(path, all_rows, deferred_only)
    relaxed = RelaxedLp(compiled, highspy, box=box_root(model) if box == "auto" else box == "on")
    start = time.perf_counter()
    report = solve_root(relaxed)
    if report.lp_values is None:
        raise SystemExit(f"{path}: the root LP was not solved")
    table = [(0, 0, report.lp_bound_after, time.perf_counter() - start)]
    while report.rounds < max_rounds:
        rows_before = report.rows
        cut_loop(relaxed, model, report, report.rounds + 1)
        if report.rows == rows_before:
            break
        table.append((report.rounds, report.rows - rows_before, report.lp_bound_after, time.perf_counter() - start))
        if abs(table[-2][2] - report.lp_bound_after) <= ROOT_CUT_MIN_GAIN * abs(report.lp_bound_after):
            break  # where the solve's own loop stops
    return name, table


def interior_point(path: str, all_rows: bool, limit: float | None) -> tuple[str, list[tuple]]:
    """(name, [(0, 0, bound or None, seconds)]): the root LP by HiGHS's interior point without
    crossover (no basis, so no cut rounds), its bound computed from the duals it ends with
    (`dual_bound`, over the column bounds the rows imply); None when it ends without duals."""
    name, _, compiled = compiled_root(path, all_rows)
    upper = implied_upper(compiled.A, compiled.row_lower, compiled.row_upper, compiled.col_lower, compiled.col_upper)
    h = loaded_highs(compiled, relax=True, lower=compiled.col_lower, upper=upper)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    if limit is not None:
        h.setOptionValue("time_limit", float(limit))
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    solution = h.getSolution()
    bound = dual_bound(compiled, solution.row_dual, upper) if solution.dual_valid else None
    return name, [(0, 0, bound, seconds)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("instances", nargs="+", help="instance files")
    parser.add_argument("--rounds", type=int, help=f"at most this many cut rounds (default {ROOT_CUT_ROUNDS})")
    parser.add_argument("--method", choices=["simplex", "ipm"], default="simplex",
                        help="the root LP by HiGHS's dual simplex (as the solve) or by its interior point without "
                             "crossover, whose bound is computed from the duals it ends with (no cut rounds)")
    parser.add_argument("--lp-limit", type=float, help="seconds the interior point may run (--method ipm)")
    parser.add_argument("--deferred-only", action="store_true", help="held-back linking rows only, no cuts")
    parser.add_argument("--all-rows", action="store_true", help="hold no linking row back")
    parser.add_argument("--box", choices=["auto", "on", "off"], default="auto",
                        help="implied column bounds on the root LP (auto: as the solve, solvers/prepare.py)")
    parser.add_argument("--reference", type=float, help="a plan's objective to measure the bound against")
    args = parser.parse_args()
    if args.deferred_only and args.all_rows:
        parser.error("--deferred-only adds held-back rows, and --all-rows holds none back: choose one")
    if args.method == "ipm" and (args.rounds or args.deferred_only or args.box != "auto"):
        parser.error("--method ipm solves the LP alone, with the implied column bounds: no --rounds, --deferred-only or --box")
    if args.method == "simplex" and args.lp_limit is not None:
        parser.error("--lp-limit is for --method ipm; the dual simplex runs to the LP's optimum")
    print("| instance | round | rows added | LP bound | seconds | above the reference |")
    print("|---|---|---|---|---|---|")
    for path in args.instances:
        if args.method == "ipm":
            name, table = interior_point(path, args.all_rows, args.lp_limit)
        else:
            rounds_wanted = ROOT_CUT_ROUNDS if args.rounds is None else args.rounds
            name, table = rounds(path, rounds_wanted, args.deferred_only, args.all_rows, args.box)
        for number, added, bound, seconds in table:
            label = ("root LP" if args.method == "simplex" else "root LP (interior point)") if number == 0 else str(number)
            if bound is None or not math.isfinite(bound):
                what = "no duals" if bound is None else "no finite bound from its duals"
                print(f"| {name} | {label} | 0 | {what} | {seconds:.1f} | - |", flush=True)
                continue
            above = "-" if args.reference is None else f"{abs(bound - args.reference) / abs(args.reference):.3%}"
            print(f"| {name} | {label} | {added} | {bound:,.0f} | {seconds:.1f} | {above} |", flush=True)


if __name__ == "__main__":
    main()
