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
    import pandas as pd

    warehouses = pd.read_csv(tmp_path / "warehouses.csv").set_index("warehouse")
    open_ = warehouses[warehouses["open"]]
    assert list(open_["utilisation"]) == pytest.approx(list(open_["inbound_m3"] / open_["capacity_m3"]))  # one definition
    assert (open_["peak_period_utilisation"] >= open_["utilisation"] - 1e-9).all()
    marginal = pd.read_csv(tmp_path / "marginal_values.csv")
    capacity = marginal[marginal["family"] == "warehouse_capacity"].set_index("key")
    assert set(capacity.index) == set(open_.index)  # one row per open warehouse, in capacity_m3 units
    for w, row in open_.iterrows():
        if row["peak_period_utilisation"] > 1 - 1e-6:  # a binding period: a value, or why not
            assert capacity.loc[w, "value_per_unit"] > 0 or isinstance(capacity.loc[w, "note"], str), capacity.loc[w]
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


# ---- period rows the checker must refuse, and the model's own stock --------------------------------


def halves(transit: float = 0.0, lane_kg: float | None = None) -> dict:
    """Horizon 60 days in two periods H1, H2 of 30; 100 organic units (50 a period). Warehouse W
    holds 1 m3 a horizon (100 units of 0.01 m3), so 0.5 m3 a period; linehaul lh (transit as
    given, capacity lane_kg a horizon), last mile lm."""
    doc = base_instance(horizon_days=60)
    doc["warehouses"] = [{"warehouse": "W", "capacity_m3": 1}]
    doc["lanes"] += [{"lane": "lh", "from": "origin", "to": "W", "mode": "sea_freight", "transit_days": transit,
                      **({"capacity_kg": lane_kg} if lane_kg else {})},
                     {"lane": "lm", "from": "W", "to": "A", "mode": "courier", "transit_days": 1}]
    doc["periods"] = [{"period": "H1", "order": 1, "length_days": 30}, {"period": "H2", "order": 2, "length_days": 30}]
    return doc


def stocked_plan(sent_in_h1: float = 100.0) -> dict:
    """All of the horizon's 100 units sent to W in H1; 50 sold from W in each period."""
    return {"markets": ["A"], "regimes": [], "channels": [], "certifications": [], "warehouses": ["W"], "mitigations": [],
            "portfolio": [{"product": "P", "market": "A", "units": 50.0, "period": t} for t in ("H1", "H2")],
            "flows": [{"product": "P", "lane": "lh", "units": sent_in_h1, "period": "H1"},
                      *[{"product": "P", "lane": "lm", "units": 50.0, "period": t} for t in ("H1", "H2")]],
            "stock": [{"product": "P", "warehouse": "W", "period": "H1", "units": 50.0}]}


def test_checker_refuses_a_period_over_its_share_of_capacity(tmp_path):
    """100 units (1 m3, 100 kg) arrive at W in H1: within the horizon's 1 m3 and 100 kg, but twice
    a period's share (0.5 m3, 50 kg): rows 10_t and 11_t, and nothing else."""
    instance = load_instance(write(halves(lane_kg=100), tmp_path))
    ev = check_plan(instance, stocked_plan())
    assert sorted(v.family for v in ev.violations) == ["row 10 warehouse capacity (period)", "row 11 lane capacity (period)"]
    assert {v.index for v in ev.violations} == {"W/H1", "lh/H1"}
    assert [v.amount for v in ev.violations] == pytest.approx([0.5, 50.0])


def test_checker_refuses_linehaul_arriving_after_the_last_period(tmp_path):
    """lh takes 40 days: 10 units sent at the start of H2 (day 30) would arrive on day 70, after the
    60-day horizon."""
    instance = load_instance(write(halves(transit=40), tmp_path))
    plan = {"markets": ["A"], "regimes": [], "channels": [], "certifications": [], "warehouses": ["W"], "mitigations": [],
            "portfolio": [{"product": "P", "market": "A", "units": 0.0, "period": t} for t in ("H1", "H2")],
            "flows": [{"product": "P", "lane": "lh", "units": 10.0, "period": "H2"}], "stock": []}
    ev = check_plan(instance, plan)
    assert "row 9 linehaul arriving after the horizon" in {v.family for v in ev.violations}


def test_service_level_over_the_periods_by_hand(tmp_path):
    """test_studies.two_lanes over two periods, with at least half of A's units within 2 days (row
    12b over the horizon): 50 fast units at 3, 50 slow at 1: profit 800 - 150 - 50 = 600, as with
    one period; without the row it would be 700."""
    from test_studies import two_lanes

    doc = two_lanes()
    doc["markets"][0].update(service_days=2, service_share=0.5)
    doc["periods"] = [{"period": "H1", "order": 1, "length_days": 200}, {"period": "H2", "order": 2, "length_days": 165}]
    run = solve_loaded(load_instance(write(doc, tmp_path)), options=EXACT)
    assert run.evaluation.ok and run.result.objective == pytest.approx(600.0)


def test_the_plan_carries_the_models_own_stock_so_a_wrong_stock_row_is_caught(tmp_path, monkeypatch):
    """The stock written is the model's stock column, not one recomputed from the flows. A model
    whose stock row counts the stock left at a period's end twice (arrivals in A = shipped in A +
    2 stock) holds half of what stays at W after A in its stock column: that is what the plan
    says (recomputed from the flows it would be twice as much), and the checker's stock balance
    (row 9) refuses it."""
    from xborder.models import parts

    real = parts.add_warehouse_balance

    def counted_twice(m, ix):
        real(m, ix)
        rows, stock = m.warehouse_balance.matrix, m.cols.mask(["stock"])
        hit = stock[rows.indices] & (rows.data < 0)
        rows.data[hit] *= 2.0

    monkeypatch.setattr(parts, "add_warehouse_balance", counted_twice)
    run = solve_loaded(load_instance(write(peak_instance(), tmp_path)), options=EXACT)
    assert run.has_plan and not run.evaluation.ok
    assert "row 9 stock balance" in {v.family for v in run.evaluation.violations}
    stays = sum(f["units"] * (1 if f["kind"] == "linehaul" else -1) for f in run.plan["flows"]
                if f["period"] == "A" and f["kind"] != "direct")  # sea sent in A arrives in A
    assert stays > 1.0
    assert [(s["period"], s["units"]) for s in run.plan["stock"]] == [("A", pytest.approx(stays / 2))]
