"""Section 5 objective terms, cost mode, single sourcing and infeasibility, on hand-solved cases.

Base instance (see conftest.base_instance): margin 10 - 2 = 8 per unit, direct lane 1 per unit,
100 organic units, profit 700.
"""

from __future__ import annotations

import copy

import pytest

from conftest import base_instance, close, solve_doc, write
from test_families import warehouse_route
from xborder.data.instance import load_instance
from xborder.studies.explain import diagnose_infeasibility, explain
from xborder.models.formulation import Formulation, Sourcing


def _set(path, value):
    def apply(doc):
        table, index, column = path
        if table == "settings":
            doc["settings"][column] = value
        else:
            doc[table][index][column] = value
        return doc

    return apply


def _with_route(**kw):
    return lambda doc: warehouse_route(doc, **kw)


def _and(*fns):
    def apply(doc):
        for fn in fns:
            doc = fn(doc)
        return doc

    return apply


def _duty_table(rate):
    def apply(doc):
        doc["duties"] = [{"market": "A", "category": "general", "duty_rate": rate}]
        return doc

    return apply


def _warehouse(column, value):
    def apply(doc):
        doc["warehouses"][0][column] = value
        return doc

    return apply


# (case id, change to the base instance, expected profit, arithmetic)
TERM_CASES = [
    ("direct-duty", _set(("markets", 0, "duty_rate"), 0.1), 600.0,
     "parcel 10 > de minimis 0: duty 0.1 * 10 = 1 per unit; 100 * (7 - 1) = 600"),
    ("de-minimis-at-threshold", _and(_set(("markets", 0, "duty_rate"), 0.1), _set(("markets", 0, "de_minimis_value"), 10)), 700.0,
     "parcel 10 <= de minimis 10 clears duty-free: 700"),
    ("de-minimis-multi-unit-order", _and(_set(("markets", 0, "duty_rate"), 0.1), _set(("markets", 0, "de_minimis_value"), 10),
                                         _set(("products", 0, "units_per_order"), 2)), 600.0,
     "2 units per order: parcel 20 > 10, duty 1 per unit: 600"),
    ("category-duty", _and(_set(("markets", 0, "duty_rate"), 0.1), _duty_table(0.2)), 500.0,
     "duties table overrides the market rate: 0.2 * 10 = 2 per unit: 500"),
    ("pair-duty", _and(_duty_table(0.2), _set(("product_markets", 0, "duty_rate"), 0.05)), 650.0,
     "product-market rate overrides both: 0.05 * 10 = 0.5 per unit: 650"),
    ("bulk-duty-at-cost", _and(_set(("markets", 0, "duty_rate"), 0.1), _with_route()), 730.0,
     "direct: 1 + 1 duty = 2; via W: 0.3 + 0.2 + 0.1 * 2 (duty on unit cost) = 0.7; 100 * (8 - 0.7) = 730"),
    ("holding", _and(_set(("settings", None, "holding_rate"), 0.25), _with_route(), _warehouse("cover_days", 53)), 740.0,
     "holding 2 * 0.25 * (20 + 53) / 365 = 0.1; via W 0.6 per unit: 100 * 7.4 = 740"),
    ("handling", _and(_with_route(), _warehouse("handling_cost_per_unit", 0.1)), 740.0,
     "via W 0.3 + 0.2 + 0.1 handling = 0.6: 740"),
    ("fx", _set(("markets", 0, "fx_cost_rate"), 0.02), 680.0, "fx 0.02 * revenue 1000 = 20: 680"),
    ("dim-weight", _and(_set(("lanes", 0, "cost_per_unit"), 0), _set(("lanes", 0, "cost_per_kg"), 1),
                        _set(("lanes", 0, "dim_factor_kg_per_m3"), 200)), 600.0,
     "chargeable max(1, 0.01 * 200) = 2 kg at 1/kg: 2 per unit: 100 * 6 = 600"),
    ("per-m3", _set(("lanes", 0, "cost_per_m3"), 10), 690.0, "0.01 m3 * 10 = 0.1 per unit extra: 690"),
    ("price-override", _set(("product_markets", 0, "price"), 12), 900.0, "(12 - 3) * 100 = 900"),
    ("price-index", _set(("markets", 0, "price_index"), 1.2), 900.0, "price 10 * 1.2 = 12: 900"),
    ("listing", _set(("product_markets", 0, "listing_cost"), 50), 650.0, "listing 50: 650"),
]


