"""Presolve removes only what no capacity, budget, cap or forced decision could need:
with and without it the optimum is the same, and the checker accepts every plan."""

from __future__ import annotations

import math

import pytest

from conftest import DEMO, add_market, base_instance, close, write
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.build import build_model
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)


def both(inst):
    on = solve_loaded(inst, options=EXACT, presolve=True)
    off = solve_loaded(inst, options=EXACT, presolve=False)
    assert on.evaluation.ok and off.evaluation.ok
    assert math.isclose(on.result.objective, off.result.objective, rel_tol=1e-6, abs_tol=1e-6)
    return on, off


def uncapped(doc):
    """The generated instance without the portfolio loss cap, so unprofitable pairs can go."""
    doc["settings"].pop("max_payment_loss_rate", None)
    return doc


@pytest.mark.parametrize("doc", [
    generate(GeneratorSpec(14, 5, 4, 1)),
    generate(GeneratorSpec(14, 5, 4, 2, "cost")),
    uncapped(generate(GeneratorSpec(20, 6, 4, 3))),
    uncapped(generate(GeneratorSpec(20, 6, 4, 4))),
], ids=["profit", "cost", "profit-uncapped-3", "profit-uncapped-4"])
def test_same_optimum_with_and_without_presolve(doc):
    on, _ = both(load_document(doc, "gen.json"))
    assert on.presolve.arcs_removed > 0


def test_demo_same_optimum():
    on, off = both(load_instance(DEMO))
    assert on.presolve.arcs_removed > 0 and off.presolve is None


def test_unprofitable_pairs_are_removed_when_nothing_rewards_revenue():
    on, _ = both(load_document(uncapped(generate(GeneratorSpec(20, 6, 4, 3))), "gen.json"))
    assert on.presolve.pairs_removed > 0


def test_loss_making_sale_kept_when_a_share_cap_makes_it_useful(tmp_path):
    """A may bring at most 40% of revenue; B's pair loses 1 per unit (lane 9: 10 - 2 - 9 = -1), yet
    its 1000 of revenue lets A sell: 10 qA <= 0.4 (10 qA + 1000), qA = 200/3.
    Profit 7 * 200/3 - 100 = 1100/3; without B's sales A could sell nothing (0)."""
    doc = add_market(base_instance(), "B", lane_cost=9)
    doc["markets"][0]["max_revenue_share"] = 0.4
    on, _ = both(load_instance(write(doc, tmp_path)))
    assert close(on.result.objective, 1100.0 / 3.0)
    assert on.presolve.pairs_removed == 0


def test_capacitated_cheap_lane_does_not_dominate(tmp_path):
    """Postal (1/unit, 60 kg capacity) is cheaper than express (3/unit) but cannot dominate it:
    60 * 7 + 40 * 5 = 620, as without presolve."""
    doc = base_instance()
    doc["lanes"][0]["capacity_kg"] = 60
    doc["lanes"].append({"lane": "eA", "from": "origin", "to": "A", "mode": "express", "transit_days": 2, "cost_per_unit": 3})
    on, _ = both(load_instance(write(doc, tmp_path)))
    assert close(on.result.objective, 620.0) and on.presolve.arcs_removed == 0


def test_slower_and_dearer_lane_is_removed(tmp_path):
    """A second direct lane that is dearer (2) and slower (5 days) than the free postal lane goes."""
    doc = base_instance()
    doc["lanes"].append({"lane": "slow", "from": "origin", "to": "A", "mode": "postal", "transit_days": 4, "cost_per_unit": 2})
    on, _ = both(load_instance(write(doc, tmp_path)))
    assert on.presolve.fulfilment_removed == 1 and close(on.result.objective, 700.0)
    model = build_model(on.instance)
    assert len(model.x) == 1


def test_returns_and_payment_methods_count_in_a_pair_s_margin(tmp_path):
    """Margin 10 - 2 - 1 = 7 a unit. With 80% of the units returned and written off the pair loses
    0.8 x 10 - 7 = 1 a unit, so presolve drops it (profit 0); with a 90% default-checkout loss it
    loses 2 a unit unless a wallet (share 1, no loss) takes the payment, so presolve keeps it:
    100 x 7 = 700."""
    doc = base_instance()
    doc["returns"] = [{"market": "A", "category": "general", "return_rate": 0.8}]
    on, _ = both(load_instance(write(doc, tmp_path)))
    assert on.presolve.pairs_removed == 1 and close(on.result.objective, 0.0)
    doc = base_instance()
    doc["markets"][0]["payment_loss_rate"] = 0.9
    doc["payment_methods"] = [{"market": "A", "method": "wallet", "share": 1.0}]
    on, _ = both(load_instance(write(doc, tmp_path)))
    assert on.presolve.pairs_removed == 0 and close(on.result.objective, 700.0)
