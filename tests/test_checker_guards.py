"""The checker cannot be fooled: strict solution files, boundaries just within and just over,
and rejections for the payment-risk rows 17-21.

Unless a docstring says otherwise the instance is conftest's base: product P (unit cost 2, price
10, 1 kg, 0.01 m3), market A with 100 organic units, direct lane dA at 1 per unit with lead time
1 (origin processing) + 3 (transit) = 4 days; base profit (10 - 2 - 1) * 100 = 700.
"""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from conftest import DEMO, add_market, base_instance, close, solve_doc, write
from xborder.check import check_plan
from xborder.cli import cli

# ---- strict solution files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_solution(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert CliRunner().invoke(cli, ["solve", str(DEMO), "--out", str(out), "--quiet"]).exit_code == 0
    return json.loads((out / "solution.json").read_text())


def _check(tmp_path, doc, *extra):
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(doc))
    return CliRunner().invoke(cli, ["check", str(DEMO), str(path), *extra])


def test_the_written_solution_passes(tmp_path, demo_solution):
    result = _check(tmp_path, demo_solution)
    assert result.exit_code == 0 and "check passed" in result.output


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("objective"), "'objective' must be the plan's profit as a number, got None"),
    (lambda d: d.__setitem__("objective", None), "got None"),
    (lambda d: d.__setitem__("objective", "816818"), "got '816818'"),
    (lambda d: d.__setitem__("status", "infeasible"), "status 'infeasible'"),
    (lambda d: d.__setitem__("status", "solved"), "'status' must be one of"),
    (lambda d: d.__setitem__("has_plan", False), "holds no plan"),
    (lambda d: d.__setitem__("objective_kind", "cost"), "'objective_kind' is 'cost'"),
    (lambda d: d.__setitem__("discount", 5), "unknown field(s) 'discount'"),
    (lambda d: d["decisions"].__setitem__("bonus_markets", []), "unknown: bonus_markets"),
    (lambda d: d["decisions"]["portfolio"][0].__setitem__("discount", 1), "decisions.portfolio[0]: unknown field(s) discount"),
    (lambda d: d["decisions"]["portfolio"][0].pop("units"), "decisions.portfolio[0]: missing units"),
    (lambda d: d["flows"][2].__setitem__("units", "12"), "flows[2].units: expected a finite number"),
    (lambda d: d["decisions"].__setitem__("markets", "US"), "decisions.markets must be a list of ids"),
], ids=["no-objective", "null-objective", "text-objective", "status-infeasible", "unknown-status", "has-plan-false",
        "other-objective-kind", "unknown-top-field", "unknown-decision", "unknown-record-field", "missing-units",
        "text-units", "markets-not-a-list"])
def test_malformed_solution_is_exit_2(tmp_path, demo_solution, change, message):
    doc = copy.deepcopy(demo_solution)
    change(doc)
    result = _check(tmp_path, doc)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_unknown_certification_is_a_violation_not_free(tmp_path, demo_solution):
    doc = copy.deepcopy(demo_solution)
    doc["decisions"]["certifications"].append({"product": doc["decisions"]["portfolio"][0]["product"],
                                               "certification": "FAKE_CERT"})
    result = _check(tmp_path, doc)
    assert result.exit_code == 1 and "unknown id in certifications" in result.output and "FAKE_CERT" in result.output


def _split_plan_doc(tmp_path):
    """A with two direct lanes (dA at 1, eA at 1.5, same lead time) and lane capacity 60 kg on
    dA: the split optimum ships 60 on dA and 40 on eA: 700 - 0.5 * 40 = 680."""
    doc = base_instance()
    doc["lanes"][0]["capacity_kg"] = 60
    doc["lanes"].append({"lane": "eA", "from": "origin", "to": "A", "mode": "express", "transit_days": 3, "cost_per_unit": 1.5})
    path = write(doc, tmp_path, "two-lanes")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["solve", str(path), "--out", str(out), "--quiet"]).exit_code == 0
    return path, out / "solution.json"


def test_single_sourcing_is_checked_when_asked_not_only_when_claimed(tmp_path):
    path, solution = _split_plan_doc(tmp_path)
    doc = json.loads(solution.read_text())
    assert close(doc["objective"], 680.0) and len(doc["flows"]) == 2
    assert CliRunner().invoke(cli, ["check", str(path), str(solution)]).exit_code == 0
    asked = CliRunner().invoke(cli, ["check", str(path), str(solution), "--sourcing", "single"])
    assert asked.exit_code == 1 and "single sourcing" in asked.output
    doc["run"]["formulation"] = "linking=strong,demand=aggregated,flow=arc,sourcing=single"
    solution.write_text(json.dumps(doc))
    claimed = CliRunner().invoke(cli, ["check", str(path), str(solution), "--sourcing", "split"])
    assert claimed.exit_code == 1 and "single sourcing" in claimed.output


