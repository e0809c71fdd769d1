"""One hand-solved tiny instance per constraint family (docs/model.md, "Constraints").

Every case is solved exactly in each split-sourcing formulation (they must all agree) and checked
by the independent checker. With the default formulation, the family's rows are then removed:
the optimum must change, and the checker must reject the plan that results.

Unless a docstring says otherwise the base instance is: product P (unit cost 2, price 10, 1 kg,
0.01 m3), market A with 100 organic units, a direct lane at 1 per unit (lead time 1 + 3 = 4 days),
holding rate 0. Base profit = (10 - 2 - 1) * 100 = 700.
"""

from __future__ import annotations

import copy
import itertools

import pytest

from conftest import add_market, base_instance, close, solve_doc
from xborder.models.formulation import Demand, Flow, Formulation, Linking

SPLIT_VARIANTS = [
    Formulation(linking=l, demand=d, flow=f) for l, d, f in itertools.product(Linking, Demand, Flow)
]


@pytest.fixture(params=SPLIT_VARIANTS, ids=str)
def form(request):
    return request.param


def assert_case(doc, tmp, form, expected, drop=()):
    solved = solve_doc(doc, tmp, form)
    assert solved.result.status.value == "optimal", solved.result.message
    assert close(solved.objective, expected), (solved.objective, expected)
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    if drop and form == Formulation():
        relaxed = solve_doc(doc, tmp, form, drop=drop)
        assert relaxed.objective is None or not close(relaxed.objective, expected), "removing the family changed nothing"
        if relaxed.evaluation is not None:
            assert not relaxed.evaluation.ok, "the checker accepted a plan that breaks the removed family"
    return solved


def warehouse_route(doc, fixed=0.0, capacity=None, linehaul=0.3, lastmile=0.2, wid="W"):
    """Adds warehouse W: linehaul origin->W at `linehaul`/unit, last mile W->A at `lastmile`/unit
    (lead 1 + 1 = 2 days). Via W a unit costs linehaul + lastmile instead of 1 direct."""
    doc = copy.deepcopy(doc)
    row = {"warehouse": wid, "fixed_cost": fixed}
    if capacity is not None:
        row["capacity_m3"] = capacity
    doc.setdefault("warehouses", []).append(row)
    doc["lanes"] += [
        {"lane": f"lh{wid}", "from": "origin", "to": wid, "mode": "sea_freight", "transit_days": 20, "cost_per_unit": linehaul},
        {"lane": f"lm{wid}", "from": wid, "to": "A", "mode": "courier", "transit_days": 1, "cost_per_unit": lastmile},
    ]
    return doc


def test_base_and_row8_market_balance(tmp, form):
    """Row 8: sales must be shipped. 100 units at margin 10 - 2 - 1 = 7: profit 700.
    Without row 8 nothing needs shipping: (10 - 2) * 100 = 800."""
    solved = assert_case(base_instance(), tmp, form, 700.0, drop=("market_balance",))
    assert solved.plan["flows"][0]["units"] == pytest.approx(100.0)


def test_row1_entry_cost_links_offers_to_entry(tmp, form):
    """Row 1: z <= e. Entry to A costs 300: 700 - 300 = 400 (without row 1: 700, no entry paid)."""
    doc = base_instance()
    doc["markets"][0]["entry_cost"] = 300
    assert_case(doc, tmp, form, 400.0, drop=("offer_needs_entry",))


def test_row1_entry_not_worth_it(tmp, form):
    """Row 1: entry costs 800 > 700 contribution, so A is not entered: profit 0."""
    doc = base_instance()
    doc["markets"][0]["entry_cost"] = 800
    solved = assert_case(doc, tmp, form, 0.0, drop=("offer_needs_entry",))
    assert solved.plan["markets"] == []


def test_row2_regime_compliance(tmp, form):
    """Row 2: e <= r. A is under GDPR costing 300: 700 - 300 = 400 (without row 2: 700)."""
    doc = base_instance()
    doc["markets"][0]["regime"] = "GDPR"
    doc["regimes"] = [{"regime": "GDPR", "compliance_cost": 300}]
    assert_case(doc, tmp, form, 400.0, drop=("entry_needs_regime",))


