"""Multi-period plans (docs/model.md, "Periods"): one period is today's model, a peak is met by
stock sent early by sea, word of mouth and repeat buyers carry demand into the next period."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, add_market, base_instance, write
from test_families import warehouse_route
from xborder.check import check_plan
from xborder.cli import cli
from xborder.data.classic import read_classic
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.pipeline import solve_loaded

REPO = DEMO.parents[1]
SEASONAL = REPO / "instances" / "demo-seasonal.json"


def one_period(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    horizon = doc.get("settings", {}).get("horizon_days", 365)
    doc["periods"] = [{"period": "all", "order": 1, "length_days": horizon}]
    return doc


def channel_market():
    doc = base_instance()
    doc["channels"] = [{"channel": "c"}]
    doc["market_channels"] = [{"market": "A", "channel": "c", "reach": 1000, "conversion": 0.1, "activation_cost": 50}]
    return doc


INSTANCES = {
    "demo": lambda: json.loads(DEMO.read_text()),
    "tiny": base_instance,
    "two markets": lambda: add_market(base_instance(), "B", lane_cost=2),
    "warehouse with capacity": lambda: warehouse_route(base_instance(), fixed=10, capacity=0.5),
    "paid channel": channel_market,
    "generated s": lambda: generate(GeneratorSpec(50, 6, 4, 3, "profit")),
    "generated s, cost": lambda: generate(GeneratorSpec(50, 6, 4, 5, "cost")),
    "cap41": lambda: read_classic(REPO / "benchmarks" / "orlib" / "cflp" / "cap41.txt", "orlib-cap"),
}


@pytest.mark.parametrize("name", list(INSTANCES))
def test_one_period_is_todays_model(name, tmp_path):
    """A single period of the whole horizon gives exactly today's optimum (and a checked plan)."""
    doc = INSTANCES[name]()
    today = solve_loaded(load_document(doc, f"{name}.json"), options=EXACT, duals=False)
    seasonal = solve_loaded(load_document(one_period(doc), f"{name}-1.json"), options=EXACT, duals=False)
    assert seasonal.evaluation.ok, [str(v) for v in seasonal.evaluation.violations[:5]]
    assert seasonal.result.objective == pytest.approx(today.result.objective, rel=1e-6, abs=1e-6)


def peak_instance(periods=True) -> dict:
    """Horizon 40 days: period A (30 days, no demand) then B (10 days, all 100 units). Warehouse W
    is reached by sea (20 days, 1/unit) or air (5 days, 3/unit); holding rate 0.365, unit cost 2."""
    doc = base_instance(holding_rate=0.365, horizon_days=40)
    doc["lanes"] = [
        {"lane": "sea", "from": "origin", "to": "W", "mode": "sea_freight", "transit_days": 20, "cost_per_unit": 1},
        {"lane": "air", "from": "origin", "to": "W", "mode": "air_freight", "transit_days": 5, "cost_per_unit": 3},
        {"lane": "lm", "from": "W", "to": "A", "mode": "courier", "transit_days": 1},
    ]
    doc["warehouses"] = [{"warehouse": "W"}]
    if periods:
        doc["periods"] = [{"period": "A", "order": 1, "length_days": 30, "demand_multiplier": 0},
                          {"period": "B", "order": 2, "length_days": 10}]
    return doc


def test_a_peak_is_met_by_stock_sent_early_by_sea(tmp_path):
    """All demand falls in B. Sea sent in B would arrive on day 50, past the horizon; sent in A it
    arrives on day 20 and waits in stock. Per unit: sea 1 + pipeline holding 2 * 0.001 * (20 + 30)
    = 0.1 + stock holding over B 2 * 0.001 * 10 = 0.02, i.e. 1.12; air in B 3 + 2 * 0.001 * 35 =
    3.07. Profit 100 * (10 - 2 - 1.12) = 688, with 100 units in stock at the end of A."""
    run = solve_loaded(load_instance(write(peak_instance(), tmp_path)), options=EXACT)
    assert run.evaluation.ok and run.result.objective == pytest.approx(688.0)
    assert [(f["lane"], f["period"], round(f["units"], 6)) for f in run.plan["flows"] if f["kind"] == "linehaul"] == [("sea", "A", 100.0)]
    assert [(s["period"], round(s["units"], 6)) for s in run.plan["stock"]] == [("A", 100.0)]
    flat = solve_loaded(load_instance(write(peak_instance(periods=False), tmp_path, "flat")), options=EXACT)
    assert flat.result.objective == pytest.approx(690.0)  # one period: no stock to hold, 100 * (8 - 1.1)