# ---- boundaries: just within, just over ----------------------------------------------------------


def _with_express(doc):
    """An express lane eA at 3 per unit, transit 1 (lead time 2 days): the fallback."""
    doc["lanes"].append({"lane": "eA", "from": "origin", "to": "A", "mode": "express", "transit_days": 1, "cost_per_unit": 3})
    return doc


def _solve_both(tmp_path, within, over, expected_within, expected_over):
    """Solve both instances (hand values given), then check the within-plan against the over-
    instance: it must be rejected."""
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    a, b = solve_doc(within, tmp_path / "a"), solve_doc(over, tmp_path / "b")
    assert a.evaluation.ok and b.evaluation.ok
    assert close(a.objective, expected_within), a.objective
    assert close(b.objective, expected_over), b.objective
    return check_plan(b.instance, a.plan, a.objective)


def test_promise_just_within_and_just_over(tmp_path):
    """dA's lead time is 4 days. Promise 4: dA serves A, 700. Promise 3.99: only express eA
    (3 per unit): (10 - 2 - 3) * 100 = 500. A tolerance of even 0.4 days would let dA serve."""
    within = _with_express(base_instance())
    within["markets"][0]["max_lead_time_days"] = 4
    over = copy.deepcopy(within)
    over["markets"][0]["max_lead_time_days"] = 3.99
    rejected = _solve_both(tmp_path, within, over, 700.0, 500.0)
    assert any(v.family == "row 4 lane slower than the promise" for v in rejected.violations)


def test_lane_capacity_just_within_and_just_over(tmp_path):
    """dA carries 100 kg at capacity 100: 700. At 99.9 kg, 0.1 unit goes express (2 more per
    unit): 700 - 0.2 = 699.8."""
    within = _with_express(base_instance())
    within["lanes"][0]["capacity_kg"] = 100
    over = copy.deepcopy(within)
    over["lanes"][0]["capacity_kg"] = 99.9
    rejected = _solve_both(tmp_path, within, over, 700.0, 699.8)
    assert [v.family for v in rejected.violations] == ["row 11 lane capacity"]
    assert rejected.violations[0].amount == pytest.approx(0.1)


def test_warehouse_capacity_just_within_and_just_over(tmp_path):
    """Via warehouse W a unit costs 0.3 + 0.2 = 0.5 instead of 1 direct: 100 units need 1 m3.
    Capacity 1: all via W, 700 + 50 = 750. Capacity 0.999: 99.9 via W, 0.1 direct: 749.95."""
    def doc(capacity):
        d = base_instance()
        d["warehouses"] = [{"warehouse": "W", "capacity_m3": capacity}]
        d["lanes"] += [{"lane": "lh", "from": "origin", "to": "W", "mode": "sea_freight", "transit_days": 20, "cost_per_unit": 0.3},
                       {"lane": "lm", "from": "W", "to": "A", "mode": "courier", "transit_days": 1, "cost_per_unit": 0.2}]
        return d

    rejected = _solve_both(tmp_path, doc(1.0), doc(0.999), 750.0, 749.95)
    assert [v.family for v in rejected.violations] == ["row 10 warehouse capacity"]


def test_marketing_budget_just_within_and_just_over(tmp_path):
    """Channel T (reach 1000 x conversion 0.1 = 100 more units, activation 100): with budget 100
    it runs: 7 * 200 - 100 = 1300. With 99.99 it cannot: 700."""
    within = base_instance(marketing_budget=100)
    within["channels"] = [{"channel": "T"}]
    within["market_channels"] = [{"market": "A", "channel": "T", "reach": 1000, "conversion": 0.1, "activation_cost": 100}]
    over = copy.deepcopy(within)
    over["settings"]["marketing_budget"] = 99.99
    rejected = _solve_both(tmp_path, within, over, 1300.0, 700.0)
    assert [v.family for v in rejected.violations] == ["row 13 marketing budget"]


def test_de_minimis_just_within_and_just_over(tmp_path):
    """Duty 10% of the price (1 per unit) unless the order value 10 x 1 is at or under the
    threshold: threshold 10 gives 700; 9.99 gives 700 - 100 = 600. The within-plan reported at
    700 on the over-instance is an objective mismatch."""
    within = base_instance()
    within["markets"][0].update(duty_rate=0.1, de_minimis_value=10)
    over = copy.deepcopy(within)
    over["markets"][0]["de_minimis_value"] = 9.99
    rejected = _solve_both(tmp_path, within, over, 700.0, 600.0)
    assert rejected.feasible and not rejected.objective_matches and close(rejected.objective, 600.0)