@pytest.mark.parametrize("change, expected, why", [c[1:] for c in TERM_CASES], ids=[c[0] for c in TERM_CASES])
def test_objective_term(tmp, change, expected, why):
    """Each case's arithmetic is in its `why` string (TERM_CASES)."""
    solved = solve_doc(change(base_instance()), tmp)
    assert close(solved.objective, expected), (solved.objective, expected, why)
    assert solved.evaluation.ok


def test_lead_time_counts_warehouse_processing(tmp):
    """Section 2: a last mile's lead time is processing 3 + transit 1 = 4 > promise 3.5, and the
    direct lane's 1 + 3 = 4 > 3.5 too, so A cannot be served: profit 0. With processing 2 (lead 3)
    W serves A: 100 * (8 - 0.5) = 750."""
    doc = warehouse_route(base_instance())
    doc["markets"][0]["max_lead_time_days"] = 3.5
    doc["warehouses"][0]["processing_days"] = 3
    assert close(solve_doc(doc, tmp).objective, 0.0)
    doc["warehouses"][0]["processing_days"] = 2
    assert close(solve_doc(doc, tmp).objective, 750.0)


def cflp_doc() -> dict:
    """Cost mode: A and B each demand 100 (0.01 m3/unit, price and cost 0). W1: fixed 50, 1.5 m3
    (150 units); W2: fixed 200, uncapacitated; free linehaul; last miles W1->A 1, W1->B 2, W2->A 2,
    W2->B 1. W1 alone lacks capacity; W2 alone: 200 + 200 + 100 = 500; both: 250 + 100 + 100 = 450."""
    lanes = [{"lane": f"lh{w}", "from": "origin", "to": w, "mode": "sea_freight", "transit_days": 20} for w in ("W1", "W2")]
    for w, m, c in (("W1", "A", 1), ("W1", "B", 2), ("W2", "A", 2), ("W2", "B", 1)):
        lanes.append({"lane": f"{w}{m}", "from": w, "to": m, "mode": "courier", "transit_days": 1, "cost_per_unit": c})
    return {
        "settings": {"objective": "cost", "holding_rate": 0},
        "markets": [{"market": "A"}, {"market": "B"}],
        "products": [{"product": "P", "unit_cost": 0, "base_price": 0, "weight_kg": 1, "volume_m3": 0.01}],
        "product_markets": [{"product": "P", "market": m, "demand": 100} for m in ("A", "B")],
        "warehouses": [{"warehouse": "W1", "fixed_cost": 50, "capacity_m3": 1.5}, {"warehouse": "W2", "fixed_cost": 200}],
        "lanes": lanes,
    }


@pytest.mark.parametrize("sourcing", list(Sourcing), ids=lambda s: s.value)
def test_cost_mode_facility_location(tmp, sourcing):
    """cflp_doc: optimum 450 with both warehouses, under split and single sourcing alike.
    Without the capacity row W1 alone would do: 50 + 100 + 200 = 350."""
    solved = solve_doc(cflp_doc(), tmp, Formulation(sourcing=sourcing))
    assert close(solved.objective, 450.0) and solved.evaluation.ok
    assert sorted(solved.plan["warehouses"]) == ["W1", "W2"]
    relaxed = solve_doc(cflp_doc(), tmp, Formulation(sourcing=sourcing), drop=("warehouse_capacity",))
    assert close(relaxed.objective, 350.0) and not relaxed.evaluation.ok


def test_cost_mode_counts_cost_of_goods(tmp):
    """Cost mode objective = revenue - profit: with unit cost 2 add 2 * 200 = 400 to 450: 850."""
    doc = cflp_doc()
    doc["products"][0]["unit_cost"] = 2
    assert close(solve_doc(doc, tmp).objective, 850.0)


