"""Containers (docs/model.md, "Containers", rows C1-C3): hand-computed tiny cases, the checker's
rejections, period axes and formulations that must agree, scenarios, the studies that take the new
decisions, and an instance without the table that gives exactly today's optimum."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import DEMO, EXACT, base_instance, close, one_origin, solve_doc, write
from test_payment_methods import two_periods
from xborder.check import check_plan
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.formulation import Flow, Formulation
from xborder.pipeline import solve_loaded


def sea_doc(demand: float = 100, weight: float = 1, capacity_kg: float = 10_000, cost: float = 60, **settings) -> dict:
    """The tiny instance served through warehouse W: a sea linehaul (cost_per_unit 0.5, and 5 per kg
    that a containers row replaces) and a free last mile, with a containers row: 0.5 m3 (50 units
    of P at 0.01 m3) and `capacity_kg` a container at `cost` each, LCL 200 per freight tonne."""
    doc = base_instance(**settings)
    doc["products"][0]["weight_kg"] = weight
    doc["product_markets"][0]["base_demand"] = demand
    doc["warehouses"] = [{"warehouse": "W"}]
    doc["lanes"] = [{"lane": "sea", "from": "origin", "to": "W", "mode": "sea_freight", "transit_days": 20,
                     "cost_per_unit": 0.5, "cost_per_kg": 5},
                    {"lane": "lm", "from": "W", "to": "A", "mode": "courier", "transit_days": 2}]
    doc["containers"] = [{"lane": "sea", "container": "40HC", "capacity_m3": 0.5, "capacity_kg": capacity_kg,
                          "cost_per_container": cost, "lcl_rate_per_m3": 200}]
    return doc


def without_containers(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    del doc["containers"]
    return doc


# Hand values: each unit sells at a margin of 10 - 2 = 8 and pays 0.5 on the sea lane; its LCL freight
# is 200 x max(0.01 m3, 1 kg / 1000) = 2; a container holds 50 units (0.5 m3 / 0.01).
# - full: 100 units, 2 containers at 60 (120) against LCL 200: 800 - 50 - 120 = 630;
# - mixed: 70 units, 1 container (50 units, 60) and 20 units LCL (40) = 100, against 2 containers
#   120 or LCL 140: 560 - 35 - 100 = 425 (a fractional 1.4 containers would give 441);
# - LCL: containers at 150 (3 a unit) against LCL 2 a unit: 800 - 50 - 200 = 550;
# - weight-bound: 40 kg a container holds 40 units: 2 containers (80 units, 120) + 20 LCL (40) = 160,
#   against 3 containers 180 or LCL 200: 800 - 50 - 160 = 590;
# - heavy (W/M): at 20 kg a unit its freight tonnes are 0.02, LCL 4 a unit (400) against 2
#   containers at 150 (300): 800 - 50 - 300 = 450 (charged on m3 alone, LCL would cost 200: 550);
# - heavy, containers at 500: LCL at 4 a unit, 800 - 50 - 400 = 350 (on m3 alone 550);
# - no containers table: the lane's 5 per kg applies, 5.5 a unit: 800 - 550 = 250;
# - logistics budget 120 at full: 0.5 q + freight <= 120; one container (50 units, 60) and 14
#   units LCL (2.5 each with the 0.5) spend 32 + 60 + 28 = 120: 64 x 8 - 120 = 392 (LCL alone
#   sells 48 units for 264; two containers leave nothing to sell).
CASES = {
    "full": (sea_doc(), 630.0, [2], 100.0),
    "mixed": (sea_doc(demand=70), 425.0, [1], 50.0),
    "LCL": (sea_doc(cost=150), 550.0, [], 0.0),
    "weight-bound": (sea_doc(capacity_kg=40), 590.0, [2], 80.0),
    "heavy": (sea_doc(weight=20, cost=150), 450.0, [2], 100.0),
    "heavy LCL": (sea_doc(weight=20, cost=500), 350.0, [], 0.0),
    "logistics budget": (sea_doc(logistics_budget=120), 392.0, [1], 50.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_computed(name, tmp):
    doc, expected, counts, boxed = CASES[name]
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, expected), (solved.objective, expected)
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    assert close(solved.evaluation.objective, expected)
    assert [r["count"] for r in solved.plan["containers"]] == counts
    sea = [f for f in solved.plan["flows"] if f["lane"] == "sea"]
    assert sum(f["in_containers"] for f in sea) == pytest.approx(boxed)


def test_without_the_table_the_lane_keeps_its_own_freight(tmp):
    """No containers row: the lane's 0.5 + 5 per kg = 5.5 a unit, 800 - 550 = 250; no container decisions."""
    solved = solve_doc(without_containers(sea_doc()), tmp)
    assert close(solved.objective, 250.0)
    assert solved.plan["containers"] == [] and "in_containers" not in solved.plan["flows"][0]


