"""The plan in words (report/words.py): each line's numbers by hand on a tiny instance, and the
per-market accounts adding up to the checker's profit on the demo."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, add_market, base_instance, solve_doc
from test_families import warehouse_route
from xborder.check import check_plan, read_solution
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.pipeline import solve_loaded
from xborder.report.words import market_accounts, plan_in_words


def tiny_doc() -> dict:
    """P (cost 2, price 10) sells 100 units in A and could in B. A: entry 50, direct lane 1.
    B: entry 800, direct lane 1. W (fixed 20): linehaul 0.3 + last mile 0.2 into A.
    V (fixed 100): the same route as W.
    By hand: via W a unit of A costs 0.5 instead of 1, so A's contribution is 100 * (10 - 2 - 0.5)
    = 750 against entry 50; W saves 100 * (1 - 0.5) = 50 against its fixed 20; profit
    750 - 50 - 20 = 680. B's best case is 100 * (10 - 2 - 1) = 700 < 800: not entered. V would save
    nothing on the units sold now (they already go the same way through W) against 100."""
    doc = base_instance()
    doc["markets"][0]["entry_cost"] = 50
    doc = add_market(doc, "B", entry_cost=800)
    doc = warehouse_route(doc, fixed=20)
    return warehouse_route(doc, fixed=100, wid="V")


def test_hand_computed_lines(tmp_path):
    solved = solve_doc(tiny_doc(), tmp_path)
    assert solved.objective == pytest.approx(680)
    lines = plan_in_words(solved.instance, solved.plan)
    assert lines == [
        "A entered: contribution 750 USD from 1 product(s) against fixed costs 50 USD (entry 50 USD); it pays for itself",
        "B not entered: estimate, at most 700 USD of contribution against 800 USD to enter (entry 800 USD): not worth it "
        "even in the best case; xborder explain --why market=B gives the exact answer",
        "W open: serves 100 units, which would cost 50 USD more on the cheapest direct lane, against its fixed cost of "
        "20 USD: it saves more than it costs",
        "V not opened: estimate, at most 0 USD saved on the units sold now, capacity aside, against its fixed cost of "
        "100 USD: not worth it even in the best case; xborder explain --why warehouse=V gives the exact answer",
    ]


def test_an_estimate_that_would_pay_says_limits_decide(tmp_path):
    """B (entry 10) has no organic demand; channel T would bring pot = reach 1000 x conversion 0.1
    / (1 - viral 0) = 100 units at activation 650, but the marketing budget 0 forbids it, so B
    stays out. Best case by hand: 100 * (10 - 2 - 1) - 650 = 50 against entry 10: it would pay."""
    doc = tiny_doc()
    doc["markets"][1]["entry_cost"] = 10
    doc["product_markets"][1]["base_demand"] = 0
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "B", "channel": "T", "reach": 1000, "conversion": 0.1, "activation_cost": 650}]
    doc["settings"]["marketing_budget"] = 0
    solved = solve_doc(doc, tmp_path)
    assert solved.plan["markets"] == ["A"]
    line = next(x for x in plan_in_words(solved.instance, solved.plan) if x.startswith("B "))
    assert "at most 50 USD of contribution against 10 USD to enter" in line
    assert "the best case would pay, so limits or shared costs decide" in line


def test_market_accounts_add_up_to_the_checked_profit():
    """Demo, one period: every cost term is either a market's (revenue, goods, freight with duties,
    handling and holding, payment loss, FX, entry, channels, listings, mitigation, regime shares)
    or shared (warehouse fixed costs, certifications, the origins' fixed costs), so the markets'
    net less the shared terms is the independent checker's profit; the goods' cost is each
    market's at the origins its units come from (the demo's US fashion and home from SGN)."""
    instance = load_instance(DEMO)
    run = solve_loaded(instance, options=EXACT)
    table = market_accounts(instance, run.plan)
    terms = check_plan(instance, run.plan, run.result.objective, False).terms
    assert list(table["market"]) == [m for m in instance.tables["markets"]["market"] if m in run.plan["markets"]]
    assert table["revenue"].sum() == pytest.approx(terms["revenue"], rel=1e-9)
    assert table["freight"].sum() == pytest.approx(terms["transport"] + terms["holding"] + terms["handling"] + terms["duties"],
                                                   rel=1e-9)
    assert table["goods"].sum() == pytest.approx(terms["cost_of_goods"], rel=1e-9)
    shared = terms["warehouse_fixed"] + terms["certifications"] + terms["origins"]
    assert terms["origins"] > 0 and table["net"].sum() - shared == pytest.approx(terms["profit"], rel=1e-9)


def test_solve_writes_the_words_everywhere(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(out), "--report", "-q"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "solution.json").read_text())
    instance = load_instance(DEMO)
    plan, _ = read_solution(doc, instance.objective)
    assert doc["in_words"] == plan_in_words(instance, plan)
    entered = set(plan["markets"])  # a line per market, per payment method of an entered market, per warehouse,
    methods = instance.tables["payment_methods"]["market"].isin(entered).sum()  # and per regime of an entered market
    markets = instance.tables["markets"]  # (where its data lives; the demo does not mix hosting and transfer) and its obligations
    regimes = set(markets.loc[markets["market"].isin(entered), "regime"]) & set(instance.tables["data_transfer"]["regime"])
    duties = instance.tables["data_obligations"]["regime"].isin(regimes).sum()
    boxed = set(instance.tables["containers"]["lane"])  # and per container lane that carries units
    lanes = len({f["lane"] for f in plan["flows"] if f["lane"] in boxed})
    creators = len(instance.tables["creators"].drop_duplicates(["market", "channel"]))  # and per channel with creators
    origins = len(instance.tables["origins"])  # and per origin
    assert len(doc["in_words"]) == (len(markets) + methods + len(regimes) + duties + len(instance.tables["warehouses"])
                                    + lanes + creators + origins)
    assert "the plan in words:" in result.output and doc["in_words"][0] in result.output
    page = (out / "report.html").read_text()
    assert "The plan in words" in page and doc["in_words"][-1].split(":")[0] in page


def test_channel_spend_on_a_calendar(tmp_path):
    """Two periods of 73 and 292 days; P's 100 units of A come only from channel T (pot 100,
    activation 500 for the horizon), with a demand multiplier of 0 in the long period, so T runs
    in the short one only and costs 500 * 73 / 365 = 100 there. Profit by hand: 100 * 7 - 100 = 600;
    A's line counts the one period run at that price, and the checker's marketing term agrees."""
    doc = base_instance()
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1000, "conversion": 0.1, "activation_cost": 500}]
    doc["periods"] = [{"period": "short", "order": 1, "length_days": 73, "demand_multiplier": 1},
                      {"period": "long", "order": 2, "length_days": 292, "demand_multiplier": 0}]
    solved = solve_doc(doc, tmp_path)
    assert solved.objective == pytest.approx(600)
    assert solved.evaluation.terms["marketing"] == pytest.approx(100)
    line = plan_in_words(solved.instance, solved.plan)[0]
    assert line.startswith("A entered: contribution 700 USD from 1 product(s) against fixed costs 100 USD (entry 0 USD, "
                           "1 channel(s) 100 USD)")
    assert market_accounts(solved.instance, solved.plan)["channel_spend"].sum() == pytest.approx(100)