def test_row3_certification_shared_across_markets(tmp, form):
    """Row 3: z <= kappa. A and B (each 700) both require CE for category general; CE costs 1000
    once per product: 1400 - 1000 = 400 (without row 3: 1400)."""
    doc = add_market(base_instance(), "B")
    doc["certifications"] = [{"certification": "CE", "cost": 1000}]
    doc["certification_rules"] = [
        {"market": "A", "category": "general", "certification": "CE"},
        {"market": "B", "category": "general", "certification": "CE"},
    ]
    solved = assert_case(doc, tmp, form, 400.0, drop=("offer_needs_certification",))
    assert solved.plan["certifications"] == [{"product": "P", "certification": "CE"}]


def test_row4_banned_and_unservable_pairs(tmp, form):
    """Row 4: banned and unservable pairs get no variables. B (price 10, 700) is banned; C's promise
    of 3 days is shorter than its lane's 4 days. Only A sells: 700 (all three would give 2100)."""
    doc = add_market(add_market(base_instance(), "B"), "C", max_lead_time_days=3)
    doc["product_markets"][1]["banned"] = True
    solved = assert_case(doc, tmp, form, 700.0)
    assert [o["market"] for o in solved.plan["portfolio"]] == ["A"]
    doc["product_markets"][1]["banned"] = False
    doc["markets"][2]["max_lead_time_days"] = 4
    assert close(solve_doc(doc, tmp, form).objective, 2100.0)


def test_row4_forced_decisions(tmp, form):
    """Row 4: must_offer, must_enter, must_open. C loses money (lane cost 12 > margin 8) but P must
    be offered there (listing 50, q = 0 is allowed); D has no demand but must be entered (entry 100);
    W must open (fixed 200) though its route (5 + 5 = 10) is never used.
    700 - 50 - 100 - 200 = 350."""
    doc = add_market(base_instance(), "C", lane_cost=12)
    doc["product_markets"][1].update(must_offer=True, listing_cost=50)
    doc["markets"].append({"market": "D", "must_enter": True, "entry_cost": 100})
    doc["lanes"].append({"lane": "dD", "from": "origin", "to": "D", "mode": "postal", "transit_days": 3})
    doc = warehouse_route(doc, fixed=200, linehaul=5, lastmile=5)
    doc["warehouses"][0]["must_open"] = True
    solved = assert_case(doc, tmp, form, 350.0)
    assert {"product": "P", "market": "C", "units": 0.0, "price": 10.0} in solved.plan["portfolio"]
    assert solved.plan["warehouses"] == ["W"] and "D" in solved.plan["markets"]


def test_row5_channel_demand(tmp, form):
    """Row 5: q <= base z + sum pot s. No organic demand; channel T in A has reach 1000, conversion
    0.1, viral 0.2, fit 2 for category general, popularity 0.4:
    pot = 1000 * 0.1 * 2 * 0.4 / (1 - 0.2) = 100 units. Activation 200: 100 * 7 - 200 = 500.
    Without row 5 the units come free of the channel (q <= U z only): 700."""
    doc = base_instance()
    doc["product_markets"][0]["base_demand"] = 0
    doc["products"][0]["popularity"] = 0.4
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1000, "conversion": 0.1, "viral": 0.2, "activation_cost": 200}]
    doc["channel_fit"] = [{"channel": "T", "category": "general", "fit": 2}]
    solved = assert_case(doc, tmp, form, 500.0, drop=("demand_from_channels",) if form.demand is Demand.AGGREGATED else ())
    assert solved.plan["channels"] == [{"market": "A", "channel": "T"}]


def test_row6_sales_need_the_offer(tmp, form):
    """Row 6: q <= U z. Channel T (pot 1000 * 0.125 / (1 - 0.2) = 156.25, free) runs in A; offering P
    costs a listing of 50: 156.25 * 7 - 50 = 1043.75. Without row 6, row 5 lets the channel sell
    P with z = 0 and no listing: 1093.75."""
    doc = base_instance()
    doc["product_markets"][0].update(base_demand=0, listing_cost=50)
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1000, "conversion": 0.125, "viral": 0.2}]
    assert_case(doc, tmp, form, 1043.75, drop=("demand_bound",))


