"""Two-stage stochastic plans: one scenario is the deterministic plan, a hand-solved warehouse
decision gives RP, WS, EEV, EVPI and VSS, CVaR by hand, EF and PH agree, bad uncertainty files."""

from __future__ import annotations

import math
import json
import os
import shutil
import time
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, write
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.pipeline import solve_loaded
from xborder.models.formulation import Formulation
from xborder.solvers import get_solver
from xborder.studies.stochastic import (Risk, evaluate_study, extensive_form, mpi_available, read_uncertainty, solve_ef,
                                        solve_ph)
from xborder.solvers import highs as highs_module
from xborder.studies.stochastic import extensive as extensive_module
from xborder.solvers.budget import Budget
from xborder.solvers.compile import loaded_highs
from xborder.studies.stochastic import bound as bound_module
from xborder.studies.stochastic.bound import lagrangian_bound
from xborder.studies.stochastic.start import _best_eta, ef_vector, expected_value_plan, second_stages

HEADER = "scenario,probability,table,action,column,value,where\n"


def warehouse_decision() -> dict:
    """Market A, product P (price 10, cost 2, 0.01 m3); direct lane 5/unit, or warehouse W
    (fixed 350, 1 m3 = 100 units) at 0.5 + 0.5 per unit. Demand 50 or 150, each with p = 0.5.
    Profit with W: 7 min(d, 100) + 3 max(d - 100, 0) - 350; without: 3 d.
    - RP: with W 0.5 (350 - 350) + 0.5 (850 - 350) = 250; without 0.5 150 + 0.5 450 = 300 -> 300.
    - WS: low 150 (without), high 500 (with): 325; EVPI = 325 - 300 = 25.
    - EV (d = 100): with W 700 - 350 = 350 > 300 -> opens W; EEV = 250; VSS = 300 - 250 = 50."""
    return {"settings": {"holding_rate": 0},
            "markets": [{"market": "A"}],
            "products": [{"product": "P", "unit_cost": 2, "base_price": 10, "weight_kg": 1, "volume_m3": 0.01}],
            "product_markets": [{"product": "P", "market": "A", "base_demand": 100}],
            "warehouses": [{"warehouse": "W", "fixed_cost": 350, "capacity_m3": 1}],
            "lanes": [{"lane": "dA", "from": "origin", "to": "A", "mode": "postal", "transit_days": 3, "cost_per_unit": 5},
                      {"lane": "lh", "from": "origin", "to": "W", "mode": "sea_freight", "transit_days": 20, "cost_per_unit": 0.5},
                      {"lane": "lm", "from": "W", "to": "A", "mode": "courier", "transit_days": 1, "cost_per_unit": 0.5}]}


DEMAND = (HEADER + "low,0.5,product_markets,set,base_demand,50,product=P;market=A\n"
          + "high,0.5,product_markets,set,base_demand,150,product=P;market=A\n")


def uncertain(tmp_path, scenarios=DEMAND):
    instance = write(warehouse_decision(), tmp_path)
    (tmp_path / "u.csv").write_text(scenarios)
    return instance, tmp_path / "u.csv", read_uncertainty(load_instance(instance), tmp_path / "u.csv")


def test_hand_solved_values(tmp_path):
    _, _, u = uncertain(tmp_path)
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(300.0) and result.first_stage["warehouses"] == []
    study = evaluate_study(u, result, options=EXACT)
    assert study.wait_and_see == pytest.approx(325.0) and study.evpi == pytest.approx(25.0)
    assert study.expected_value == pytest.approx(250.0) and study.vss == pytest.approx(50.0)
    assert list(study.scenarios["own_optimum"]) == pytest.approx([150.0, 500.0])


def test_cvar_by_hand(tmp_path):
    """CVaR_0.5 of profit is the low scenario's: without W 150, with W 0. With weight 0.5:
    without W 0.5 300 + 0.5 150 = 225, with W 0.5 250 + 0.5 0 = 125 -> 225, no warehouse."""
    _, _, u = uncertain(tmp_path)
    result = solve_ef(u, options=EXACT, risk=Risk(alpha=0.5, weight=0.5))
    assert result.objective == pytest.approx(225.0) and result.expected == pytest.approx(300.0)
    assert result.first_stage["warehouses"] == []


def test_risk_parsing():
    assert Risk.parse("cvar:alpha=0.9,weight=0.3") == Risk(0.9, 0.3)
    for bad in ("var:alpha=0.9", "cvar:alpha=1.5", "cvar:weight=x", "cvar:beta=1"):
        with pytest.raises(ValueError):
            Risk.parse(bad)