def test_two_periods_book_containers_per_period_at_its_freight(tmp):
    """Two half-years of 35 units each (mixed) with sea freight at 2x in H1 (the whole transport, the
    lane's 0.5 a unit too): a container costs 120 in H1 and 60 in H2, LCL 4 and 2 a unit. H1's 35
    units must be sent in H1 (stock costs nothing here). Sending 50 in one H1 container (120 + 50 x
    1.0) and H2's other 20 LCL (40 + 20 x 0.5) costs 220; a container each period 180 + 52.5; all 70
    in H1 200 + 70. So 560 - 220 = 340 (one period at 1x: 425)."""
    doc = two_periods(CASES["mixed"][0])
    doc["period_freight"] = [{"mode": "sea_freight", "period": "H1", "cost_multiplier": 2}]
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, 340.0), solved.objective
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    assert [(r["period"], r["count"]) for r in solved.plan["containers"]] == [("H1", 1)]
    sea = {f["period"]: (f["units"], f["in_containers"]) for f in solved.plan["flows"] if f["lane"] == "sea"}
    assert sea == {"H1": (pytest.approx(50.0), pytest.approx(50.0)), "H2": (pytest.approx(20.0), 0.0)}


def test_presolve_keeps_a_container_lane_dear_at_lcl(tmp):
    """Full containers make the sea lane 0.5 + 1.2 = 1.7 a unit, LCL 2.5. Beside it an air linehaul
    at 2.0 a unit (cheaper than LCL) must not make presolve drop the sea lane; nor must a direct
    lane at 2.2, as fast as the last mile, make it drop the last mile: 630 both times (air only
    would give 600, direct only 580)."""
    air = sea_doc()
    air["lanes"].append({"lane": "air", "from": "origin", "to": "W", "mode": "air_freight", "transit_days": 4,
                         "cost_per_unit": 2.0})
    direct = sea_doc()
    direct["lanes"][1]["transit_days"] = 3  # the last mile's lead time 1 + 3 = 4, the direct lane's 1 + 3
    direct["lanes"].append({"lane": "dA", "from": "origin", "to": "A", "mode": "postal", "transit_days": 3,
                            "cost_per_unit": 2.2})
    for doc, name in ((air, "air"), (direct, "direct")):
        solved = solve_doc(doc, tmp / name if (tmp / name).mkdir() is None else tmp)
        assert close(solved.objective, 630.0), (name, solved.objective)
        assert solved.evaluation.ok


def _lp_bound(doc: dict, tmp, drop: tuple = ()) -> float:
    """The LP relaxation's profit of the tiny instance (presolve off), with the named row families left out."""
    from xborder.models.build import build_model
    from xborder.solvers.compile import CompiledModel, loaded_highs

    model = build_model(load_instance(write(doc, tmp, "lp")), presolve=False)
    for name in drop:
        model.component(name).deactivate()
    compiled = CompiledModel(model)
    h = loaded_highs(compiled, relax=True)
    h.run()
    return compiled.sign * h.getInfo().objective_function_value + compiled.offset


def test_the_fill_row_makes_the_lp_pay_for_a_box_it_cannot_fill(tmp):
    """Mixed case: the lane can carry at most 0.7 m3 (70 units), 1.4 boxes. With rows C1-C3 alone
    the LP takes 1.4 boxes for all 70 units: 560 - 35 - 84 = 441. Row C4 (k = 1, f = 0.4: v - 0.2 nb
    <= 0.3) leaves the hull of (0, 0), (0.5, 1), (0.7, 2), and the LP's best point is the integer
    one, one box and 20 units LCL: 425."""
    doc = CASES["mixed"][0]
    assert _lp_bound(doc, tmp, drop=("container_fill",)) == pytest.approx(441.0)
    assert _lp_bound(doc, tmp) == pytest.approx(425.0)


