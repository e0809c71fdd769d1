"""Trade-off curves, near-optimal alternatives, why and marginal values: hand-computed tiny
cases and cross-checks with the plain solve on the demo."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import DEMO, EXACT, add_market, base_instance, close, solve_doc, tight_demo, write
from test_families import warehouse_route
from xborder.check import check_plan
from xborder.cli import cli
from xborder.data.instance import load_instance
from xborder.pipeline import solve_loaded
from xborder.studies.alternatives import find_alternatives
from xborder.studies.compare import decision_sets
from xborder.studies.explain import why
from xborder.studies.tradeoff import measure_of, trace_tradeoff


def two_lanes():
    """Market A (100 units at margin 10 - 2 = 8 before shipping): slow lane dA (lead 1 + 3 = 4
    days, 1 per unit) and fast lane dF (lead 1 + 1 = 2 days, 3 per unit)."""
    doc = base_instance()
    doc["lanes"].append({"lane": "dF", "from": "origin", "to": "A", "mode": "express", "transit_days": 1, "cost_per_unit": 3})
    return doc


def test_lead_time_frontier_by_hand(tmp_path):
    """Average lead time limit L: x fast units with (2x + 4(100 - x)) / 100 <= L, so x >= 50 (4 - L);
    profit 800 - 3x - (100 - x) = 700 - 2x. L = 4, 3, 2 (plain value to the fastest lane): 700, 600, 500."""
    study = trace_tradeoff(load_instance(write(two_lanes(), tmp_path)), measure_of("lead_time"), points=3, options=EXACT)
    assert list(study.table["limit"]) == pytest.approx([4, 3, 2])
    assert list(study.table["objective"]) == pytest.approx([700, 600, 500])
    assert list(study.table["value"]) == pytest.approx([4, 3, 2])
    assert study.table["checked"].all()


def test_share_within_frontier_by_hand(tmp_path):
    """Share within 2 days s: x = 100 s fast units, profit 700 - 2x: s = 0, 0.5, 1 -> 700, 600, 500."""
    study = trace_tradeoff(load_instance(write(two_lanes(), tmp_path)), measure_of("within", 2), points=3,
                           value_range=(0.0, 1.0), options=EXACT)
    assert list(study.table["objective"]) == pytest.approx([700, 600, 500])


def test_service_level_row_by_hand(tmp_path):
    """Row 12b: at least half of A's units within 2 days: 50 fast units, profit 600; the checker
    rejects the all-slow plan of the plain instance for it."""
    doc = two_lanes()
    doc["markets"][0].update(service_days=2, service_share=0.5)
    solved = solve_doc(doc, tmp_path)
    assert close(solved.objective, 600.0) and solved.evaluation.ok
    slow = {"markets": ["A"], "regimes": [], "channels": [], "certifications": [], "warehouses": [], "mitigations": [],
            "portfolio": [{"product": "P", "market": "A", "units": 100.0}],
            "flows": [{"product": "P", "lane": "dA", "units": 100.0}]}
    ev = check_plan(solved.instance, slow)
    assert [v.family for v in ev.violations] == ["row 12b service level"]
    assert ev.violations[0].amount == pytest.approx(50.0)


def test_service_level_needs_both_columns(tmp_path):
    doc = two_lanes()
    doc["markets"][0]["service_days"] = 2
    result = CliRunner().invoke(cli, ["validate", str(write(doc, tmp_path))])
    assert result.exit_code == 2 and "column 'service_share'" in result.output


def test_demo_frontier_is_monotone_and_starts_at_the_plain_solve():
    plain = solve_loaded(load_instance(DEMO), options=EXACT, duals=False)
    study = trace_tradeoff(load_instance(DEMO), measure_of("warehouses"), options=EXACT)
    objectives = list(study.table["objective"])
    assert math.isclose(objectives[0], plain.result.objective, rel_tol=1e-6)
    assert all(a >= b - 1e-6 * abs(a) for a, b in zip(objectives, objectives[1:]))
    assert all(v <= limit + 1e-9 for v, limit in zip(study.table["value"], study.table["limit"]))
    assert list(study.table["limit"]) == [3, 2, 1, 0] and study.table["checked"].all()


def test_cli_tradeoff_writes_csv_chart_and_points(tmp_path):
    result = CliRunner().invoke(cli, ["tradeoff", str(DEMO), "--vs", "marketing", "--points", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tradeoff.csv").is_file() and (tmp_path / "point-3" / "solution.json").is_file()
    import importlib.util

    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "tradeoff.png").is_file()
    else:  # the optional plot extra is missing: the command says so and writes the rest
        assert "no chart: matplotlib is not installed" in result.output
    bad = CliRunner().invoke(cli, ["tradeoff", str(DEMO), "--vs", "within", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--days" in bad.output


def two_markets():
    """A: (10 - 2 - 1) * 100 = 700; B with a lane costing 2: (10 - 2 - 2) * 100 = 600."""
    return add_market(base_instance(), "B", lane_cost=2)


def test_alternatives_by_hand(tmp_path):
    """Networks by markets entered: {A, B} 1300, {A} 700, {B} 600, {} 0 - in that order."""
    study = find_alternatives(load_instance(write(two_markets(), tmp_path)), 4, options=EXACT, differ_in=["markets"])
    assert [r.result.objective for r in study.runs] == pytest.approx([1300, 700, 600, 0])
    assert [sorted(decision_sets(r.plan)["market"]) for r in study.runs] == [["A", "B"], ["A"], ["B"], []]
    assert all(r.evaluation.ok for r in study.runs)
    within = find_alternatives(load_instance(write(two_markets(), tmp_path)), 4, within=0.5, options=EXACT,
                               differ_in=["markets"])
    assert [r.result.objective for r in within.runs] == pytest.approx([1300, 700])  # 600 is 53.8% behind


def test_demo_alternatives_differ_and_follow_the_best():
    plain = solve_loaded(load_instance(DEMO), options=EXACT, duals=False)
    study = find_alternatives(load_instance(DEMO), 3, options=EXACT, differ_in=["markets", "warehouses"])
    objectives = [r.result.objective for r in study.runs]
    assert math.isclose(objectives[0], plain.result.objective, rel_tol=1e-6)
    assert objectives == sorted(objectives, reverse=True)
    networks = [(frozenset(decision_sets(r.plan)["market"]), frozenset(decision_sets(r.plan)["warehouse"])) for r in study.runs]
    assert len(set(networks)) == 3


def test_why_a_market_is_entered(tmp_path):
    """B is entered; without it the plan loses B's 600: revenue -1000, cost of goods -200,
    transport -200."""
    answer = why(load_instance(write(two_markets(), tmp_path)), "market=B", options=EXACT)
    assert answer.planned and answer.difference == pytest.approx(-600)
    terms = answer.terms().set_index("term")["difference"]
    assert terms["revenue"] == pytest.approx(-1000) and terms["cost_of_goods"] == pytest.approx(-200)
    assert terms["transport"] == pytest.approx(-200)
    assert {"kind": "market", "item": "B", "change": "dropped"} in answer.changes


def test_cli_why_and_bad_question(tmp_path):
    result = CliRunner().invoke(cli, ["explain", str(DEMO), "--why", "market=DE"])
    assert result.exit_code == 0, result.output
    assert "market=DE: not taken" in result.output and "regimes" in result.output
    bad = CliRunner().invoke(cli, ["explain", str(DEMO), "--why", "market=de"])
    assert bad.exit_code == 2 and "did you mean 'DE'" in bad.output
    worse = CliRunner().invoke(cli, ["explain", str(DEMO), "--why", "city=DE"])
    assert worse.exit_code == 2


def test_marginal_value_of_warehouse_capacity_by_hand(tmp_path):
    """Direct: margin 10 - 2 - 1 = 7. Via W (0.3 + 0.2 = 0.5 per unit): 7.5, but W holds 0.5 m3
    = 50 units of 0.01 m3. One more m3 moves 100 more units from direct to W: worth
    100 * (1 - 0.5) = 50. The budget-free count limit max_warehouses = 1 has 0 slack and no dual."""
    doc = warehouse_route(base_instance(max_warehouses=1), capacity=0.5)
    run = solve_loaded(load_instance(write(doc, tmp_path)), options=EXACT)
    assert close(run.result.objective, 50 * 7.5 + 50 * 7)
    values = run.marginal.set_index("family")
    assert values.loc["warehouse_capacity", "value_per_unit"] == pytest.approx(50.0)
    assert values.loc["warehouse_capacity", "slack"] == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(values.loc["max_warehouses", "value_per_unit"])


def test_marginal_value_of_a_service_target_by_hand(tmp_path):
    """Average lead time <= 3 days: 50 fast units (see the lead-time frontier). One more day of
    target allows 50 more slow units, each 2 cheaper: worth 100 per day."""
    doc = two_lanes()
    doc["markets"][0]["target_avg_lead_time_days"] = 3
    run = solve_loaded(load_instance(write(doc, tmp_path)), options=EXACT)
    assert close(run.result.objective, 600.0)
    value = run.marginal.set_index("family").loc["average_service", "value_per_unit"]
    assert value == pytest.approx(100.0)


def test_marginal_values_in_the_solution_file_and_summary(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(tight_demo(tmp_path)), "--out", str(tmp_path), "--mip-gap", "1e-9"])
    assert result.exit_code == 0, result.output
    assert "one more day of average lead time allowed in US is worth 1,533 USD" in result.output
    import json

    doc = json.loads((tmp_path / "solution.json").read_text())
    families = {row["family"] for row in doc["marginal_values"]["limits"]}
    assert {"warehouse_capacity", "average_service", "marketing_budget"} <= families
    assert (tmp_path / "marginal_values.csv").is_file()
    checked = CliRunner().invoke(cli, ["check", str(DEMO), str(tmp_path / "solution.json")])
    assert checked.exit_code == 0, checked.output


def test_payment_loss_frontier_by_hand(tmp_path):
    """Market A loses 10% of revenue to fraud and chargebacks: per unit 10 - 2 - 1 - 0.1 * 10 = 6,
    and 1 of expected loss. Plain: 100 units, profit 600, loss 100. Loss limits 100, 50, 0 hold
    sales to 100, 50, 0 units: profit 600, 300, 0."""
    doc = base_instance()
    doc["markets"][0]["payment_loss_rate"] = 0.1
    study = trace_tradeoff(load_instance(write(doc, tmp_path)), measure_of("payment_loss"), points=3, options=EXACT)
    assert list(study.table["limit"]) == pytest.approx([100, 50, 0])
    assert list(study.table["value"]) == pytest.approx([100, 50, 0], abs=1e-6)
    assert list(study.table["objective"]) == pytest.approx([600, 300, 0], abs=1e-6)
    assert study.table["checked"].all()


def test_marketing_frontier_by_hand(tmp_path):
    """No organic demand; channel c1 (50 to run) unlocks 1000 * 0.1 = 100 units, c2 (20) unlocks 50;
    margin 10 - 2 - 1 = 7. Plain: both, 1050 - 70 = 980 at spend 70. Limit 35: c2 only, 350 - 20
    = 330 at 20. Limit 0: nothing runs, 0."""
    doc = base_instance()
    del doc["product_markets"]
    doc["channels"] = [{"channel": "c1"}, {"channel": "c2"}]
    doc["market_channels"] = [{"market": "A", "channel": "c1", "reach": 1000, "conversion": 0.1, "activation_cost": 50},
                              {"market": "A", "channel": "c2", "reach": 500, "conversion": 0.1, "activation_cost": 20}]
    study = trace_tradeoff(load_instance(write(doc, tmp_path)), measure_of("marketing"), points=3, options=EXACT)
    assert list(study.table["limit"]) == pytest.approx([70, 35, 0])
    assert list(study.table["value"]) == pytest.approx([70, 20, 0])
    assert list(study.table["objective"]) == pytest.approx([980, 330, 0], abs=1e-6)


def test_a_point_that_sells_nothing_is_not_on_the_frontier(tmp_path):
    """two_lanes at an average-lead-time limit of 1 day (faster than any lane): the only plan sells
    nothing; its value is missing (not 0 days) and the row says why."""
    study = trace_tradeoff(load_instance(write(two_lanes(), tmp_path)), measure_of("lead_time"), points=2,
                           value_range=(4.0, 1.0), options=EXACT)
    last = study.table.iloc[-1]
    assert last["objective"] == pytest.approx(0.0, abs=1e-6) and pd.isna(last["value"])
    assert last["changes"].startswith("sells nothing: no average lead time")


def test_why_lines_add_up_to_the_difference():
    """explain --why market=DE on the demo: every money term that differs is listed with its effect
    on the profit, and the effects add up to the difference of the two plans."""
    from xborder.report.studies import why_lines

    answer = why(load_instance(DEMO), "market=DE", options=EXACT)
    lines = why_lines(answer, "USD", "profit")
    start = next(i for i, line in enumerate(lines) if line.startswith("What accounts for it"))
    effects = [line.split() for line in lines[start + 1:] if line.startswith("  ")]
    amounts = {parts[0]: float(parts[1].replace(",", "")) for parts in effects}
    total = amounts.pop("total")
    assert sum(amounts.values()) == pytest.approx(total, abs=len(amounts))  # each line is rounded to whole USD
    assert total == pytest.approx(answer.difference, abs=1.0)
    assert "fx" in amounts  # the term the old top-six list left out


@pytest.mark.parametrize("command", [["tradeoff", "--vs", "warehouses", "--points", "2"], ["alternatives", "--k", "2"],
                                     ["explain", "--why", "market=B"]])
def test_study_solvers_are_used_or_refused(tmp_path, command):
    """--solver reaches every solve of a study: an unknown one is refused before anything is
    solved (exit 2), and another installed back end (GLPK) solves it: A 700 + B (10 - 2 - 2) 100
    = 1,300."""
    from xborder.solvers import available_solvers

    instance = str(write(add_market(base_instance(), "B", lane_cost=2), tmp_path))
    out = [] if command[0] == "explain" else ["--out", str(tmp_path / "o")]
    bad = CliRunner().invoke(cli, [command[0], instance, *command[1:], "--solver", "nonexistent", *out])
    assert bad.exit_code == 2 and "unknown solver 'nonexistent'" in bad.output, bad.output
    assert not (tmp_path / "o").exists()
    if not available_solvers()["glpk"][0]:
        pytest.skip("GLPK is not installed here (Debian package glpk-utils)")
    done = CliRunner().invoke(cli, [command[0], instance, *command[1:], "--solver", "glpk", *out])
    assert done.exit_code == 0 and "1,300" in done.output, done.output


def test_explain_says_what_each_limit_leaves_in_its_own_terms():
    """The demo's limits without a value: the marketing budget and max_warehouses say why they
    have none (integer decisions only) and how to price them; the payment-loss cap is a rate, so
    its room is expected loss below what it allows, not "USD unused"; a committed volume is a
    minimum, so its room is units sold above it."""
    result = CliRunner().invoke(cli, ["explain", str(DEMO)])
    assert result.exit_code == 0, result.output
    lines = {line.split(":")[0].strip(): line for line in result.output.splitlines() if line.startswith("  settings.")
             or line.startswith("  product_markets.")}
    assert "no LP dual" in lines["settings.marketing_budget [all]"] and "tradeoff --vs marketing" in lines["settings.marketing_budget [all]"]
    assert "no LP dual" in lines["settings.max_warehouses [all]"]
    payment = lines["settings.max_payment_loss_rate [all]"]
    assert "below what max_payment_loss_rate allows" in payment and "unused" not in payment
    committed = next(v for k, v in lines.items() if k.startswith("product_markets.min_units"))
    assert "sold above the committed volume" in committed and "unused" not in committed


def test_tradeoff_names_only_the_files_it_wrote(tmp_path, monkeypatch):
    import xborder.report.studies as studies

    monkeypatch.setattr(studies, "tradeoff_chart", lambda *a: "no chart: matplotlib is not installed (pip install 'xborder[plot]')")
    result = CliRunner().invoke(cli, ["tradeoff", str(write(two_lanes(), tmp_path)), "--vs", "lead_time", "--points", "2",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "tradeoff.png" not in result.output and "tradeoff.csv" in result.output and "no chart" in result.output
    assert not (tmp_path / "o" / "tradeoff.png").exists()