def test_one_scenario_is_the_deterministic_plan(tmp_path):
    (tmp_path / "one.csv").write_text(HEADER + "only,1,market_channels,scale,conversion,1,\n")
    u = read_uncertainty(load_instance(DEMO), tmp_path / "one.csv")
    result = solve_ef(u, options=EXACT)
    plain = solve_loaded(load_instance(DEMO), options=EXACT, duals=False)
    assert result.ok and result.expected == pytest.approx(plain.result.objective, rel=1e-6)


needs_mpi = pytest.mark.skipif(not mpi_available()[0] and os.environ.get("XBORDER_REQUIRE_MPI") != "1",
                               reason="progressive hedging needs mpi-sppy, mpi4py and mpiexec")


@needs_mpi
def test_ef_and_ph_agree_within_the_ph_gap(tmp_path):
    """PH under `mpiexec -n 3` (hub, Lagrangian and xhat spokes) on the hand-solved case: its plan
    is worth what the EF says (300), and the Lagrangian bound is at least that."""
    instance, scenarios, u = uncertain(tmp_path)
    ef = solve_ef(u, options=EXACT)
    ph = solve_ph(u, instance, scenarios, ranks=3, options=EXACT, iterations=30)
    assert ph.ok and ph.method == "ph"
    assert ph.bound is not None and ph.bound >= ef.expected - 1e-6
    assert abs(ph.expected - ef.expected) <= ph.gap * abs(ef.expected) + 1e-6


