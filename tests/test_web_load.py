"""The load the README promises (benchmarks/load.py): 20 concurrent API clients each submit a
demo solve to a server with 2 workers; every run completes, none is lost, and each objective is
the CLI's. The latency figures the script prints go in the README; they are not asserted here."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_twenty_clients_two_workers():
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "load.py"), "--clients", "20", "--workers", "2"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    row = done.stdout.splitlines()[1].split()
    clients, workers, finished, lost = map(int, row[:4])
    assert (clients, workers, finished, lost) == (20, 2, 20, 0)
    assert done.stdout.splitlines()[1].rstrip().endswith("20 of 20")