def test_row7_committed_volume(tmp, form):
    """Row 7: q >= min_units z. Organic 100 plus channel T (pot 125, activation 1000: alone it loses
    1000 - 875). Committing to 200 units forces T: q = 225, 225 * 7 - 1000 = 575 (better than not
    offering, 0). Without row 7: 700."""
    doc = base_instance()
    doc["product_markets"][0]["min_units"] = 200
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1000, "conversion": 0.1, "viral": 0.2, "activation_cost": 1000}]
    assert_case(doc, tmp, form, 575.0, drop=("committed_volume",))


def test_row9_warehouse_balance(tmp, form):
    """Row 9: what leaves W must have arrived. Via W a unit costs 0.3 + 0.2 = 0.5 < 1 direct:
    100 * (8 - 0.5) = 750. Without row 9 the linehaul is skipped: 100 * (8 - 0.2) = 780."""
    assert_case(warehouse_route(base_instance()), tmp, form, 750.0, drop=("warehouse_balance",) if form.flow is Flow.ARC else ())


def test_row10_warehouse_capacity(tmp, form):
    """Row 10: W holds 0.5 m3 = 50 units of 0.01 m3 and costs 20 to open.
    50 * 7.5 + 50 * 7 - 20 = 705. Without row 10: 100 * 7.5 - 20 = 730."""
    assert_case(warehouse_route(base_instance(), fixed=20, capacity=0.5), tmp, form, 705.0, drop=("warehouse_capacity",))


def test_strong_linking_opens_the_warehouse(tmp, form):
    """Section 6: an uncapacitated W with fixed cost 20 must be open to ship.
    100 * 7.5 - 20 = 730. Without the linking rows (the per-arc rows and row 10's aggregated row,
    which strong linking keeps so that the per-arc rows can be deferred) W ships while closed: 750."""
    drop = ("lastmile_needs_open", "warehouse_capacity") if form.linking is Linking.STRONG else ()
    assert_case(warehouse_route(base_instance(), fixed=20), tmp, form, 730.0, drop=drop)


def test_deferred_linking_alone_keeps_the_warehouse_closed(tmp):
    """Row 10's aggregated row alone (the per-arc rows dropped, as the HiGHS back end defers them)
    still forces W open: the same 730 as with every row."""
    solved = solve_doc(warehouse_route(base_instance(), fixed=20), tmp, Formulation(), drop=("lastmile_needs_open",))
    assert close(solved.objective, 730.0), solved.objective
    assert solved.evaluation.ok


def test_row11_lane_capacity(tmp, form):
    """Row 11: the postal lane carries 60 kg (60 units of 1 kg); an express lane costs 3:
    60 * 7 + 40 * 5 = 620. Without row 11: 700."""
    doc = base_instance()
    doc["lanes"][0]["capacity_kg"] = 60
    doc["lanes"].append({"lane": "eA", "from": "origin", "to": "A", "mode": "express", "transit_days": 2, "cost_per_unit": 3})
    assert_case(doc, tmp, form, 620.0, drop=("lane_capacity",))


def test_row12_average_service(tmp, form):
    """Row 12: postal lead 1 + 9 = 10 days at 1/unit, express lead 1 + 3 = 4 days at 3/unit, target 6:
    10 xp + 4 (100 - xp) <= 600 gives xp = 100/3. Profit 800 - 100/3 - 3 * 200/3 = 1700/3.
    Without row 12: all postal, 700."""
    doc = base_instance()
    doc["markets"][0]["target_avg_lead_time_days"] = 6
    doc["lanes"][0]["transit_days"] = 9
    doc["lanes"].append({"lane": "eA", "from": "origin", "to": "A", "mode": "express", "transit_days": 3, "cost_per_unit": 3})
    assert_case(doc, tmp, form, 1700.0 / 3.0, drop=("average_service",))


def _two_channels(doc):
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "T"}, {"channel": "I"}]
    doc["market_channels"] = [
        {"market": "A", "channel": c, "reach": 1000, "conversion": 0.1, "viral": 0.2, "activation_cost": 100} for c in ("T", "I")
    ]
    return doc


def test_row13_marketing_budget(tmp, form):
    """Row 13: two channels of pot 1000 * 0.1 / 0.8 = 125 units each, activation 100 each; budget 150
    allows one: 125 * 7 - 100 = 775. Without row 13: 250 * 7 - 200 = 1550."""
    assert_case(_two_channels(base_instance(marketing_budget=150)), tmp, form, 775.0, drop=("marketing_budget",))