def test_cli_stochastic_on_the_demo(tmp_path):
    result = CliRunner().invoke(cli, ["stochastic", str(DEMO), str(DEMO.parent / "demo-uncertainty.csv"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "stochastic.json").read_text())
    assert summary["checked"] and summary["evpi"] >= -1e-6 and summary["vss"] >= -1e-6
    assert summary["gap"] is not None and summary["gap"] <= 1e-4 + 1e-9
    assert (tmp_path / "scenarios.csv").is_file() and (tmp_path / "viral_hit" / "solution.json").is_file()
    assert summary["expected_value_start"]["start_expected"] <= summary["expected"] + 1e-6
    assert "expected-value start:" in result.output


@pytest.mark.parametrize("mpi", [True, False])
def test_cli_ev_start_is_honoured_or_refused(tmp_path, monkeypatch, mpi):
    """--no-ev-start solves the EF without the start (no start in stochastic.json); with
    --method ph, which has no such start, the flag is refused (exit 2) before anything is solved,
    and for that reason whether or not MPI is there."""
    if not mpi:
        monkeypatch.setattr(shutil, "which", lambda name: None)
    instance, scenarios, _ = uncertain(tmp_path)
    result = CliRunner().invoke(cli, ["stochastic", str(instance), str(scenarios), "--no-ev-start", "--no-values",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "stochastic.json").read_text())
    assert "expected_value_start" not in summary and summary["expected"] == pytest.approx(300.0)
    refused = CliRunner().invoke(cli, ["stochastic", str(instance), str(scenarios), "--method", "ph", "--ev-start",
                                       "--out", str(tmp_path / "p")])
    assert refused.exit_code == 2 and "--method ef" in refused.output and not (tmp_path / "p").exists()


BAD = [
    (HEADER + "a,,product_markets,set,base_demand,50,\nb,1,product_markets,set,base_demand,60,\n", "needs a probability"),
    (HEADER + "a,0.5,product_markets,set,base_demand,50,\nb,0.4,product_markets,set,base_demand,60,\n", "add up to 0.9"),
    (HEADER + "a,1,lanes,exclude,,,lane=dA\n", "changes the structure"),
    (HEADER + "a,1,lanes,set,mode,express,lane=dA\n", "is not a number"),
    (HEADER + "a,1,markets,set,max_lead_time_days,2,\n", "changes which decisions or limits exist"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_uncertainty_files_exit_2(tmp_path, text, message):
    instance = write(warehouse_decision(), tmp_path)
    (tmp_path / "u.csv").write_text(text)
    result = CliRunner().invoke(cli, ["stochastic", str(instance), str(tmp_path / "u.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and message in result.output and "u.csv" in result.output, result.output


def test_drawn_scenarios_are_a_valid_uncertainty_set(tmp_path):
    target = tmp_path / "u.csv"
    result = CliRunner().invoke(cli, ["draw-scenarios", str(DEMO), "--count", "5", "--seed", "3", "--out", str(target)])
    assert result.exit_code == 0, result.output
    u = read_uncertainty(load_instance(DEMO), target)
    assert len(u.names) == 5 and sum(u.probabilities) == pytest.approx(1.0)
    again = tmp_path / "again.csv"
    CliRunner().invoke(cli, ["draw-scenarios", str(DEMO), "--count", "5", "--seed", "3", "--out", str(again)])
    assert target.read_text() == again.read_text()


def test_ph_without_mpi_is_a_clear_error(tmp_path, monkeypatch):
    """Without mpiexec (or, on the README's own set-up, without the mpi extra) the message says
    what to install: exit 2 either way."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    instance, scenarios, _ = uncertain(tmp_path)
    result = CliRunner().invoke(cli, ["stochastic", str(instance), str(scenarios), "--method", "ph", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "mpiexec" in result.output or "pip install 'xborder[mpi]'" in result.output, result.output


# ---- unequal probabilities, CVaR at alpha = 0.9, the cost objective --------------------------------

SKEWED = (HEADER + "low,0.8,product_markets,set,base_demand,50,product=P;market=A\n"
          + "high,0.2,product_markets,set,base_demand,150,product=P;market=A\n")


def test_unequal_probabilities_by_hand(tmp_path):
    """warehouse_decision with demand 50 (p = 0.8) or 150 (p = 0.2):
    - RP: without W 0.8 150 + 0.2 450 = 210; with W 0.8 0 + 0.2 500 = 100 -> 210, no warehouse.
      Uniform weights would say 300: the solver's objective must equal the recomputed 210.
    - WS: 0.8 150 (without) + 0.2 500 (with) = 220; EVPI 10.
    - EV: mean demand 0.8 50 + 0.2 150 = 70; with W 7 70 - 350 = 140 < 3 70 = 210 -> no W;
      EEV 210, VSS 0 (the uniform mean, 100, would open W: EEV 100, VSS 110)."""
    _, _, u = uncertain(tmp_path, SKEWED)
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.issues == []
    assert result.expected == pytest.approx(210.0) and result.solver_objective == pytest.approx(210.0)
    assert result.objective == pytest.approx(210.0) and result.first_stage["warehouses"] == []
    study = evaluate_study(u, result, options=EXACT)
    assert study.wait_and_see == pytest.approx(220.0) and study.evpi == pytest.approx(10.0)
    assert study.expected_value == pytest.approx(210.0) and study.vss == pytest.approx(0.0, abs=1e-6)


def test_mean_value_instance_weights_by_probability(tmp_path):
    from xborder.data.scenarios import mean_document

    _, _, u = uncertain(tmp_path, SKEWED)
    mean = mean_document(u.documents, u.probabilities)
    assert mean["product_markets"][0]["base_demand"] == pytest.approx(70.0)  # 0.8 * 50 + 0.2 * 150
    documents = [{"settings": {"marketing_budget": 100, "name": "a"}, "markets": [{"market": "A", "entry_cost": 10}]},
                 {"settings": {"marketing_budget": 200, "name": "a"}, "markets": [{"market": "A", "entry_cost": 30}]}]
    mean = mean_document(documents, [0.8, 0.2])  # 0.8 * 100 + 0.2 * 200 = 120; 0.8 * 10 + 0.2 * 30 = 14
    assert mean["settings"]["marketing_budget"] == pytest.approx(120.0) and mean["markets"][0]["entry_cost"] == pytest.approx(14.0)


def test_cvar_at_alpha_09_by_hand(tmp_path):
    """alpha = 0.9: the worst 10% of outcomes lie in the low scenario (p = 0.8), so CVaR is its
    profit: without W 150, with W 0. Weight 0.5: without 0.5 210 + 0.5 150 = 180, with W
    0.5 100 + 0.5 0 = 50 -> 180, no warehouse. (With 1/alpha in place of 1/(1 - alpha) the
    solver would report 196.7 for the same plan, which the recomputation refuses.)"""
    _, _, u = uncertain(tmp_path, SKEWED)
    result = solve_ef(u, options=EXACT, risk=Risk(alpha=0.9, weight=0.5))
    assert result.ok and result.issues == []
    assert result.objective == pytest.approx(180.0) and result.solver_objective == pytest.approx(180.0)
    assert result.expected == pytest.approx(210.0) and result.first_stage["warehouses"] == []


def test_conditional_value_at_risk_takes_part_of_the_boundary_outcome():
    """Losses 10, 20, 30 with p 0.5, 0.3, 0.2 at alpha 0.7: the worst 0.3 are 30 (0.2) and 20 (0.1):
    (0.2 30 + 0.1 20) / 0.3 = 26.667. Profit 100 / 50 at p 0.5 each, alpha 0.9, weight 1: 50."""
    from xborder.check import conditional_value_at_risk, risk_adjusted

    assert conditional_value_at_risk([10, 20, 30], [0.5, 0.3, 0.2], 0.7) == pytest.approx(8 / 0.3)
    assert risk_adjusted([100, 50], [0.5, 0.5], True, 0.9, 1.0) == pytest.approx(50.0)
    assert risk_adjusted([100, 50], [0.5, 0.5], False, 0.9, 1.0) == pytest.approx(100.0)  # cost: the dearest


def cost_decision() -> dict:
    """warehouse_decision in cost mode: fixed demand d, cost 2 d of goods plus transport: direct 5
    per unit, or W (fixed 350, 100 units) at 1 per unit."""
    doc = warehouse_decision()
    doc["settings"]["objective"] = "cost"
    doc["product_markets"] = [{"product": "P", "market": "A", "demand": 100}]
    return doc


def test_evpi_and_vss_for_the_cost_objective_by_hand(tmp_path):
    """Demand 50 or 150 (p = 0.5). Without W: 2 d + 5 d: 350 and 1050; with W: 2 d + 350 + min(d, 100)
    + 5 max(d - 100, 0): 500 and 1000.
    - RP: without 700, with 750 -> 700, no warehouse.
    - WS: 0.5 350 + 0.5 1000 = 675; EVPI = RP - WS = 25.
    - EV (d = 100): without 700, with 650 -> opens W; EEV 750; VSS = EEV - RP = 50."""
    instance = write(cost_decision(), tmp_path)
    (tmp_path / "u.csv").write_text(HEADER + "low,0.5,product_markets,set,demand,50,product=P;market=A\n"
                                    + "high,0.5,product_markets,set,demand,150,product=P;market=A\n")
    u = read_uncertainty(load_instance(instance), tmp_path / "u.csv")
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(700.0) and result.first_stage["warehouses"] == []
    study = evaluate_study(u, result, options=EXACT)
    assert study.wait_and_see == pytest.approx(675.0) and study.evpi == pytest.approx(25.0)
    assert study.expected_value == pytest.approx(750.0) and study.vss == pytest.approx(50.0)


# ---- the study re-checked from its folder --------------------------------------------------------------


def _stochastic_folder(tmp_path, *extra):
    instance, scenarios, _ = uncertain(tmp_path, SKEWED)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["stochastic", str(instance), str(scenarios), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return instance, out


def test_a_stochastic_folder_is_rechecked_by_check_alone(tmp_path):
    """`xborder check` on the folder: each scenario against its own scenario of the base, the
    shared first stage, the objectives recomputed; one scenario's solution.json alone too."""
    instance, out = _stochastic_folder(tmp_path, "--risk", "cvar:alpha=0.9,weight=0.5")
    summary = json.loads((out / "stochastic.json").read_text())
    assert summary["objective"] == pytest.approx(180.0) and summary["risk"] == {"alpha": 0.9, "weight": 0.5}
    doc = json.loads((out / "high" / "solution.json").read_text())
    assert doc["instance"] == "tiny" and doc["source"] == str(instance)
    assert doc["scenario"] == {"name": "high", "file": str(tmp_path / "u.csv")}
    checked = CliRunner().invoke(cli, ["check", str(instance), str(out)])
    assert checked.exit_code == 0 and "check passed" in checked.output, checked.output
    alone = CliRunner().invoke(cli, ["check", str(instance), str(out / "high" / "solution.json")])
    assert alone.exit_code == 0 and "scenario 'high'" in alone.output, alone.output


def test_check_refuses_a_stochastic_folder_whose_first_stage_or_objective_differs(tmp_path):
    instance, out = _stochastic_folder(tmp_path)
    summary_path = out / "stochastic.json"
    summary = json.loads(summary_path.read_text())
    summary["objective"] += 1.0
    summary_path.write_text(json.dumps(summary))
    result = CliRunner().invoke(cli, ["check", str(instance), str(out)])
    assert result.exit_code == 1 and "'objective' is" in result.output, result.output
    summary["objective"] -= 1.0
    summary_path.write_text(json.dumps(summary))
    path = out / "high" / "solution.json"
    doc = json.loads(path.read_text())
    doc["decisions"]["certifications"].append({"product": "P", "certification": "CE"})
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["check", str(instance), str(out)])
    assert result.exit_code in (1, 2), result.output  # CE is no certification of this instance: another plan
    doc["decisions"]["certifications"] = []
    doc["decisions"]["warehouses"] = ["W"]  # a first stage the other scenario does not share
    doc["objective"] = doc["objective"] - 350.0
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["check", str(instance), str(out)])
    assert result.exit_code == 1 and "first stage: scenario 'high' differs from 'low' in warehouses" in result.output


def test_report_of_a_stochastic_folder(tmp_path):
    instance, out = _stochastic_folder(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "two-stage plan" in text and "Scenario low" in text and "Scenario high" in text
    assert 'id="chart-low-waterfall"' in text and 'id="chart-high-waterfall"' in text


# ---- options are used or refused ----------------------------------------------------------------------


@pytest.mark.parametrize("solver, message", [("nonexistent", "unknown solver 'nonexistent'"),
                                             ("highs_persistent", "cannot solve the extensive form")])
def test_a_solver_that_cannot_serve_the_study_is_exit_2(tmp_path, solver, message):
    instance, scenarios, _ = uncertain(tmp_path)
    result = CliRunner().invoke(cli, ["stochastic", str(instance), str(scenarios), "--solver", solver,
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "o" / "stochastic.json").exists()


def test_ph_with_no_first_stage_plan_is_an_error(tmp_path, monkeypatch):
    """A PH run whose result names no first-stage values (no inner bound found) is an error, not
    the empty first stage evaluated as a plan."""
    import subprocess

    import xborder.studies.stochastic.ph as ph

    instance, scenarios, u = uncertain(tmp_path)

    def fake_run(command, **kwargs):
        spec = json.loads(command[-1])
        with open(spec["result"], "w") as f:
            json.dump({"inner": None, "outer": 400.0, "iterations": 3, "first_stage": {}}, f)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(ph, "mpi_available", lambda: (True, ""))
    monkeypatch.setattr(ph.subprocess, "run", fake_run)
    with pytest.raises(ValueError, match="left no first-stage plan"):
        solve_ph(u, instance, scenarios, options=EXACT)


def test_ph_keeps_a_share_of_its_limit_for_the_second_stages(tmp_path, monkeypatch):
    """With a time limit T the wheel is asked for (1 - EVALUATION_SHARE) T, and the second stages
    under its plan share one budget of what is left (the fake wheel here returns at once, so
    nearly T), not T each."""
    import subprocess

    import xborder.studies.stochastic.ph as ph
    from xborder.models.columns import structure_of

    instance, scenarios, u = uncertain(tmp_path)
    model = u.scenarios(Formulation())[0]
    columns = [str(v) for v in structure_of(model.model).columns]
    first = {columns[j]: 0.0 for j in np.flatnonzero(model.first)}
    asked, budgets = [], []

    def fake_run(command, **kwargs):
        spec = json.loads(command[-1])
        asked.append(spec["time_limit"])
        with open(spec["result"], "w") as f:
            json.dump({"inner": 0.0, "outer": 400.0, "iterations": 1, "first_stage": first}, f)
        return subprocess.CompletedProcess(command, 0, "", "")

    def recording(scenarios, first, options, solver, budget=None):
        budgets.append(budget)
        return second_stages(scenarios, first, options, solver, budget)

    monkeypatch.setattr(ph, "mpi_available", lambda: (True, ""))
    monkeypatch.setattr(ph.subprocess, "run", fake_run)
    monkeypatch.setattr(extensive_module, "second_stages", recording)
    result = solve_ph(u, instance, scenarios, options=replace(EXACT, time_limit=100.0))
    assert asked == [pytest.approx(100.0 * (1 - ph.EVALUATION_SHARE))]
    assert len(budgets) == 1 and budgets[0] is not None and 90.0 <= budgets[0].limit <= 100.0
    assert result.ok


@pytest.mark.parametrize("outer, out_of_time, status", [(300.0, True, "optimal"), (400.0, True, "time_limit"),
                                                        (400.0, False, "feasible")])
def test_ph_is_optimal_only_within_its_gap(tmp_path, monkeypatch, outer, out_of_time, status):
    """A PH plan is optimal only when its bound is within the gap: the hand case's optimum (enter
    A, offer P, no warehouse: 3 d, 300 expected) against a Lagrangian bound of 300 is optimal;
    against 400 it is time_limit when the wheel ran out of time, and feasible when PH stopped by
    its own rule. The second stages under the plan are solved to optimality in every case, which
    alone said optimal before."""
    import subprocess

    from xborder.models.columns import structure_of
    from xborder.studies.stochastic import ph

    instance, scenarios, u = uncertain(tmp_path)
    model = u.scenarios(Formulation())[0]
    columns = [str(v) for v in structure_of(model.model).columns]
    first = {columns[j]: float(columns[j].startswith(("e[", "z["))) for j in np.flatnonzero(model.first)}

    def fake_run(command, **kwargs):
        spec = json.loads(command[-1])
        assert spec["deadline"] == pytest.approx(time.time() + 0.9 * 60.0, abs=5.0)
        with open(spec["result"], "w") as f:
            json.dump({"inner": 300.0, "outer": outer, "iterations": 4, "out_of_time": out_of_time,
                       "first_stage": first}, f)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(ph, "mpi_available", lambda: (True, ""))
    monkeypatch.setattr(ph.subprocess, "run", fake_run)
    result = solve_ph(u, instance, scenarios, options=replace(EXACT, time_limit=60.0))
    assert result.ok and result.objective == pytest.approx(300.0)
    assert result.status == status


def test_a_two_stage_gap_is_a_single_solves_gap():
    """One gap rule (solvers.result.relative_gap) for every solver back end and both two-stage
    methods: (300 - 200) / 200 = 0.5, 0 at the bound, infinite for the empty plan (worth 0) below
    a bound of 100, unknown without a plan or a bound."""
    from xborder.solvers.result import relative_gap as gap

    assert gap(200.0, 300.0) == pytest.approx(0.5)
    assert gap(300.0, 300.0) == 0.0
    assert gap(0.0, 100.0) == math.inf
    assert gap(0.0, None) is None and gap(None, 100.0) is None


DEADLINE_PROBE = """
import json, sys, time
from types import SimpleNamespace
from pyomo.opt import SolverFactory
from xborder.studies.stochastic.ph_run import SOLVER, Deadline, LAST_SOLVE_SECONDS, register_solver, subproblem_seconds

register_solver()
config = SolverFactory(SOLVER).update_config
checks = [config.update_constraints, config.treat_fixed_vars_as_params]

now = time.time()
hub = SimpleNamespace(options={"xborder_deadline": now + 10.0, "xborder_subproblem_seconds": 4.0, "time_limit": 100.0},
                      start_time=time.perf_counter() - 50.0)
deadline = Deadline(hub)
subproblem = SimpleNamespace(_solver_plugin=SimpleNamespace(options={}))
deadline.pre_solve(subproblem)
share = subproblem._solver_plugin.options["time_limit"]
deadline.last = 6.0
deadline.miditer()
fits = (hub.options["time_limit"], deadline.out_of_time)
deadline.last = 12.0
deadline.miditer()
late = (hub.options["time_limit"], deadline.out_of_time)
hub.options["xborder_deadline"] = now - 1.0
deadline = Deadline(hub)
deadline.pre_solve(subproblem)
print()  # mpi-sppy's import prints a line of its own
json.dump({"share": share, "fits": fits, "late": late, "past": subproblem._solver_plugin.options["time_limit"],
           "floor": LAST_SOLVE_SECONDS, "checks": checks, "seconds": [subproblem_seconds(100.0, 10, 3), subproblem_seconds(100.0, 50, 6)]},
          sys.stdout)
"""


@needs_mpi
def test_ph_keeps_its_deadline_on_every_solve_and_iteration():
    """`ph_run.Deadline` (in a process of its own: mpi-sppy's import starts MPI). With 10 s left
    and a 4 s share a subproblem gets 4 s; 50 s into the wheel, the hub's limit becomes 54 s
    when the last iteration's solves took 6 s (they fit: 4 s to spare) and 48 s, out of time,
    when they took 12 s; past the deadline a solve gets LAST_SOLVE_SECONDS. The share is
    SUBPROBLEM_SHARE (0.25) of the limit over the scenarios a rank holds: 100 s, 10 scenarios
    on one rank per cylinder: 2.5 s; 50 scenarios on two: 1 s. PH's solver (`register_solver`)
    neither re-adds rows nor treats fixed variables as parameters."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", DEADLINE_PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["share"] == pytest.approx(4.0)
    assert probe["fits"][0] == pytest.approx(54.0, abs=0.5) and probe["fits"][1] is False
    assert probe["late"][0] == pytest.approx(48.0, abs=0.5) and probe["late"][1] is True
    assert probe["past"] == probe["floor"]
    assert probe["seconds"] == pytest.approx([2.5, 1.0])
    assert probe["checks"] == [False, False]  # PH's solver: rows as built, fixed variables as bounds


POLITE_PROBE = """
import json, time
from mpisppy.cylinders.lagrangian_bounder import LagrangianOuterBound
from mpisppy.cylinders.xhatshufflelooper_bounder import XhatShuffleInnerBound
from xborder.studies.stochastic import ph_run

lagrangian, xhat = ph_run.polite_spokes()
news = iter([False, True])
XhatShuffleInnerBound.update_nonants = lambda self: next(news)
LagrangianOuterBound.do_while_waiting_for_new_Ws = lambda self, *args, **kwargs: None
sleeps = []
time.sleep = sleeps.append
spoke = object.__new__(xhat)
answers = [spoke.update_nonants(), spoke.update_nonants()]
after_xhat = list(sleeps)
object.__new__(lagrangian).do_while_waiting_for_new_Ws(need_solution=False)
print(json.dumps({"answers": answers, "after_xhat": after_xhat, "sleeps": sleeps, "wait": ph_run.WAIT_SECONDS,
                  "parents": [issubclass(lagrangian, LagrangianOuterBound), issubclass(xhat, XhatShuffleInnerBound)]}))
"""


@needs_mpi
def test_ph_spokes_yield_the_core_while_they_wait():
    """`ph_run.polite_spokes` (in a process of its own: mpi-sppy's import starts MPI): the xhat
    spoke sleeps WAIT_SECONDS when the hub has no new first stage and not when it has one, and
    passes the answer on; the Lagrangian spoke sleeps once each time it waits for new weights."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", POLITE_PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    wait = probe["wait"]
    assert wait > 0 and probe["answers"] == [False, True] and probe["after_xhat"] == [wait]
    assert probe["sleeps"] == [wait, wait] and probe["parents"] == [True, True]


@needs_mpi
def test_ph_with_cvar_agrees_with_the_ef_and_leaves_no_logs_here(tmp_path, monkeypatch):
    """PH with CVaR (mpi-sppy's transform) on the hand case of test_cvar_by_hand: 225, no
    warehouse; PH's logs stay in its own temporary folder, not the working directory."""
    instance, scenarios, u = uncertain(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    ph = solve_ph(u, instance, scenarios, ranks=3, options=EXACT, risk=Risk(alpha=0.5, weight=0.5), iterations=30)
    assert ph.ok and ph.objective == pytest.approx(225.0) and ph.first_stage["warehouses"] == []
    assert list(work.iterdir()) == []


def test_the_expected_value_start_is_the_eev_plan_and_the_ef_still_finds_the_optimum(tmp_path):
    """The hand-solved warehouse decision (warehouse_decision): the expected-value plan opens W,
    and W under each scenario is worth 0 (low) and 500 (high): the start's expected profit is the
    EEV, 250. The EF starts there and still proves the optimum without W, 300."""
    _, _, u = uncertain(tmp_path)
    result = solve_ef(u, options=EXACT)
    assert result.start["start_expected"] == pytest.approx(250.0)
    assert result.ok and result.expected == pytest.approx(300.0) and result.first_stage["warehouses"] == []
    assert solve_ef(u, options=EXACT, ev_start=False).start == {}


def eev_start(u, risk: Risk) -> np.ndarray:
    """The expected-value start's EF columns, step by step (studies/stochastic/start.py)."""
    scenarios = u.scenarios(Formulation())
    plan = expected_value_plan(u, scenarios, Formulation(), EXACT, "highs", None)
    found = second_stages(scenarios, plan[scenarios[0].first], EXACT, get_solver("highs"))
    return ef_vector(scenarios, [s.compiled.rounded(f.values) for s, f in zip(scenarios, found)], risk)


def test_the_expected_value_start_is_handed_to_highs(tmp_path, monkeypatch):
    """With no time for a search of its own (HiGHS's time limit at a microsecond), the EF returns
    the start it was handed, the EEV plan with W open (250); without the start it has no plan."""
    _, _, u = uncertain(tmp_path)
    start = eev_start(u, Risk())

    def no_time(h, budget, until=float("inf")):
        h.setOptionValue("time_limit", 1e-6)
        h.run()
        return True

    monkeypatch.setattr(highs_module, "run_highs", no_time)
    monkeypatch.setattr(extensive_module, "expected_value_start", lambda *args: (start, {"start_expected": 250.0}))
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(250.0) and result.first_stage["warehouses"] == ["W"]
    assert not solve_ef(u, options=EXACT, ev_start=False).runs


def test_the_start_stands_when_highs_does_not_run(tmp_path, monkeypatch):
    """A stop request (or no time left) after the start: HiGHS's MIP does not run, and the start's
    plan is the result (250, W open) with its objective from the EF's own columns, not nothing."""
    _, _, u = uncertain(tmp_path)
    start = eev_start(u, Risk())
    monkeypatch.setattr(highs_module, "run_highs", lambda h, budget, until=float("inf"): False)
    monkeypatch.setattr(extensive_module, "expected_value_start", lambda *args: (start, {"start_expected": 250.0}))
    monkeypatch.setattr(extensive_module, "lagrangian_bound", lambda *args: None)
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(250.0) and result.solver_objective == pytest.approx(250.0)
    assert result.bound is None and result.status == "time_limit"


@pytest.mark.parametrize("risk, objective", [(Risk(), -250.0), (Risk(alpha=0.5, weight=0.5), -125.0)])
def test_the_start_is_a_feasible_point_of_the_extensive_form(tmp_path, risk, objective):
    """The start's EF columns satisfy every row and bound of the EF, and its EF objective (min
    sense) is minus the start's: risk-neutral the EEV, 250; with CVaR_0.5 at weight 0.5,
    0.5 250 + 0.5 0 = 125 (the low scenario's profit with W is 0; see test_cvar_by_hand)."""
    _, _, u = uncertain(tmp_path)
    x = eev_start(u, risk)
    ef = extensive_form(u.scenarios(Formulation()), risk)
    row = ef.A @ x
    assert (row >= ef.row_lower - 1e-7).all() and (row <= ef.row_upper + 1e-7).all()
    assert (x >= ef.col_lower - 1e-9).all() and (x <= ef.col_upper + 1e-9).all()
    assert ef.cost @ x + ef.offset == pytest.approx(objective)


def test_best_eta_is_the_value_at_risk():
    """Losses 10, 20, 30 with p 0.5, 0.3, 0.2 and alpha 0.7: eta + E[(L - eta)+] / 0.3 is
    10 + 7 / 0.3 = 33.3 at 10, 20 + 2 / 0.3 = 26.7 at 20 and 30 at 30: eta = 20 (CVaR 26.7, the
    mean of the worst 30%: 0.2 at 30 and 0.1 at 20)."""
    assert _best_eta(np.array([10.0, 20.0, 30.0]), np.array([0.5, 0.3, 0.2]), 0.7) == 20.0


def test_lagrangian_bound_by_hand(tmp_path, monkeypatch):
    """The warehouse decision (warehouse_decision; W's opening y relaxed; per unit via W 7,
    direct 3; W's capacity 100 y at 350 y; strong linking, docs/model.md: the flow through W's
    last mile at most the demand bound U times y, U = 50 low, 150 high). At the EV plan's y = 1,
    W's reduced cost (min sense) is +350 in the low scenario (its capacity unused) and -50 in the
    high one (capacity binding: 100 units gain 4 each, less 350): mean 150, so
    mu = -0.5 (d - 150) = -100 (low), +100 (high). W then costs 250 in the low scenario, 5 per
    unit through it (y >= f / 50), more than the 4 a unit gains: y = 0, profit 150; and 450 in
    the high one, 4.5 per unit of capacity: y = 0, 450. L = 0.5 150 + 0.5 450 = 300, the optimum:
    with these multipliers the bound is exact here (with mu = 0, the wait-and-see LP, the high
    scenario opens W: 0.5 150 + 0.5 500 = 325)."""
    _, _, u = uncertain(tmp_path)
    scenarios = u.scenarios(Formulation())
    plan = expected_value_plan(u, scenarios, Formulation(), EXACT, "highs", None)
    monkeypatch.setattr(bound_module, "LAST_STEP", math.inf)  # the first multipliers alone, no step
    assert lagrangian_bound(scenarios, plan[scenarios[0].first], 250.0, Budget()) == pytest.approx(300.0)


def test_the_subgradient_steps_reach_the_extensive_forms_lp_value(tmp_path, monkeypatch):
    """From mu = 0 (the wait-and-see LP, 325 on the warehouse decision, as above) the steps
    towards the EEV plan's 250 bring L down to 300, the EF's LP value here (solved apart below),
    the best any mu can give."""
    _, _, u = uncertain(tmp_path)
    scenarios = u.scenarios(Formulation())
    plan = expected_value_plan(u, scenarios, Formulation(), EXACT, "highs", None)
    monkeypatch.setattr(bound_module, "MULTIPLIER_SCALE", 0.0)
    monkeypatch.setattr(bound_module, "LAST_STEP", math.inf)
    assert lagrangian_bound(scenarios, plan[scenarios[0].first], 250.0, Budget()) == pytest.approx(325.0)
    monkeypatch.undo()
    monkeypatch.setattr(bound_module, "MULTIPLIER_SCALE", 0.0)
    h = loaded_highs(extensive_form(scenarios, Risk()), relax=True)
    h.run()
    relaxed = scenarios[0].compiled.sign * h.getInfo().objective_function_value
    assert relaxed == pytest.approx(300.0)
    assert lagrangian_bound(scenarios, plan[scenarios[0].first], 250.0, Budget()) == pytest.approx(relaxed)


def test_lagrangian_bound_of_one_scenario_is_its_lp_relaxation(tmp_path):
    """With one scenario mu = 0: the bound is the scenario's LP relaxation, solved here apart."""
    (tmp_path / "one.csv").write_text(HEADER + "only,1,market_channels,scale,conversion,1.1,\n")
    u = read_uncertainty(load_instance(DEMO), tmp_path / "one.csv")
    scenario = u.scenarios(Formulation())[0]
    h = loaded_highs(scenario.compiled, relax=True)
    h.run()
    relaxed = scenario.compiled.sign * h.getInfo().objective_function_value
    bound = lagrangian_bound([scenario], np.zeros(int(scenario.first.sum())), 0.0, Budget())
    assert bound == pytest.approx(relaxed, rel=1e-9)
    assert solve_ef(u, options=EXACT).expected <= bound + 1e-6


def test_the_ef_reports_the_tighter_bound_and_records_the_lagrangian_one(tmp_path):
    """The Lagrangian bound is recorded with the start, and of two valid bounds the tighter is
    reported (profit: the lower upper bound; cost: the higher lower bound); a bound that is not
    finite (HiGHS without a root LP) gives way to the other."""
    _, _, u = uncertain(tmp_path)
    result = solve_ef(u, options=EXACT)
    assert result.start["lagrangian_bound"] == pytest.approx(300.0) and result.bound == pytest.approx(300.0)
    assert extensive_module._tighter(float("inf"), 337.5, -1) == 337.5
    assert extensive_module._tighter(310.0, 337.5, -1) == 310.0 and extensive_module._tighter(310.0, 337.5, 1) == 337.5