def carry_instance() -> dict:
    """Two periods of 30 days; channel c unlocks 200 units a horizon (100 a period) for 60
    (30 a period), rho 0.5; repeat purchase 0.2; direct lane 1/unit, margin 10 - 2 - 1 = 7."""
    doc = base_instance(horizon_days=60)
    del doc["product_markets"]  # no organic demand
    doc["markets"][0]["retention"] = 0.2
    doc["channels"] = [{"channel": "c"}]
    doc["market_channels"] = [{"market": "A", "channel": "c", "reach": 200, "conversion": 1, "activation_cost": 60, "rho": 0.5}]
    doc["periods"] = [{"period": "A", "order": 1, "length_days": 30}, {"period": "B", "order": 2, "length_days": 30}]
    return doc


def test_word_of_mouth_and_repeat_buyers_by_hand(tmp_path):
    """Running c in both periods: q_A <= 100; q_B <= 100 + 0.5 * 100 + 0.2 * 100 = 170; profit
    270 * 7 - 60 = 1830. (A only: 100 + 70 units, 1190 - 30 = 1160; B only: 700 - 30 = 670.)
    The checker rejects a plan that sells 171 in B."""
    instance = load_instance(write(carry_instance(), tmp_path))
    run = solve_loaded(instance, options=EXACT)
    assert run.evaluation.ok and run.result.objective == pytest.approx(1830.0)
    sold = {o["period"]: o["units"] for o in run.plan["portfolio"]}
    assert sold == pytest.approx({"A": 100.0, "B": 170.0})
    greedy = copy.deepcopy(run.plan)
    for record in greedy["portfolio"] + greedy["flows"]:
        if record["period"] == "B":
            record["units"] = 171.0
    ev = check_plan(instance, greedy)
    assert [v.family for v in ev.violations] == ["row 5 demand from channels (period)"]
    assert ev.violations[0].amount == pytest.approx(1.0)


def test_checker_rejects_a_broken_stock_balance(tmp_path):
    instance = load_instance(write(peak_instance(), tmp_path))
    run = solve_loaded(instance, options=EXACT)
    broken = copy.deepcopy(run.plan)
    broken["stock"] = []
    assert "row 9 stock balance" in {v.family for v in check_plan(instance, broken).violations}


def test_seasonal_demo_solves_checked_with_periods_in_the_output(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(SEASONAL), "--time-limit", "30", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warehouse stock at period end" in result.output and "independent check: passed" in result.output
    assert (tmp_path / "stock.csv").is_file()
    checked = CliRunner().invoke(cli, ["check", str(SEASONAL), str(tmp_path / "solution.json")])
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize("change,where", [
    (lambda d: d["periods"].__setitem__(1, {"period": "B", "order": 2, "length_days": 11}), "column 'length_days'"),
    (lambda d: d.__setitem__("seasonality", [{"market": "A", "category": "general", "product": "P", "period": "A",
                                               "demand_multiplier": 2}]), "give a category or a product, not both"),
    (lambda d: d.__setitem__("period_freight", [{"mode": "boat", "period": "A", "cost_multiplier": 2}]), "unknown mode 'boat'"),
    (lambda d: d["periods"].__setitem__(1, {"period": "B", "order": 1, "length_days": 10}), "order 1 is given twice"),
])
def test_bad_period_tables_exit_2(tmp_path, change, where):
    doc = peak_instance()
    change(doc)
    result = CliRunner().invoke(cli, ["validate", str(write(doc, tmp_path))])
    assert result.exit_code == 2 and where in result.output, result.output


def test_unsupported_formulation_is_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(write(peak_instance(), tmp_path)), "--formulation", "sourcing=single",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "multi-period plans use" in result.output