def test_single_sourcing_may_cost_more(tmp):
    """A demands 100; W (fixed 10, 0.6 m3 = 60 units, last mile 1) or direct at 3 per unit.
    Split: 10 + 60 * 1 + 40 * 3 = 190. Single: W cannot take all 100, so all direct: 300."""
    doc = cflp_doc()
    doc["markets"] = [{"market": "A"}]
    doc["product_markets"] = [{"product": "P", "market": "A", "demand": 100}]
    doc["warehouses"] = [{"warehouse": "W1", "fixed_cost": 10, "capacity_m3": 0.6}]
    doc["lanes"] = [
        {"lane": "lhW1", "from": "origin", "to": "W1", "mode": "sea_freight", "transit_days": 20},
        {"lane": "W1A", "from": "W1", "to": "A", "mode": "courier", "transit_days": 1, "cost_per_unit": 1},
        {"lane": "dA", "from": "origin", "to": "A", "mode": "postal", "transit_days": 3, "cost_per_unit": 3},
    ]
    split = solve_doc(doc, tmp)
    single = solve_doc(doc, tmp, Formulation(sourcing=Sourcing.SINGLE))
    assert close(split.objective, 190.0) and split.evaluation.ok
    assert close(single.objective, 300.0) and single.evaluation.ok
    assert [f["lane"] for f in single.plan["flows"]] == ["dA"]


def test_infeasible_names_the_setting_that_has_to_give(tmp):
    """A must be entered but max_markets = 0: no plan. The elastic solve prices one more market
    (1 over a limit of size 1: weight 1) below breaking must_enter (weight 2), so it reports
    max_markets short by exactly 1 market, and nothing else."""
    doc = base_instance(max_markets=0)
    doc["markets"][0]["must_enter"] = True
    solved = solve_doc(doc, tmp)
    assert not solved.result.has_solution and solved.result.status.value in ("infeasible", "infeasible_or_unbounded")
    diagnosis = diagnose_infeasibility(solved.instance)
    assert diagnosis.solved
    assert [(s.setting, s.key, round(s.amount, 6)) for s in diagnosis.shortfalls] == [("settings.max_markets", "all", 1.0)]
    assert "max_markets must be raised by 1 market(s)" in explain(diagnosis)


def test_infeasible_cost_mode_lane_capacity(tmp):
    """Cost mode: 100 units of 1 kg must cross a lane that carries 50 kg: infeasible; the lane
    needs 100 * 1 - 50 = 50 kg more, and nothing else has to give."""
    doc = copy.deepcopy(base_instance(objective="cost"))
    doc["product_markets"][0]["demand"] = 100
    doc["lanes"][0]["capacity_kg"] = 50
    diagnosis = diagnose_infeasibility(load_instance(write(doc, tmp)))
    assert [(s.setting, s.key) for s in diagnosis.shortfalls] == [("lanes.capacity_kg", "dA")]
    assert diagnosis.shortfalls[0].amount == pytest.approx(50.0)
    assert "lane dA needs 50 kg more capacity" in explain(diagnosis)


def test_infeasible_count_limit_gives_way_before_a_forced_decision(tmp):
    """W1 must be opened but max_warehouses = 0: the count limit (1 over a limit of size 1:
    weight 1) gives way before must_open (weight 2)."""
    doc = base_instance(max_warehouses=0)
    doc["warehouses"] = [{"warehouse": "W1", "must_open": True}]
    doc["lanes"] += [{"lane": "lh", "from": "origin", "to": "W1", "mode": "sea_freight", "transit_days": 20},
                     {"lane": "lm", "from": "W1", "to": "A", "mode": "courier", "transit_days": 1}]
    diagnosis = diagnose_infeasibility(load_instance(write(doc, tmp)))
    assert [(s.setting, s.amount) for s in diagnosis.shortfalls] == [("settings.max_warehouses", pytest.approx(1.0))]
