"""The seller's own mechanics at size: generated instances with every optional mechanic table the
generator fills (`xborder generate --mechanic ...`, data/generate.py MECHANICS), and with
`--compare` the same instance without them, one period, each solved by `xborder solve` with each time limit. Prints
one markdown table: the model's size, the build time, the plan's objective, its gap to its bound
at each limit, and the independent check.

Run from the repository root, e.g.

    python benchmarks/mechanics.py --sizes m l --time-limits 120 300
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xborder.data.generate import MECHANICS


def generated(size: str, seed: int, mechanics: tuple, folder: Path) -> Path:
    path = folder / f"{size}-{seed}{'-mechanics' if mechanics else ''}.json"
    if not path.exists():
        extra = [arg for name in mechanics for arg in ("--mechanic", name)]
        subprocess.run([sys.executable, "-m", "xborder.cli", "generate", "--size", size, "--seed", str(seed), *extra,
                        "--out", str(path)], check=True, capture_output=True)
    return path


def solve(instance: Path, limit: float) -> dict:
    """One `xborder solve` process: its solution file's figures and its wall time."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "xborder.cli", "solve", str(instance), "--out", out, "--quiet",
                               "--time-limit", str(limit)], capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        path = Path(out) / "solution.json"
        doc = json.loads(path.read_text()) if path.exists() else {}
    run = doc.get("run", {})
    size = run.get("model_size") or {}
    check = doc.get("check") or {}
    return {"exit": proc.returncode, "wall": wall, "status": doc.get("status"), "objective": doc.get("objective"),
            "gap": doc.get("gap"), "build": run.get("seconds", {}).get("build"), "columns": size.get("cols"),
            "rows": size.get("rows"), "checked": bool(check.get("feasible")) and bool(check.get("objective_matches")),
            "methods": len(doc.get("decisions", {}).get("payment_methods", [])),
            "containers": sum(r["count"] for r in doc.get("decisions", {}).get("containers", [])),
            "campaigns": sum(r["campaigns"] for r in doc.get("decisions", {}).get("creators", []))}


def _fmt(x, spec=",.0f") -> str:
    return "-" if x is None else format(x, spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["m", "l"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limits", nargs="+", type=float, default=[120.0, 300.0])
    parser.add_argument("--compare", action="store_true", help="also solve each instance without the mechanics")
    args = parser.parse_args()
    everything = tuple(MECHANICS)
    print(f"mechanics: {', '.join(everything)}; seed {args.seed}; one period", file=sys.stderr)
    print("| size | tables | columns | rows | build s | limit s | status | objective | gap to bound | methods offered "
          "| containers | campaigns | checked |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            for mechanics in (((), everything) if args.compare else (everything,)):
                path = generated(size, args.seed, mechanics, Path(folder))
                for limit in args.time_limits:
                    r = solve(path, limit)
                    label = "+ " + ", ".join(mechanics) if mechanics else "today's"
                    gap = "-" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
                    print(f"| {size} | {label} | {_fmt(r['columns'])} | {_fmt(r['rows'])} | {_fmt(r['build'], '.1f')} | "
                          f"{limit:g} | {r['status']} | {_fmt(r['objective'])} | {gap} | {r['methods']} | "
                          f"{r['containers']} | {r['campaigns']} | {'yes' if r['checked'] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
