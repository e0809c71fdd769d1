"""Extensive form against progressive hedging: time and gap by number of scenarios and size.

For each size and scenario count, a generated instance (seed 1) and a drawn uncertainty set
(`xborder draw-scenarios`, seed 1) are solved by `xborder stochastic --method ef` and
`--method ph --ranks 3`, each in its own process with the same time limit, without the EVPI/VSS
solves. Prints one markdown row per run: seconds, expected profit of the checked plans, the
certified bound and the gap (EF: HiGHS's dual bound; PH: the Lagrangian bound). Run from the
repository root:

    python benchmarks/stochastic.py --sizes s m --counts 10 50 200 --time-limit 600
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["s", "m"])
    parser.add_argument("--counts", nargs="+", type=int, default=[10, 50, 200])
    parser.add_argument("--methods", nargs="+", default=["ef", "ph"])
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    xborder = [sys.executable, "-m", "xborder.cli"]
    print("| size | scenarios | method | seconds | expected profit | bound | gap | plans checked |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for size in args.sizes:
            instance = folder / f"gen-{size}.json"
            subprocess.run([*xborder, "generate", "--size", size, "--seed", "1", "--out", str(instance)], check=True,
                           capture_output=True)
            for count in args.counts:
                scenarios = folder / f"gen-{size}-{count}.csv"
                subprocess.run([*xborder, "draw-scenarios", str(instance), "--count", str(count), "--seed", "1",
                                "--out", str(scenarios)], check=True, capture_output=True)
                for method in args.methods:
                    out = folder / f"{size}-{count}-{method}"
                    command = [*xborder, "stochastic", str(instance), str(scenarios), "--method", method, "--no-values",
                               "--time-limit", str(args.time_limit), "--out", str(out)]
                    if method == "ph":
                        command += ["--ranks", "3", "--iterations", str(args.iterations)]
                    seconds, code = run(command)
                    summary = out / "stochastic.json"
                    if code != 0 or not summary.is_file():
                        print(f"| {size} | {count} | {method} | {seconds:.0f} | no plan (exit {code}) | | | |", flush=True)
                        continue
                    s = json.loads(summary.read_text())
                    gap = "-" if s["gap"] is None else f"{100 * s['gap']:.3g}%"
                    bound = "-" if s["bound"] is None else f"{s['bound']:,.0f}"
                    print(f"| {size} | {count} | {method} | {seconds:.0f} | {s['expected']:,.0f} | {bound} | {gap} | "
                          f"{'yes' if s['checked'] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
