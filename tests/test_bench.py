"""`xborder bench`: subprocess runs, tidy CSV, known optima, summary, profile, failure isolation."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from conftest import REPO
from xborder.studies import bench as b
from xborder.cli import cli

CFLP = REPO / "benchmarks" / "orlib" / "cflp"


def test_bench_writes_csv_summary_and_profile(tmp_path):
    files = [str(CFLP / "cap41.txt"), str(CFLP / "cap71.txt")]
    result = CliRunner().invoke(cli, ["bench", *files, "--formulations", "default;linking=weak", "--solvers", "highs",
                                      "--time-limit", "60", "--repeat", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "bench.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2 * 2
    assert list(rows[0]) == b.COLUMNS
    for row in rows:
        assert row["status"] == "optimal" and row["checker"] == "passed" and row["matches_optimum"] == "True"
        assert float(row["root_lp_bound"]) <= float(row["objective"]) + 1e-6  # cost mode: LP bound below
        assert int(row["binaries"]) > 0 and float(row["total_s"]) > 0
    assert "shifted geo. mean s" in result.output and "highs / linking=weak" in result.output
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in result.output
    else:
        assert (tmp_path / "profile.png").stat().st_size > 0


def _spec(**kw):
    base = dict(path=str(CFLP / "cap41.txt"), fmt="orlib-cap", capacity=None, formulation="default", solver="highs",
                time_limit=30.0, mip_gap=1e-9, repeat=1)
    return b.RunSpec(**{**base, **kw})


def test_worker_error_is_one_row_not_a_crash():
    row = b.run_in_subprocess(_spec(solver="nosuch"))
    assert row["status"] == "error" and "nosuch" in row["error"]


def test_hard_kill_past_the_limit(monkeypatch):
    monkeypatch.setattr(b, "KILL_GRACE_SECONDS", 0.0)
    row = b.run_in_subprocess(_spec(time_limit=0.05))
    assert row["status"] == "killed"


def test_format_detection_and_known_optima():
    assert b.detect_format(str(CFLP / "capb.txt")) == "orlib-cap"
    assert b.detect_format(str(REPO / "benchmarks" / "orlib" / "holmberg" / "p7.txt")) == "holmberg"
    assert b.detect_format(str(REPO / "instances" / "demo.json")) == "xborder"
    with pytest.raises(ValueError, match="--format"):
        b.detect_format("notes.txt")
    assert b.known_optimum(_spec(path=str(CFLP / "capa.txt"), capacity=8000.0)) == pytest.approx(19240822.449)
    assert b.known_optimum(_spec(formulation="sourcing=single")) is None
    holmberg = _spec(path=str(REPO / "benchmarks" / "orlib" / "holmberg" / "p1.txt"), fmt="holmberg", formulation="sourcing=single")
    assert b.known_optimum(holmberg) == 8848


def test_summary_counts_unsolved_at_the_limit():
    rows = [
        {"solver": "s", "formulation": "f", "instance": "a", "status": "optimal", "checker": "passed", "total_s": 1.0},
        {"solver": "s", "formulation": "f", "instance": "b", "status": "time_limit", "checker": "passed", "total_s": 10.0},
    ]
    (row,) = b.summary_table(rows, time_limit=3.0)
    # shifted geometric mean of (1 + 1) and (3 + 1), minus the shift 1: sqrt(8) - 1
    assert row["solved"] == 1 and row["shifted geo. mean s"] == pytest.approx(8 ** 0.5 - 1, abs=1e-3)


def test_bench_without_root_cuts_is_its_own_configuration(tmp_path):
    """--no-cuts reaches the worker (the demo then solves without them) and labels the rows."""
    demo = str(REPO / "instances" / "demo.json")
    result = CliRunner().invoke(cli, ["bench", demo, "--no-cuts", "--time-limit", "60", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "bench.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["cuts"] == "False" and row["status"] == "optimal" and row["checker"] == "passed"
    assert "highs / default / no cuts" in result.output
    # with cuts the per-arc linking rows are held back and only the violated ones (plus cuts) come
    # back, so the matrix HiGHS solves differs from the full model solved without them
    assert b.run_one(_spec(path=demo, fmt="xborder", cuts=False))["rows"] != b.run_one(_spec(path=demo, fmt="xborder"))["rows"]