def test_the_fill_row_takes_the_warehouse_share_of_the_arrival_period(tmp, tmp_path_factory):
    """Two half-years of 50 units, warehouse W with capacity_m3 0.6: at most 0.3 m3 (30 units)
    arrive a period. Boxes at 50 against LCL 60 for 30 units: a box a period, 2 x 30 x 8 - 30 -
    100 = 350. The LP without C4 pays 0.6 box a period (60): 390; with V = 0.3 (k = 0, v <= 0.3 nb)
    it pays the whole box: 350."""
    doc = two_periods(sea_doc(cost=50))
    doc["warehouses"][0]["capacity_m3"] = 0.6
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, 350.0), solved.objective
    assert solved.evaluation.ok
    assert _lp_bound(doc, tmp_path_factory.mktemp("lp"), drop=("container_fill",)) == pytest.approx(390.0)
    assert _lp_bound(doc, tmp_path_factory.mktemp("lp")) == pytest.approx(350.0)


def test_path_form_agrees(tmp):
    solved = solve_doc(CASES["mixed"][0], tmp, form=Formulation(flow=Flow.PATH))
    assert close(solved.objective, 425.0), solved.objective
    assert solved.evaluation.ok


def test_checker_rejects_a_plan_that_misloads_its_containers(tmp):
    solved = solve_doc(CASES["mixed"][0], tmp)
    instance, plan = solved.instance, solved.plan

    def families(changed: dict) -> set:
        return {v.family for v in check_plan(instance, changed).violations}

    def sea(changed: dict) -> dict:
        return next(f for f in changed["flows"] if f["lane"] == "sea")

    overfull = copy.deepcopy(plan)
    sea(overfull)["in_containers"] = 70.0  # 0.7 m3 in one 0.5 m3 container
    assert "row C2 container volume" in families(overfull)
    beyond = copy.deepcopy(plan)
    beyond["containers"][0]["count"] = 2
    sea(beyond)["in_containers"] = 80.0  # more than the 70 units sent
    assert "row C1 units in containers within the flow" in families(beyond)
    half = copy.deepcopy(plan)
    half["containers"][0]["count"] = 1.5
    assert "containers must be a whole number >= 0" in families(half)
    heavy = copy.deepcopy(plan)
    instance_kg = load_instance(write(sea_doc(demand=70, capacity_kg=40), tmp, "kg"))
    assert "row C3 container weight" in {v.family for v in check_plan(instance_kg, heavy).violations}
    elsewhere = copy.deepcopy(plan)
    next(f for f in elsewhere["flows"] if f["lane"] == "lm")["in_containers"] = 5.0
    assert "row C1 units in containers on a lane without containers" in families(elsewhere)
    unknown = copy.deepcopy(plan)
    unknown["containers"].append({"lane": "air", "count": 1})
    assert "unknown id in containers" in families(unknown)
    assert check_plan(instance, plan, 425.0).ok
    assert not check_plan(instance, plan, 465.0).objective_matches  # the container's 60 left out
    assert not check_plan(instance, plan, 325.0).objective_matches  # the lane's 5 per kg charged as well


def test_bad_tables_are_refused_with_their_place():
    from xborder.data.errors import InstanceError

    doc = sea_doc()
    doc["containers"][0]["lane"] = "lm"
    with pytest.raises(InstanceError, match=r"table .containers., row 1, column .lane.: lane lm is not a sea or rail linehaul"):
        load_document(doc, "bad.json")
    doc = sea_doc()
    del doc["containers"][0]["capacity_m3"]
    with pytest.raises(InstanceError, match=r"containers.*capacity_m3"):
        load_document(doc, "bad.json")
    doc = sea_doc()
    doc["containers"][0]["lane"] = "rail"
    with pytest.raises(InstanceError, match=r"'rail' is not a key of table 'lanes'"):
        load_document(doc, "bad.json")


