"""Independent solves on a Dask cluster (studies/runner.py): a LocalCluster of two workers gives
exactly the serial results, and a run that fails is retried once and then reported."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, base_instance, write
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.data.scenarios import read_scenarios
from xborder.studies.runner import DaskRunner, SerialRunner
from xborder.studies.scenarios import run_scenarios

pytest.importorskip("distributed", reason="the cluster runner needs dask[distributed] (in the test extra)")

SCENARIOS = DEMO.parent / "demo-scenarios.csv"


def square(x):
    return x * x


def fails_first_time(item):
    """Raises on the first call for this marker file, succeeds on the next."""
    value, marker = item
    from pathlib import Path

    marker = Path(marker)
    if not marker.exists():
        marker.write_text("failed once")
        raise RuntimeError(f"lost the run of {value}")
    return value


def always_fails(item):
    raise RuntimeError(f"cannot solve {item}")


@pytest.fixture(scope="module")
def local_cluster():
    runner = DaskRunner(jobs=2)
    yield runner
    runner.close()


def test_results_keep_the_items_order(local_cluster):
    outcomes = local_cluster.map(square, range(8))
    assert [o.value for o in outcomes] == [x * x for x in range(8)] and all(o.ok and not o.retried for o in outcomes)


@pytest.mark.parametrize("runner_of", [lambda cluster: SerialRunner(), lambda cluster: cluster], ids=["serial", "dask"])
def test_a_failed_run_is_retried_once_then_reported(tmp_path, local_cluster, runner_of):
    runner = runner_of(local_cluster)
    outcomes = runner.map(fails_first_time, [(1, str(tmp_path / "a")), (2, str(tmp_path / "b"))])
    assert [o.value for o in outcomes] == [1, 2] and all(o.retried and o.ok for o in outcomes)
    failed = runner.map(always_fails, ["x"])
    assert not failed[0].ok and failed[0].retried and "cannot solve x" in failed[0].error


def test_scenarios_on_two_workers_equal_the_serial_run():
    base = load_instance(DEMO)
    found = read_scenarios(SCENARIOS, base)
    serial = run_scenarios(base, found, options=EXACT, jobs=1).comparison
    cluster = run_scenarios(base, found, options=EXACT, jobs=2).comparison
    assert list(serial["status"]) == list(cluster["status"])
    assert list(serial["objective"].fillna(-1)) == list(cluster["objective"].fillna(-1))
    assert list(serial["diagnosis"]) == list(cluster["diagnosis"])


def test_bench_and_stochastic_on_two_workers(tmp_path):
    runner = CliRunner()
    files = [str(DEMO.parents[1] / "benchmarks" / "orlib" / "cflp" / f"cap4{k}.txt") for k in (1, 2, 3)]
    serial = runner.invoke(cli, ["bench", *files, "--out", str(tmp_path / "s")])
    cluster = runner.invoke(cli, ["bench", *files, "--jobs", "2", "--out", str(tmp_path / "c")])
    assert serial.exit_code == 0 and cluster.exit_code == 0, cluster.output
    import csv

    rows = lambda d: [(r["instance"], r["status"], r["objective"]) for r in csv.DictReader(open(tmp_path / d / "bench.csv"))]  # noqa: E731
    assert rows("s") == rows("c")
    (tmp_path / "u.csv").write_text("scenario,probability,table,action,column,value,where\n"
                                    "low,0.5,product_markets,set,base_demand,50,product=P;market=A\n"
                                    "high,0.5,product_markets,set,base_demand,150,product=P;market=A\n")
    instance = write(base_instance(), tmp_path)
    done = runner.invoke(cli, ["stochastic", str(instance), str(tmp_path / "u.csv"), "--jobs", "2", "--out", str(tmp_path / "st")])
    assert done.exit_code == 0, done.output
    assert "EVPI 0 USD" in done.output  # one plan is best for both: (10-2-1) 50 and 150, no regret
