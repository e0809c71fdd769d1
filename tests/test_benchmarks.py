"""Classic benchmarks (docs/model.md, "Classic special cases"): the xborder model reproduces published optima.

The optima are OR-Library's capopt/uncapopt values and Holmberg et al.'s single-source values,
shipped in benchmarks/orlib with their provenance. A representative subset runs here; the whole
set runs through `xborder bench` (see the README).
"""

from __future__ import annotations

import csv
import math

import pytest
from click.testing import CliRunner

from conftest import REPO
from xborder.cli import cli
from xborder.data.classic import read_holmberg, read_orlib_cap
from xborder.data.errors import InstanceError
from xborder.data.instance import load_document, load_instance
from xborder.models.formulation import Formulation, Sourcing
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions

ORLIB = REPO / "benchmarks" / "orlib"
EXACT = SolveOptions(mip_gap=1e-9)


def published_cap() -> dict:
    with open(ORLIB / "cflp" / "cflp_optima.csv", newline="") as f:
        return {row["instance"]: float(row["optimum"]) for row in csv.DictReader(f)}


def published_holmberg() -> dict:
    rows = (line.split() for line in (ORLIB / "holmberg" / "holmberg_opt.txt").read_text().splitlines())
    return {r[0]: float(r[1]) for r in rows if r and not r[0].startswith("#")}


def solve(doc, form=None):
    run = solve_loaded(load_document(doc, "bench"), form or Formulation(), EXACT)
    assert run.evaluation is not None and run.evaluation.ok, run.evaluation and run.evaluation.violations[:3]
    return run.result.objective


@pytest.mark.parametrize("name", ["cap41", "cap51", "cap61", "cap71", "cap81", "cap101", "cap131"])
def test_orlib_capacitated(name):
    expected = published_cap()[name]
    assert math.isclose(solve(read_orlib_cap(ORLIB / "cflp" / f"{name}.txt")), expected, rel_tol=1e-6)


@pytest.mark.parametrize("name", ["cap71", "cap101"])
def test_orlib_uncapacitated(name):
    expected = published_cap()[f"{name}-uncap"]
    assert math.isclose(solve(read_orlib_cap(ORLIB / "cflp" / f"{name}.txt", uncapacitated=True)), expected, rel_tol=1e-6)


@pytest.mark.parametrize("name", ["p1", "p2", "p13", "p25"])
def test_holmberg_single_source(name):
    expected = published_holmberg()[name]
    got = solve(read_holmberg(ORLIB / "holmberg" / f"{name}.txt"), Formulation(sourcing=Sourcing.SINGLE))
    assert math.isclose(got, expected, rel_tol=1e-6)


def test_weak_and_path_formulations_match_on_orlib():
    doc = read_orlib_cap(ORLIB / "cflp" / "cap61.txt")
    expected = published_cap()["cap61"]
    for text in ("linking=weak", "flow=path", "linking=weak,flow=path"):
        assert math.isclose(solve(doc, Formulation.parse(text)), expected, rel_tol=1e-6), text


def test_open_capacity_needs_the_option():
    with pytest.raises(InstanceError, match="capacity is left open"):
        read_orlib_cap(ORLIB / "cflp" / "capa.txt")
    doc = read_orlib_cap(ORLIB / "cflp" / "capa.txt", capacity=8000)
    assert {w["capacity_m3"] for w in doc["warehouses"]} == {8000}


def test_single_source_infeasible_is_explained(tmp_path):
    """cap41's customer C34 needs 12,912 units, more than any warehouse (5,000): no single source."""
    result = CliRunner().invoke(cli, ["solve", str(ORLIB / "cflp" / "cap41.txt"), "--format", "orlib-cap",
                                      "--formulation", "sourcing=single", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "No feasible plan" in result.output and "unit@C34 needs 12,912 m3" in result.output


def test_cli_solve_and_convert_orlib(tmp_path):
    runner = CliRunner()
    cap = ORLIB / "cflp" / "cap41.txt"
    solved = runner.invoke(cli, ["solve", str(cap), "--format", "orlib-cap", "--mip-gap", "1e-9", "--out", str(tmp_path / "o")])
    assert solved.exit_code == 0, solved.output
    converted = runner.invoke(cli, ["convert", str(cap), "--format", "orlib-cap", "--to", str(tmp_path / "cap41.json")])
    assert converted.exit_code == 0, converted.output
    assert math.isclose(solve_loaded(load_instance(tmp_path / "cap41.json"), options=EXACT).result.objective,
                        published_cap()["cap41"], rel_tol=1e-6)
    checked = runner.invoke(cli, ["check", str(tmp_path / "cap41.json"), str(tmp_path / "o" / "solution.json")])
    assert checked.exit_code == 0, checked.output


def test_holmberg_cli_defaults_to_single_sourcing(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(ORLIB / "holmberg" / "p1.txt"), "--format", "holmberg",
                                      "--mip-gap", "1e-9", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads((tmp_path / "solution.json").read_text())
    assert "sourcing=single" in doc["run"]["formulation"]
    assert math.isclose(doc["objective"], published_holmberg()["p1"], rel_tol=1e-6)


def test_malformed_benchmark_file(tmp_path):
    bad = tmp_path / "cap.txt"
    bad.write_text("2 1\n100 5\n100 x\n")
    result = CliRunner().invoke(cli, ["validate", str(bad), "--format", "orlib-cap"])
    assert result.exit_code == 2 and "cap.txt" in result.output and "token 6" in result.output