def test_without_the_table_today_s_optimum():
    """The demo without its containers table (and without the creators that came after them) is
    the demo before it: 559,324.3247 (to the 1e-9 gap EXACT solves to)."""
    doc = one_origin(json.loads(DEMO.read_text()))
    doc.pop("containers")
    doc.pop("creators")
    solved = solve_loaded(load_document(doc, "demo.json"), options=EXACT, duals=False)
    assert solved.result.objective == pytest.approx(559324.3247, abs=5e-4)


@pytest.mark.parametrize("size", [(50, 6, 4, 3), (300, 10, 6, 1)], ids=["s", "m"])
def test_generator_switch_leaves_every_other_table_as_it_was(size):
    """Generated s and m with the containers switched on are today's documents plus the new table,
    one row per sea or rail linehaul lane."""
    today = generate(GeneratorSpec(*size))
    with_table = generate(GeneratorSpec(*size, mechanics=("containers",)))
    boxed = {lane["lane"] for lane in today["lanes"]
             if lane["from"] == "origin" and lane["mode"] in ("sea_freight", "rail_freight")}
    assert boxed and {row["lane"] for row in with_table["containers"]} == boxed
    del with_table["containers"]
    assert with_table == today


def test_scenarios_override_the_table(tmp):
    """dear_box: containers at 60 x 2.5 = 150, LCL wins (550); cheap_lcl: LCL at 100 (1 a unit)
    beats containers at 60 (1.2 a unit): 800 - 50 - 100 = 650."""
    from xborder.data.scenarios import read_scenarios
    from xborder.studies.scenarios import run_scenarios

    (tmp / "s.csv").write_text("scenario,table,action,column,value,where\n"
                               "dear_box,containers,scale,cost_per_container,2.5,lane=sea\n"
                               "cheap_lcl,containers,set,lcl_rate_per_m3,100,lane=sea\n")
    base = load_instance(write(CASES["full"][0], tmp))
    study = run_scenarios(base, read_scenarios(tmp / "s.csv", base), options=EXACT)
    got = dict(zip(study.comparison["scenario"], study.comparison["objective"]))
    assert got == pytest.approx({"base": 630.0, "dear_box": 550.0, "cheap_lcl": 650.0})
    assert study.comparison["checked"].all()


def test_containers_follow_each_scenario(tmp):
    """Demand as it is (100 units) or 70, each with probability 0.5: the containers are booked per
    scenario, 2 and 1: 0.5 x 630 + 0.5 x 425 = 527.5."""
    from xborder.studies.stochastic import read_uncertainty, solve_ef

    (tmp / "u.csv").write_text("scenario,probability,table,action,column,value,where\n"
                               "as_is,0.5,product_markets,scale,base_demand,1,\n"
                               "less,0.5,product_markets,scale,base_demand,0.7,\n")
    u = read_uncertainty(load_instance(write(CASES["full"][0], tmp)), tmp / "u.csv")
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(527.5)
    assert [[r["count"] for r in run.plan["containers"]] for run in result.runs] == [[2], [1]]


def test_why_takes_the_containers_of_a_lane(tmp):
    """--why containers=sea on the mixed case: the plan ships one container; LCL only costs 70 x 2 =
    140 against 60 + 40 = 100, a difference of -40 in transport. On the LCL case (containers at
    150) the plan ships none; one container forced costs 150 and saves the LCL of 50 units (100):
    -50. A lane without a containers row is refused with the lanes there are."""
    from xborder.studies.explain import QuestionError, why

    mixed = load_instance(write(CASES["mixed"][0], tmp, "mixed"))
    answer = why(mixed, "containers=sea", options=EXACT)
    assert answer.planned and answer.difference == pytest.approx(-40.0)
    assert dict(zip(answer.effects()["term"], answer.effects()["effect"])) == {"transport": pytest.approx(-40.0)}
    assert answer.changes == [{"kind": "container_lane", "item": "sea", "change": "dropped"}]
    lcl = load_instance(write(CASES["LCL"][0], tmp, "lcl"))
    answer = why(lcl, "containers=sea", options=EXACT)
    assert not answer.planned and answer.difference == pytest.approx(-50.0)
    with pytest.raises(QuestionError, match="lane 'lm' ships no container.*sea"):
        why(mixed, "containers=lm", options=EXACT)


