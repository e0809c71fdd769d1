"""Load benchmark of the workspace: CLIENTS concurrent API clients each upload the demo and start
a solve on a server with WORKERS workers, then poll their run's status until it ends. Prints one
table: runs done and lost, the wall time, the status requests' latency (median, 95th percentile,
worst) while the solves run, and whether every run's objective is the CLI's. Exits 1 when a run
is lost or an objective differs.

    python benchmarks/load.py                          # 20 clients, 2 workers
    python benchmarks/load.py --clients 50 --workers 4

The server is `xborder serve` in its own process on a free port with a fresh workspace, exactly
as a user starts it; the CLI's objective is `xborder solve instances/demo.json`'s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "instances" / "demo.json"
POLL = 0.25


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(workspace: Path, port: int, workers: int, bound: int) -> subprocess.Popen:
    log = open(workspace.parent / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "xborder.cli", "serve", "--workspace", str(workspace), "--port", str(port),
                               "--workers", str(workers), "--queue-bound", str(bound)], stdout=log, stderr=log,
                              start_new_session=True)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/session", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start; see {workspace.parent / 'server.log'}")


def cli_objective(folder: Path) -> float:
    subprocess.run([sys.executable, "-m", "xborder.cli", "solve", str(DEMO), "--out", str(folder / "cli"), "-q"], check=True,
                   capture_output=True)
    return json.loads((folder / "cli" / "solution.json").read_text())["objective"]


def client(api: str, latencies: list, outcomes: list, lock: threading.Lock):
    """One planner's script: upload, start, poll until the run ends."""
    with httpx.Client(base_url=api, timeout=60) as http:
        version = http.post("/instances", files={"file": ("demo.json", DEMO.read_bytes())}).json()["version"]["hash"]
        started = http.post("/runs", json={"version": version, "kind": "solve"})
        if started.status_code != 201:
            with lock:
                outcomes.append(("refused", started.status_code, None))
            return
        run_id = started.json()["id"]
        while True:
            begin = time.perf_counter()
            run = http.get(f"/runs/{run_id}").json()
            with lock:
                latencies.append(time.perf_counter() - begin)
            if run["status"] not in ("queued", "running", "cancelling"):
                break
            time.sleep(POLL)
    with lock:
        outcomes.append((run["status"], run_id, (run.get("summary") or {}).get("objective")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue-bound", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xborder-load-") as folder:
        folder = Path(folder)
        expected = cli_objective(folder)
        port = free_port()
        server = serve(folder / "ws", port, args.workers, args.queue_bound)
        api = f"http://127.0.0.1:{port}/api"
        try:
            latencies, outcomes, lock = [], [], threading.Lock()
            start = time.perf_counter()
            threads = [threading.Thread(target=client, args=(api, latencies, outcomes, lock)) for _ in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    report(args, outcomes, latencies, wall, expected)


def report(args, outcomes, latencies, wall, expected):
    done = [o for o in outcomes if o[0] == "done"]
    matching = [o for o in done if o[2] is not None and abs(o[2] - expected) <= 1e-6 * max(1.0, abs(expected))]
    ms = sorted(1000 * x for x in latencies)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else float("nan")
    print(f"{'clients':>7} {'workers':>7} {'done':>5} {'lost':>5} {'wall s':>7} {'status requests':>15} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'objective = CLI':>16}")
    print(f"{args.clients:>7} {args.workers:>7} {len(done):>5} {args.clients - len(outcomes):>5} {wall:>7.1f} {len(ms):>15} "
          f"{statistics.median(ms) if ms else float('nan'):>7.1f} {p95:>7.1f} {max(ms) if ms else float('nan'):>7.1f} "
          f"{len(matching):>9} of {len(done):<4}")
    print(f"CLI objective {expected:,.2f}; run outcomes: " + ", ".join(sorted({o[0] for o in outcomes})))
    if len(done) != args.clients or len(matching) != len(done):
        sys.exit(1)


if __name__ == "__main__":
    main()
