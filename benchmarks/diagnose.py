"""Infeasibility diagnosis: one elastic solve against relaxing one limit at a time.

Generated instances are made infeasible by requiring every market (`must_enter`) on a compliance
budget of a third of their entry costs, and by a warehouse that must open with max_warehouses 0.
Per instance it prints the seconds of

- the elastic diagnosis (studies/explain.py: one MIP with a priced slack on every limit), and
- relaxing one limit family at a time (rebuild, drop the family, solve for feasibility), the
  diagnosis xborder used before, re-done here as the baseline,

and what each names. Run from the repository root:

    python benchmarks/diagnose.py --sizes s m l
"""

from __future__ import annotations

import argparse
import time

import pyomo.environ as pyo

from xborder.data.generate import SIZES, GeneratorSpec, generate
from xborder.data.instance import load_document
from xborder.models.build import build_model
from xborder.models.families import FAMILIES
from xborder.solvers import SolveOptions, get_solver
from xborder.studies.explain import diagnose_infeasibility

FORCED = ("e", "y", "z")


def infeasible_instance(size: str, seed: int):
    doc = generate(GeneratorSpec(*SIZES[size], seed, "profit"))
    for market in doc["markets"]:
        market["must_enter"] = True
    doc["settings"]["compliance_budget"] = sum(m.get("entry_cost", 0) for m in doc["markets"]) / 3
    doc["settings"]["max_warehouses"] = 0
    doc["warehouses"][0]["must_open"] = True
    return load_document(doc, f"gen-{size}-{seed}.json")


def one_at_a_time(instance, time_limit: float) -> list[str]:
    """The families whose relaxation alone restores feasibility (the earlier diagnosis)."""
    model = build_model(instance)
    groups = [name for name in FAMILIES if model.component(name) is not None and len(model.component(name))]
    groups.append("forced decisions")
    responsible = []
    for group in groups:
        model = build_model(instance)
        if group == "forced decisions":
            for name in FORCED:
                for var in model.component(name).values():
                    var.unfix()
        else:
            model.component(group).deactivate()
        model.objective.deactivate()
        model.feasibility = pyo.Objective(expr=0.0)
        result = get_solver("highs").solve(model, SolveOptions(time_limit=time_limit, mip_gap=1.0))
        if result.has_solution:
            responsible.append(group)
    return responsible


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["s", "m", "l"], choices=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    print("| size | columns | elastic (s) | names | one at a time (s) | names |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        instance = infeasible_instance(size, args.seed)
        columns = len(build_model(instance).cols)
        start = time.perf_counter()
        diagnosis = diagnose_infeasibility(instance, time_limit=args.time_limit)
        elastic = time.perf_counter() - start
        start = time.perf_counter()
        responsible = one_at_a_time(instance, args.time_limit)
        baseline = time.perf_counter() - start
        named = "; ".join(s.text for s in diagnosis.shortfalls) or diagnosis.message
        print(f"| {size} | {columns:,} | {elastic:.1f} | {named} | {baseline:.1f} | {', '.join(responsible) or 'none alone'} |",
              flush=True)


if __name__ == "__main__":
    main()