def test_the_plan_shows_its_containers(tmp):
    """The summary, the plan in words, the output tables, the HTML report and the solution file
    (read back by `xborder check`) carry the containers of the mixed case: one 40HC with 50 units
    (0.5 m3, full) for 60 and 20 units LCL (0.2 freight t, 40) against 140 LCL only, a saving of 40."""
    from xborder.check.solution import read_solution
    from xborder.report.html import plan_report
    from xborder.report.solution import plan_tables, solution_document
    from xborder.report.summary import summary
    from xborder.report.words import plan_in_words

    run = solve_loaded(load_instance(write(CASES["mixed"][0], tmp)), options=EXACT)
    assert "containers: sea 1 x 40HC + 0.2 freight t LCL; full containers save 40 USD against LCL only" in summary(run)
    words = "\n".join(plan_in_words(run.instance, run.plan))
    assert ("sea ships 1 x 40HC (0.5 m3, 100% of their room) for 60 USD and 0.2 freight t LCL for 40 USD: LCL only "
            "would cost 140 USD; one 40HC more (60 USD) would cost more than the 40 USD of LCL it replaces") in words
    tables = plan_tables(run)
    row = tables["containers"].iloc[0]
    assert (row["containers"], row["container_cost"], row["lcl_cost"], row["saving"]) == pytest.approx((1, 60.0, 40.0, 40.0))
    assert tables["flows"].set_index("lane").at["sea", "in_containers"] == pytest.approx(50.0)
    assert "<h2>Containers</h2>" in plan_report(run, tmp / "report.html").read_text()
    plan, objective = read_solution(json.loads(json.dumps(solution_document(run))), "profit")
    assert plan["containers"] == [{"lane": "sea", "container": "40HC", "count": 1, "m3": pytest.approx(0.5),
                                   "kg": pytest.approx(50.0)}]
    assert check_plan(run.instance, plan, objective).ok


def test_the_whole_horizon_aggregate_averages_container_prices():
    """The calendar start's one-period aggregate (data/aggregate.py): sea freight at 2x in H1 of two
    equal halves is 1.5x on average, so the box's 60 becomes 90 and LCL's 200 becomes 300."""
    from xborder.data.aggregate import whole_horizon

    doc = two_periods(sea_doc())
    doc["period_freight"] = [{"mode": "sea_freight", "period": "H1", "cost_multiplier": 2}]
    row = whole_horizon(load_document(doc, "peak.json")).tables["containers"].iloc[0]
    assert (row["cost_per_container"], row["lcl_rate_per_m3"]) == pytest.approx((90.0, 300.0))


def test_rounding_takes_whole_containers_to_the_nearest_and_binaries_up():
    """solvers/tree.py `_round` at the first threshold (1e-6): a binary at 0.3 goes up, as a
    covering row needs; a container count at 0.3 goes down and one at 1.6 up (rounding every
    fraction of a box up bought a box for every lane and period of the seasonal demo)."""
    from types import SimpleNamespace

    import numpy as np
    from xborder.solvers.tree import _round

    compiled = SimpleNamespace(col_lower=np.zeros(3), col_upper=np.array([1.0, np.inf, np.inf]))
    lower, upper = _round(np.array([0.3, 0.3, 1.6]), np.ones(3, dtype=bool), 1e-6, compiled)
    assert lower.tolist() == upper.tolist() == [1.0, 0.0, 2.0]


def test_a_container_without_a_type_is_named_container(tmp):
    """A containers row with no `container` label: the plan, the summary and the words call it a container."""
    from xborder.report.summary import summary
    from xborder.report.words import plan_in_words

    doc = copy.deepcopy(CASES["mixed"][0])
    del doc["containers"][0]["container"]
    run = solve_loaded(load_instance(write(doc, tmp)), options=EXACT)
    assert run.plan["containers"] == [{"lane": "sea", "count": 1, "m3": pytest.approx(0.5), "kg": pytest.approx(50.0)}]
    assert "containers: sea 1 x container + 0.2 freight t LCL" in summary(run)
    assert "sea ships 1 x container (0.5 m3" in "\n".join(plan_in_words(run.instance, run.plan))
