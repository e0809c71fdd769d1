"""The root bound round by round: the LP relaxation and the cut loop that tightens it.

For each instance file it prints one row per cut round (solvers/relaxed.py, `cut_loop`): the rows
that round added, the LP bound after it, the seconds since the root LP started and, with
`--reference`, the bound's distance above that plan's objective (in profit mode; below it in
cost mode). The model is built and compiled as `xborder solve` does on the strategic tree's path
(linking rows held back until violated, the column bounds the rows imply on one-period models:
solvers/prepare.py, `box_root`).
`--deferred-only` adds the violated held-back rows and no cuts (models/cuts.py), to see what
the cuts themselves add; `--all-rows` holds no row back; `--box on|off` loads the root LP with
or without its implied column bounds whatever the model (`--rounds 0` times the LP alone). Run from the repository root, e.g. on the README's 12-month size-m case:

    xborder generate --size m --seed 41 --out m41.json
    python benchmarks/cases/seasonal-calendar.py m41.json m41-12.json 12
    python benchmarks/root_bound.py m41-12.json --reference 3563309
"""

from __future__ import annotations

import argparse
import time

import highspy
from xborder.data.instance import load_instance
from xborder.models.build import build_model
from xborder.models.columns import structure_of
from xborder.solvers.compile import CompiledModel
from xborder.solvers.prepare import box_root
from xborder.solvers.relaxed import (
    ROOT_CUT_MIN_GAIN,
    ROOT_CUT_ROUNDS,
    RelaxedLp,
    cut_loop,
    solve_root,
)


def rounds(path: str, max_rounds: int, deferred_only: bool, all_rows: bool, box: str) -> tuple[str, list[tuple]]:
    """(name, [(round, rows added, LP bound, seconds)]) for the root LP and each cut round."""
    instance = load_instance(path)
    model = build_model(instance)
    structure = structure_of(model)
    if deferred_only:
        structure.separators = lambda: ()
    compiled = CompiledModel(model, () if all_rows else structure.deferrable)
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
    return instance.name, table


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("instances", nargs="+", help="instance files")
    parser.add_argument("--rounds", type=int, default=ROOT_CUT_ROUNDS, help="at most this many cut rounds")
    parser.add_argument("--deferred-only", action="store_true", help="held-back linking rows only, no cuts")
    parser.add_argument("--all-rows", action="store_true", help="hold no linking row back")
    parser.add_argument("--box", choices=["auto", "on", "off"], default="auto",
                        help="implied column bounds on the root LP (auto: as the solve, solvers/prepare.py)")
    parser.add_argument("--reference", type=float, help="a plan's objective to measure the bound against")
    args = parser.parse_args()
    if args.deferred_only and args.all_rows:
        parser.error("--deferred-only adds held-back rows, and --all-rows holds none back: choose one")
    print("| instance | round | rows added | LP bound | seconds | above the reference |")
    print("|---|---|---|---|---|---|")
    for path in args.instances:
        name, table = rounds(path, args.rounds, args.deferred_only, args.all_rows, args.box)
        for number, added, bound, seconds in table:
            above = "-" if args.reference is None else f"{abs(bound - args.reference) / abs(args.reference):.3%}"
            label = "root LP" if number == 0 else str(number)
            print(f"| {name} | {label} | {added} | {bound:,.0f} | {seconds:.1f} | {above} |", flush=True)


if __name__ == "__main__":
    main()