def test_row14_compliance_budget(tmp, form):
    """Row 14: A and B each contribute 700 and cost 100 to enter; budget 150 allows one: 600.
    Without row 14: 1200."""
    doc = add_market(base_instance(compliance_budget=150), "B", entry_cost=100)
    doc["markets"][0]["entry_cost"] = 100
    assert_case(doc, tmp, form, 600.0, drop=("compliance_budget",))


def test_row15_logistics_budget(tmp, form):
    """Row 15: the lane costs 1/unit and the logistics budget is 60: 60 units, 60 * 7 = 420.
    Without row 15: 700."""
    assert_case(base_instance(logistics_budget=60), tmp, form, 420.0, drop=("logistics_budget",))


def test_row16_max_markets(tmp, form):
    """Row 16: at most one market. B has price index 1.5: (15 - 2 - 1) * 100 = 1200 beats A's 700.
    Without row 16: 1900."""
    doc = add_market(base_instance(max_markets=1), "B", price_index=1.5)
    solved = assert_case(doc, tmp, form, 1200.0, drop=("max_markets",))
    assert solved.plan["markets"] == ["B"]


def test_row16_max_warehouses(tmp, form):
    """Row 16: with max_warehouses = 0 the cheaper route via W (750) is closed: 700."""
    doc = warehouse_route(base_instance(max_warehouses=0))
    assert_case(doc, tmp, form, 700.0, drop=("max_warehouses",))


def test_rows17_19_payment_loss_and_mitigation(tmp, form):
    """Rows 17-19: revenue 1000 with loss rate 0.05 costs 50; mitigation costs 20 and cuts the rate
    to 0.01 on covered revenue: 700 - 20 - 10 = 670 (vs 650 unmitigated). Without row 18 the
    covered revenue Rv is unbounded, and so is the profit."""
    doc = base_instance()
    doc["markets"][0].update(payment_loss_rate=0.05, mitigation_cost=20, mitigated_loss_rate=0.01)
    solved = assert_case(doc, tmp, form, 670.0, drop=("mitigation_within_revenue", "mitigation_needs_purchase"))
    assert solved.plan["mitigations"] == [{"market": "A", "covered_revenue": pytest.approx(1000.0)}]


def test_row20_portfolio_payment_risk_cap(tmp, form):
    """Row 20: A loses 5% of revenue, B nothing; cap 2% of total revenue:
    0.5 qA <= 0.02 (10 qA + 1000) gives qA = 200/3, each worth 10 - 2 - 1 - 0.5 = 6.5.
    700 + 6.5 * 200/3 = 3400/3. Without row 20: 650 + 700 = 1350."""
    doc = add_market(base_instance(max_payment_loss_rate=0.02), "B")
    doc["markets"][0]["payment_loss_rate"] = 0.05
    assert_case(doc, tmp, form, 3400.0 / 3.0, drop=("payment_risk_cap",))


def test_row21_revenue_concentration(tmp, form):
    """Row 21: A may bring at most 40% of revenue: 10 qA <= 0.4 (10 qA + 1000) gives qA = 200/3.
    700 + 7 * 200/3 = 3500/3. Without row 21: 1400."""
    doc = add_market(base_instance(), "B")
    doc["markets"][0]["max_revenue_share"] = 0.4
    assert_case(doc, tmp, form, 3500.0 / 3.0, drop=("revenue_concentration",))


def test_row18_mitigation_covers_only_realised_revenue(tmp, form):
    """Row 18, Rv <= Rev: A sells its 100 organic units (revenue 1000); a channel (pot 125, activation
    10000) is never worth running, yet it lifts RevMax to 10 * 225 = 2250. Loss rate 0.05, mitigation
    20 down to 0.01: 700 - 20 - 0.01 * 1000 = 670. Without Rv <= Rev, Rv = 2250 and the 'loss'
    turns into a gain: 700 - 20 - (50 - 0.04 * 2250) = 720."""
    doc = base_instance()
    doc["markets"][0].update(payment_loss_rate=0.05, mitigation_cost=20, mitigated_loss_rate=0.01)
    doc["channels"] = [{"channel": "T"}]
    doc["market_channels"] = [{"market": "A", "channel": "T", "reach": 1000, "conversion": 0.1, "viral": 0.2, "activation_cost": 10000}]
    assert_case(doc, tmp, form, 670.0, drop=("mitigation_within_revenue",))