# ---- rows 17-21: the checker rejects, and row 20 binds with mitigation ----------------------------


@pytest.fixture
def mitigated(tmp_path):
    """Rows 17-19 case: revenue 1000, loss rate 0.05 mitigated to 0.01 at cost 20: 670."""
    doc = base_instance()
    doc["markets"][0].update(payment_loss_rate=0.05, mitigation_cost=20, mitigated_loss_rate=0.01)
    solved = solve_doc(doc, tmp_path)
    assert solved.evaluation.ok and close(solved.objective, 670.0)
    return solved


def test_row18_rejects_cover_beyond_revenue(mitigated):
    plan = copy.deepcopy(mitigated.plan)
    plan["mitigations"][0]["covered_revenue"] = 1500.0
    ev = check_plan(mitigated.instance, plan, mitigated.objective)
    assert {v.family for v in ev.violations} == {"row 18 Rv <= Rev", "row 18 Rv <= RevMax v"}
    assert not ev.objective_matches  # row 19: the loss is recomputed from the covered revenue


def test_row18_rejects_cover_without_buying_mitigation_in_an_unmitigable_market(mitigated):
    doc = copy.deepcopy(mitigated.plan)
    instance = mitigated.instance
    instance.tables["markets"].loc[0, "mitigation_cost"] = float("nan")
    ev = check_plan(instance, doc, mitigated.objective)
    assert "row 18 mitigation not offered in market" in {v.family for v in ev.violations}


def test_rows17_19_reported_loss_must_match(mitigated):
    """Row 19's loss is part of the objective: a plan claiming the unmitigated 0.01 x 1000 were
    not paid (680 instead of 670) is an objective mismatch."""
    ev = check_plan(mitigated.instance, mitigated.plan, 680.0)
    assert ev.feasible and not ev.objective_matches


def test_row20_binds_with_mitigation(tmp):
    """Row 20 with mitigation: A loses 5% (mitigable at 20 down to 4.5%), B nothing, cap 2%.
    Full cover Rv = 10 qA: 0.5 qA - 0.005 * 10 qA <= 0.02 (10 qA + 1000) gives qA <= 80, each
    worth 7 - 0.5 + 0.05 = 6.55: 524 - 20 + 700 = 1204 > 3400/3 unmitigated. The cap binds:
    loss 36 = 0.02 * 1800."""
    doc = add_market(base_instance(max_payment_loss_rate=0.02), "B")
    doc["markets"][0].update(payment_loss_rate=0.05, mitigation_cost=20, mitigated_loss_rate=0.045)
    solved = solve_doc(doc, tmp)
    assert solved.evaluation.ok and close(solved.objective, 1204.0)
    units = {o["market"]: o["units"] for o in solved.plan["portfolio"]}
    assert units["A"] == pytest.approx(80.0) and solved.evaluation.payment_loss_rate == pytest.approx(0.02)
    over = copy.deepcopy(solved.plan)
    over["portfolio"] = [dict(o, units=o["units"] + (1 if o["market"] == "A" else 0)) for o in over["portfolio"]]
    over["flows"] = [dict(f, units=f["units"] + (1 if f["to"] == "A" else 0)) for f in over["flows"]]
    over["mitigations"][0]["covered_revenue"] = 810.0
    ev = check_plan(solved.instance, over)
    assert [v.family for v in ev.violations] == ["row 20 payment risk cap"]


def test_row21_rejects_a_share_above_its_cap(tmp):
    """Row 21 case (A at most 40% of revenue, optimum qA = 200/3): one more unit in A breaks it."""
    doc = add_market(base_instance(), "B")
    doc["markets"][0]["max_revenue_share"] = 0.4
    solved = solve_doc(doc, tmp)
    assert solved.evaluation.ok and close(solved.objective, 3500.0 / 3.0)
    over = copy.deepcopy(solved.plan)
    over["portfolio"] = [dict(o, units=o["units"] + (1 if o["market"] == "A" else 0)) for o in over["portfolio"]]
    over["flows"] = [dict(f, units=f["units"] + (1 if f["to"] == "A" else 0)) for f in over["flows"]]
    ev = check_plan(solved.instance, over)
    assert [v.family for v in ev.violations] == ["row 21 revenue concentration"]
