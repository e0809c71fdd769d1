"""Returns (docs/model.md, "Returns", rows RT1-RT3): hand-computed tiny cases, the checker's
rejections, the period axis that must agree, and the generator switch."""

from __future__ import annotations

import copy

import pytest
from conftest import base_instance, close, solve_doc
from test_families import warehouse_route
from test_payment_methods import two_periods
from xborder.check import check_plan
from xborder.data.generate import GeneratorSpec, generate

ORIGIN = {"market": "A", "category": "general", "return_rate": 0.1, "origin_cost": 0.5, "liquidate_recovery": 0.5}
RESTOCK = {**ORIGIN, "restock_cost": 0.0}


def with_returns(doc: dict, row: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["returns"] = [dict(row)]
    return doc


def warehouse_doc(capacity=None) -> dict:
    """The tiny instance and warehouse W (fixed 52; a unit via W costs 0.3 + 0.2 = 0.5 instead of
    1 direct): without returns W does not pay, 100 x 0.5 = 50 < 52, so 700."""
    return warehouse_route(base_instance(), fixed=52, capacity=capacity)


# Hand values (P: cost 2, price 10, lane 1; 100 units; profit 700; 10% come back, refunded at 10):
# - written off (no disposition given): 700 - 10 x 10 = 600.
# - back to the origin (2 - 0.5 = 1.5) beats liquidating (0.5 x 2 = 1.0): 700 - 10 x (10 - 1.5) = 615.
# - restocking at W is worth 2 - 0 = 2, 0.5 more than the origin: W open sells via W and restocks
#   the 10 returns: 750 - 52 - 85 + 10 x 0.5 = 618 > 615 with W closed.
# - the same with W holding 1 m3 (100 units of 0.01 m3): a restocked unit takes the room of a
#   unit sent by linehaul (each worth 0.5), so at most 700 + 0.5 x 100 - 52 - 85 = 613 < 615: closed.
CASES = {
    "written off": (with_returns(base_instance(), {"market": "A", "category": "general", "return_rate": 0.1}), 600.0, 0.0),
    "back to the origin": (with_returns(base_instance(), ORIGIN), 615.0, 0.0),
    "restocked at a warehouse it opens": (with_returns(warehouse_doc(), RESTOCK), 618.0, 10.0),
    "restocked returns take warehouse room": (with_returns(warehouse_doc(capacity=1.0), RESTOCK), 615.0, 0.0),
    "two periods": (two_periods(with_returns(warehouse_doc(), RESTOCK)), 618.0, 10.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_computed(name, tmp):
    doc, expected, restocked = CASES[name]
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, expected), (solved.objective, expected)
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    assert close(solved.evaluation.objective, expected)
    assert sum(r["units"] for r in solved.plan["restocked"]) == pytest.approx(restocked)


def test_the_returns_term(tmp):
    """The restocking case's returns term: refunds 100 less 10 x 2 restocked = 80."""
    solved = solve_doc(CASES["restocked at a warehouse it opens"][0], tmp)
    assert solved.evaluation.terms["returns"] == pytest.approx(80.0)
    assert solved.plan["warehouses"] == ["W"]


def test_checker_rejects_bad_restocking(tmp):
    solved = solve_doc(CASES["restocked at a warehouse it opens"][0], tmp)
    instance = solved.instance

    def families(plan):
        return {v.family for v in check_plan(instance, plan).violations}

    more = copy.deepcopy(solved.plan)
    more["restocked"][0]["units"] = 11.0  # 10 come back
    assert "row RT1 restocked within returns" in families(more)
    closed = copy.deepcopy(solved.plan)
    closed["warehouses"] = []
    assert "row RT2 restocked in a closed warehouse" in families(closed)
    assert not check_plan(instance, solved.plan, 615.0).objective_matches  # the restocking gain is counted

    from conftest import write
    from xborder.data.instance import load_instance

    tight = load_instance(write(CASES["restocked returns take warehouse room"][0], tmp, "tight"))
    # 100 units by linehaul fill W's 1 m3; the 10 restocked need 0.1 m3 more
    assert "row 10 warehouse capacity" in {v.family for v in check_plan(tight, solved.plan).violations}

    no_restock = solve_doc(with_returns(warehouse_doc(), ORIGIN), tmp)  # W without restocking: closed, 615
    plan = copy.deepcopy(no_restock.plan)
    plan["restocked"] = [{"product": "P", "market": "A", "warehouse": "W", "units": 5.0}]
    assert "row RT1 restocking not possible for the pair" in {v.family for v in check_plan(no_restock.instance, plan).violations}


def test_generator_switch_leaves_every_other_table_as_it_was():
    today = generate(GeneratorSpec(50, 6, 4, 3))
    with_table = generate(GeneratorSpec(50, 6, 4, 3, mechanics=("returns",)))
    assert len(with_table.pop("returns")) == 6 * 5  # every market x category
    assert with_table == today
