"""Scale benchmark: build and hand-off cost against a C++ floor, solve time, memory.

For each generator size (s, m, l, xl) it prints one table row: variables, constraints, nonzeros,
seconds to derive the data, build the Pyomo model, hand it to HiGHS and solve, peak memory, the
ratio (build + hand-off) / solve, and build + hand-off as a multiple of the floor: HiGHS reading
the same model from an MPS file (C++ parsing, no Python objects).

A second table compares hand-off paths on the same model (xborder's direct stacking of its
`LinearRows` blocks, Pyomo's `LinearStandardFormCompiler` + `passModel`, and Pyomo's persistent
`highs` interface), and a third the solve with each lever off and on: presolve, the root cuts,
the warm start, the strategic tree, and the by_channel demand formulation.

Every size runs in its own subprocess so that peak memory is that size's own. Run from the
repository root (takes about half an hour with the default 300 s limit):

    python benchmarks/scale.py                         # all sizes, 300 s solves
    python benchmarks/scale.py --sizes s m --time-limit 60

`--against FOLDER` compares the build and hand-off of this version with another checkout of
xborder (a `git worktree` of an earlier commit, say) in one run: no solves, each measurement its
own subprocess, the two versions alternating, `--repeats` times each, medians printed; with
`--seasonal` also each size with the 12-month calendar of benchmarks/cases/seasonal-calendar.py:

    git worktree add /tmp/before/xborder <commit>
    python benchmarks/scale.py --sizes l xl --seasonal --against /tmp/before/xborder --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _into_highs(compiled):
    """A quiet Highs object holding the compiled model."""
    import highspy

    from xborder.solvers.compile import highs_lp, new_highs

    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.passModel(highs_lp(compiled, highspy))
    return h


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def with_calendar(doc: dict) -> dict:
    """benchmarks/cases/seasonal-calendar.py's 12 months: November and December peaks in every
    market, a sea-freight surcharge in August to October."""
    doc = dict(doc)
    doc["periods"] = [{"period": p, "order": i + 1, "length_days": d} for i, (p, d) in enumerate(zip(MONTHS, DAYS))]
    peak = {"Nov": 2.0, "Dec": 2.4, "Jan": 0.8, "Feb": 0.7}
    doc["seasonality"] = [{"market": m["market"], "period": p, "demand_multiplier": v} for m in doc["markets"] for p, v in peak.items()]
    doc["period_freight"] = [{"mode": "sea_freight", "period": p, "cost_multiplier": 1.35} for p in ("Aug", "Sep", "Oct")]
    return doc


def measure_build(size: str, seed: int, seasonal: bool) -> dict:
    """Build and hand-off seconds of one size (with the calendar if `seasonal`), in this process."""
    from xborder.data.generate import SIZES, GeneratorSpec, generate
    from xborder.data.instance import load_document
    from xborder.models.build import build_model
    from xborder.solvers.compile import CompiledModel

    doc = generate(GeneratorSpec(*SIZES[size], seed=seed))
    inst = load_document(with_calendar(doc) if seasonal else doc, f"gen-{size}.json")
    _ = inst.network
    t = time.perf_counter()
    model = build_model(inst)
    build = time.perf_counter() - t
    t = time.perf_counter()
    compiled = CompiledModel(model)
    _into_highs(compiled)
    return {"build_s": build, "handoff_s": time.perf_counter() - t, "columns": len(compiled.columns)}


def compare_builds(sizes, seed: int, seasonal: bool, against: str, repeats: int):
    """This version against `against`, alternating, `repeats` subprocesses each: median seconds."""
    parent = tempfile.mkdtemp(prefix="xborder-against-")
    os.symlink(os.path.abspath(against), os.path.join(parent, "xborder"))
    versions = {"this version": None, f"against {against}": parent}
    cases = [(size, False) for size in sizes] + ([(size, True) for size in sizes] if seasonal else [])
    print("| case | version | columns | build s (median) | hand-off s (median) | build s (runs) |")
    print("|---|---|---|---|---|---|")
    for size, calendar in cases:
        runs = {name: [] for name in versions}
        for _ in range(repeats):
            for name, path in versions.items():
                env = dict(os.environ, **({"PYTHONPATH": path} if path else {}))
                cmd = [sys.executable, __file__, "--build-child", size, "--seed", str(seed)] + (["--seasonal"] if calendar else [])
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
                line = [row for row in proc.stdout.splitlines() if row.startswith("ROW ")]
                if not line:
                    sys.exit(f"{size} ({name}) failed:\n{proc.stderr[-2000:]}")
                runs[name].append(json.loads(line[-1][4:]))
        label = f"{size}" + (" + 12 months" if calendar else "")
        for name, rows in runs.items():
            builds = [r["build_s"] for r in rows]
            print(f"| {label} | {name} | {rows[0]['columns']:,} | {statistics.median(builds):.2f} | "
                  f"{statistics.median(r['handoff_s'] for r in rows):.2f} | {', '.join(f'{b:.2f}' for b in builds)} |")


def measure(size: str, seed: int, time_limit: float, handoff_compare: bool, solve_compare: bool, formulation: str) -> dict:
    """One size, measured inside this (child) process."""
    from xborder.data.generate import SIZES, GeneratorSpec, generate
    from xborder.data.instance import load_document
    from xborder.models.build import build_model
    from xborder.models.formulation import Formulation
    from xborder.solvers import SolveOptions
    from xborder.solvers.compile import CompiledModel, new_highs
    from xborder.solvers.highs import HighsSolver

    form = Formulation.parse(formulation)

    spec = GeneratorSpec(*SIZES[size], seed=seed)
    doc = generate(spec)
    t = time.perf_counter()
    inst = load_document(doc, f"gen-{size}.json")
    load_s = time.perf_counter() - t
    _ = inst.network
    row = {"size": size, "products x markets x warehouses": "x".join(map(str, SIZES[size])),
           "formulation": str(form), "load_s": load_s, "derive_s": inst.derive_seconds}

    t = time.perf_counter()
    model = build_model(inst, form)
    row["build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    compiled = CompiledModel(model)
    h = _into_highs(compiled)
    row["handoff_s"] = time.perf_counter() - t
    size_info = compiled.size
    row.update(variables=size_info.cols, constraints=size_info.rows, nonzeros=size_info.nonzeros, binaries=size_info.binaries)

    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / "model.mps")
        h.writeModel(mps)
        reader = new_highs()
        reader.setOptionValue("output_flag", False)
        t = time.perf_counter()
        reader.readModel(mps)
        row["floor_s"] = time.perf_counter() - t
    row["floor_multiple"] = (row["build_s"] + row["handoff_s"]) / row["floor_s"]

    if handoff_compare:
        row["handoff_paths"] = compare_handoffs(inst, build_model, time_limit)

    run = HighsSolver().solve(model, SolveOptions(time_limit=time_limit, mip_gap=1e-4))  # defaults: cuts on, warm start and tree automatic
    row.update(status=run.status.value, solve_s=run.solve_seconds, gap=run.gap)
    row["ratio_build_handoff_to_solve"] = (row["build_s"] + row["handoff_s"]) / max(run.solve_seconds, 1e-9)
    if solve_compare:
        row["solve_variants"] = compare_solves(inst, time_limit, form)
    row["peak_rss_gib"] = _rss_gib()
    return row


def compare_handoffs(inst, build_model, time_limit) -> dict:
    """Seconds from a built Pyomo model to a model inside HiGHS, by path."""
    from pyomo.contrib.solver.solvers.highs import Highs as PersistentHighs

    from xborder.solvers.compile import CompiledModel

    out = {}
    model = build_model(inst)
    t = time.perf_counter()
    _into_highs(CompiledModel(model))
    out["rows stacked + passModel"] = time.perf_counter() - t

    t = time.perf_counter()
    generic = CompiledModel.__new__(CompiledModel)
    generic._compile(model)
    _into_highs(generic)
    out["LinearStandardFormCompiler + passModel"] = time.perf_counter() - t

    t = time.perf_counter()
    persistent = PersistentHighs()
    persistent.config.time_limit = min(time_limit, 1.0)
    persistent.set_instance(model)
    out["Pyomo persistent highs (set_instance)"] = time.perf_counter() - t
    return out


SOLVE_VARIANTS = (  # label, presolve, root cuts, warm start, demand=by_channel, strategic tree
    ("no presolve, no cuts, no warm start", False, False, False, False, False),
    ("presolve, no cuts, no warm start", True, False, False, False, False),
    ("presolve + warm start", True, False, True, False, False),
    ("presolve + cuts", True, True, False, False, False),
    ("presolve + cuts + warm start", True, True, True, False, False),
    ("presolve + cuts + strategic tree", True, True, True, False, True),
    ("presolve + demand=by_channel + cuts + warm start", True, True, True, True, False),
)


def compare_solves(inst, time_limit, form) -> dict:
    """Solve seconds and gap with each solve lever off / on: presolve, root cuts, warm start, the
    strategic tree, and the by_channel demand formulation."""
    from dataclasses import replace

    from xborder.models.formulation import Demand
    from xborder.pipeline import solve_loaded
    from xborder.solvers import SolveOptions

    out = {}
    for label, presolve, cuts, warm, by_channel, tree in SOLVE_VARIANTS:
        variant = replace(form, demand=Demand.BY_CHANNEL) if by_channel else form
        options = SolveOptions(time_limit=time_limit, mip_gap=1e-4, warm_start=warm, cuts=cuts, tree=tree)
        run = solve_loaded(inst, variant, options=options, presolve=presolve)
        out[label] = {"status": run.result.status.value, "solve_s": run.result.solve_seconds, "gap": run.result.gap,
                      "objective": run.result.objective}
    return out


def _fmt(x, digits=2):
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def print_tables(rows: list[dict]):
    print(f"\n## Build, hand-off and solve (HiGHS, presolve on, formulation {rows[0]['formulation'] if rows else ''})\n")
    cols = ["size", "products x markets x warehouses", "variables", "constraints", "nonzeros", "derive_s", "build_s",
            "handoff_s", "floor_s", "floor_multiple", "solve_s", "status", "gap", "ratio_build_handoff_to_solve", "peak_rss_gib"]
    heads = ["size", "P x M x W", "vars", "rows", "nonzeros", "derive s", "build s", "hand-off s", "MPS-read floor s",
             "(build+hand-off)/floor", "solve s", "status", "gap", "(build+hand-off)/solve", "peak RSS GiB"]
    print("| " + " | ".join(heads) + " |")
    print("|" + "|".join("---" for _ in heads) + "|")
    for r in rows:
        vals = [_fmt(r.get(c), 4 if c == "gap" and r.get(c) is not None else 2) for c in cols]
        print("| " + " | ".join(vals) + " |")
    paths = [r for r in rows if "handoff_paths" in r]
    if paths:
        print("\n## Hand-off paths (seconds from the built Pyomo model into HiGHS)\n")
        names = list(paths[0]["handoff_paths"])
        print("| size | " + " | ".join(names) + " |")
        print("|---|" + "|".join("---" for _ in names) + "|")
        for r in paths:
            print(f"| {r['size']} | " + " | ".join(_fmt(r["handoff_paths"][n]) for n in names) + " |")
    variants = [r for r in rows if "solve_variants" in r]
    if variants:
        print("\n## Solve: before / after (same time limit; seconds / relative gap (status))\n")
        print("| variant | " + " | ".join(f"size {r['size']}" for r in variants) + " |")
        print("|---|" + "|".join("---" for _ in variants) + "|")
        for name in variants[0]["solve_variants"]:
            cells = []
            for r in variants:
                v = r["solve_variants"][name]
                gap = _fmt(v["gap"], 4) if v["gap"] is not None else "-"
                cells.append(f"{_fmt(v['solve_s'])} / {gap} ({v['status']})")
            print(f"| {name} | " + " | ".join(cells) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["s", "m", "l", "xl"], choices=["s", "m", "l", "xl"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--compare-handoffs", nargs="*", default=["s", "m", "l", "xl"], help="sizes to compare hand-off paths on")
    parser.add_argument("--compare-solves", nargs="*", default=["s", "m"], help="sizes to compare solve variants on")
    parser.add_argument("--formulation", default="", help="formulation options for the main table, e.g. demand=by_channel")
    parser.add_argument("--against", default=None, help="another checkout of xborder: compare build and hand-off with it")
    parser.add_argument("--seasonal", action="store_true", help="with --against: the sizes with a 12-month calendar too")
    parser.add_argument("--repeats", type=int, default=3, help="with --against: runs per version and case")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--build-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_child:
        print("ROW " + json.dumps(measure_build(args.build_child, args.seed, args.seasonal)))
        return 0
    if args.against:
        compare_builds(args.sizes, args.seed, args.seasonal, args.against, args.repeats)
        return 0
    if args.child:
        size = args.child
        row = measure(size, args.seed, args.time_limit, size in args.compare_handoffs, size in args.compare_solves,
                      args.formulation)
        print("ROW " + json.dumps(row))
        return 0
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--child", size, "--seed", str(args.seed), "--time-limit", str(args.time_limit),
               "--formulation", args.formulation,
               "--compare-handoffs", *args.compare_handoffs, "--compare-solves", *args.compare_solves]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        lines = [l for l in proc.stdout.splitlines() if l.startswith("ROW ")]
        if not lines:
            print(f"size {size} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(lines[-1][4:]))
        print(f"measured {size}", file=sys.stderr)
    print_tables(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
