"""Two-stage stochastic plans: one scenario is the deterministic plan, a hand-solved warehouse
decision gives RP, WS, EEV, EVPI and VSS, CVaR by hand, EF and PH agree, bad uncertainty files."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, write
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.pipeline import solve_loaded
from xborder.studies.stochastic import Risk, evaluate_study, mpi_available, read_uncertainty, solve_ef, solve_ph

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
    monkeypatch.setattr(shutil, "which", lambda name: None)
    instance, scenarios, _ = uncertain(tmp_path)
    result = CliRunner().invoke(cli, ["stochastic", str(instance), str(scenarios), "--method", "ph", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "mpiexec" in result.output
