"""The command line end to end: the demo plan, its files, the checker, options and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import DEMO, REPO, base_instance, write
from xborder.cli import cli


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(out), "--xlsx", "--mip-gap", "1e-9"])
    assert result.exit_code == 0, result.output
    return out, result.output, json.loads((out / "solution.json").read_text())


def test_demo_plan_is_optimal_checked_and_interesting(demo_run):
    out, output, doc = demo_run
    assert doc["status"] == "optimal" and doc["gap"] <= 1e-9
    assert doc["check"]["feasible"] and doc["check"]["objective_matches"]
    decisions = doc["decisions"]
    assert 0 < len(decisions["markets"]) < 10, "some markets entered and some not"
    assert 0 < len(decisions["warehouses"]) < 6, "some warehouses opened"
    kinds = {f["kind"] for f in doc["flows"]}
    assert {"direct", "linehaul", "lastmile"} <= kinds, "both direct and warehouse fulfilment used"
    assert "independent check: passed" in output


def test_solution_document_contents(demo_run):
    out, _, doc = demo_run
    for key in ("status", "objective", "bound", "gap", "decisions", "flows", "kpis", "run"):
        assert key in doc
    for key in ("markets", "regimes", "channels", "portfolio", "certifications", "warehouses", "mitigations"):
        assert key in doc["decisions"]
    kpis = doc["kpis"]
    assert set(kpis["costs"]) >= {"transport", "holding", "handling", "duties", "warehouse_fixed", "marketing",
                                  "listing", "market_entry", "regimes", "certifications", "mitigation", "payment_loss", "fx"}
    assert kpis["profit"] == pytest.approx(doc["objective"], rel=1e-9)
    assert kpis["revenue"] - sum(kpis["costs"].values()) == pytest.approx(kpis["profit"], rel=1e-9)
    selling = {o["market"] for o in doc["decisions"]["portfolio"] if o["units"] > 0}
    assert set(kpis["lead_time_days_by_market"]) == selling
    run = doc["run"]
    assert run["solver"] == "highs" and run["formulation"] == "linking=strong,demand=aggregated,flow=arc,sourcing=split"
    assert {"read", "build", "solve", "write"} <= set(run["seconds"])
    assert run["model_size"]["binaries"] > 0 and run["mip_gap"] == 1e-9


def test_csv_and_xlsx_tables(demo_run):
    out, _, doc = demo_run
    flows = pd.read_csv(out / "flows.csv")
    assert len(flows) == len(doc["flows"])
    book = pd.read_excel(out / "solution.xlsx", sheet_name=None)
    assert set(book) == {"kpis", "markets", "channels", "portfolio", "certifications", "warehouses", "flows", "marginal_values",
                         "payment_methods", "restocked", "data_protection", "containers", "creators", "origins"}
    assert book["kpis"].set_index("kpi").loc["profit", "value"] == pytest.approx(doc["objective"])
    assert not list(out.glob(".*.tmp")), "no temporary files left behind"


def test_check_accepts_the_demo_plan(demo_run):
    out, _, _ = demo_run
    result = CliRunner().invoke(cli, ["check", str(DEMO), str(out / "solution.json")])
    assert result.exit_code == 0, result.output
    assert "check passed" in result.output


@pytest.mark.parametrize("corrupt, family", [
    (lambda d: d["flows"][0].__setitem__("units", d["flows"][0]["units"] + 5), "balance"),
    (lambda d: d["decisions"]["warehouses"].clear(), "closed warehouse"),
    (lambda d: d["decisions"]["portfolio"][0].__setitem__("units", 1e7), "row 5"),
    (lambda d: d.__setitem__("objective", d["objective"] * 1.01), None),
])
def test_check_rejects_corrupted_plans(demo_run, tmp_path, corrupt, family):
    out, _, doc = demo_run
    broken = json.loads(json.dumps(doc))
    corrupt(broken)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(broken))
    result = CliRunner().invoke(cli, ["check", str(DEMO), str(path)])
    assert result.exit_code == 1, result.output
    assert "check FAILED" in result.output
    if family:
        assert family in result.output
    else:
        assert "objective mismatch" in result.output


def test_validate_reports_size(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(DEMO)])
    assert result.exit_code == 0
    assert "usable lanes" in result.output and "products" in result.output


def test_time_limit_keeps_best_plan(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(tmp_path), "--time-limit", "0.01", "--threads", "1"])
    doc = json.loads((tmp_path / "solution.json").read_text())
    if doc["has_plan"]:
        assert result.exit_code == 0 and doc["check"]["feasible"]
        assert doc["status"] in ("time_limit", "optimal")
    else:
        assert result.exit_code == 1 and "time limit" in result.output


def test_infeasible_exit_code_and_explanation(tmp_path):
    doc = base_instance(max_markets=0)
    doc["markets"][0]["must_enter"] = True
    result = CliRunner().invoke(cli, ["solve", str(write(doc, tmp_path)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "No feasible plan" in result.output and "settings.max_markets" in result.output
    assert json.loads((tmp_path / "o" / "solution.json").read_text())["status"] == "infeasible"


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["solve", str(DEMO), "--formulation", "linking=medium"]).exit_code == 2
    assert runner.invoke(cli, ["solve", str(DEMO), "--mip-gap", "-1"]).exit_code == 2
    missing = runner.invoke(cli, ["solve", str(DEMO), "--solver", "nosuch", "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "installed: highs" in missing.output


def test_every_command_has_help_with_example():
    for command in ("validate", "solve", "check", "formulations", "solvers"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output


def test_real_subprocess(tmp_path):
    """The installed console script, as an operations team runs it."""
    exe = Path(sys.executable).with_name("xborder")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "xborder.cli"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    solved = subprocess.run([*cmd, "solve", str(REPO / "instances" / "demo"), "--out", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert solved.returncode == 0, solved.stderr
    assert "optimal" in solved.stdout and "Running HiGHS" not in solved.stdout
    checked = subprocess.run([*cmd, "check", str(REPO / "instances" / "demo.xlsx"), str(tmp_path / "solution.json")],
                             capture_output=True, text=True, env=env, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    bad = subprocess.run([*cmd, "validate", str(tmp_path / "nothing.json")], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
