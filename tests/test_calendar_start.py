"""The calendar start (pipeline.py, `_calendar_steps`): the whole-horizon aggregate, its horizon
decisions fixed on the calendar, and that plan as the full solve's start. It may only speed the
solve: the optimum is the same with it and without it, a start plan is kept only when it
satisfies the model, and the option is used or refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import DEMO, EXACT, base_instance, write
from test_periods import SEASONAL, peak_instance
from xborder import pipeline
from xborder.cli import cli
from xborder.data.aggregate import whole_horizon
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.extract import horizon_decision_columns
from xborder.pipeline import PlanModel
from xborder.solvers import SolveOptions
from xborder.solvers.compile import CompiledModel


def quarters(doc: dict) -> dict:
    """Four quarters with a Q4 peak (x2) and sea freight 1.5x dearer in Q3."""
    doc["periods"] = [{"period": f"Q{i}", "order": i, "length_days": d} for i, d in enumerate((90, 91, 92, 92), 1)]
    doc["seasonality"] = [{"market": m["market"], "period": "Q4", "demand_multiplier": 2.0} for m in doc["markets"]]
    doc["period_freight"] = [{"mode": "sea_freight", "period": "Q3", "cost_multiplier": 1.5}]
    return doc


def test_whole_horizon_drops_the_calendar_and_averages_freight():
    """Peak instance with sea 2x dearer in B (10 of 40 days): sea's mean multiplier is
    (30 * 1 + 10 * 2) / 40 = 1.25, so its cost per unit 1 becomes 1.25; air (no surcharge) stays 3.
    Demand stays per horizon (100 units)."""
    doc = peak_instance()
    doc["period_freight"] = [{"mode": "sea_freight", "period": "B", "cost_multiplier": 2.0}]
    instance = load_document(doc, "peak.json")
    whole = whole_horizon(instance)
    assert instance.seasonal and not whole.seasonal
    assert whole.tables["period_freight"].empty and whole.tables["seasonality"].empty
    cost = dict(zip(whole.tables["lanes"]["lane"], whole.tables["lanes"]["cost_per_unit"]))
    assert cost["sea"] == pytest.approx(1.25) and cost["air"] == pytest.approx(3.0)
    assert whole.tables["product_markets"]["base_demand"].tolist() == [100]
    assert instance.tables["lanes"]["cost_per_unit"].tolist()[0] == 1  # the instance itself is untouched


def test_whole_horizon_counts_what_carry_over_adds_to_demand():
    """Two periods of 20 days (shares 0.5, 0.5), retention 0.5 in market A, word of mouth rho 0.2
    on its channel. Organic demand: b_1 = 0.5, b_2 = 0.5 + 0.5 * 0.5 = 0.75, so 100 units become
    125; the channel's reach: b_1 = 0.5, b_2 = 0.5 + 0.2 * 0.5 + 0.5 * 0.5 = 0.85, so 1,000 people
    become 1,350. Without carry-over the tables stay as they are, and in cost mode too."""
    doc = base_instance(horizon_days=40)
    doc["periods"] = [{"period": "A1", "order": 1, "length_days": 20}, {"period": "A2", "order": 2, "length_days": 20}]
    doc["markets"][0]["retention"] = 0.5
    doc["channels"] = [{"channel": "social"}]
    doc["market_channels"] = [{"market": "A", "channel": "social", "activation_cost": 10, "reach": 1000,
                               "conversion": 0.01, "rho": 0.2}]
    whole = whole_horizon(load_document(doc, "carried.json"))
    assert whole.tables["product_markets"]["base_demand"].tolist() == pytest.approx([125.0])
    assert whole.tables["market_channels"]["reach"].tolist() == pytest.approx([1350.0])
    doc["markets"][0]["retention"] = 0.0
    doc["market_channels"][0]["rho"] = 0.0
    plain = whole_horizon(load_document(doc, "plain.json"))
    assert plain.tables["product_markets"]["base_demand"].tolist() == pytest.approx([100.0])
    assert plain.tables["market_channels"]["reach"].tolist() == pytest.approx([1000.0])


def test_horizon_decisions_read_back_what_the_plan_decided():
    """`horizon_decision_columns` inverts `extract_plan`: on the solved seasonal demo its values are
    the model's own values of those columns (and some decisions are taken, some not)."""
    model = PlanModel(load_instance(SEASONAL))
    run = model.solve(SolveOptions(time_limit=5), duals=False)
    columns, values = horizon_decision_columns(model.model, run.plan)
    assert np.array_equal(values, np.round(run.values[columns]))
    assert 0 < values.sum() < len(values)


@pytest.mark.parametrize("name,doc", [
    ("peak", peak_instance),
    ("generated s in quarters", lambda: quarters(generate(GeneratorSpec(30, 4, 3, 3, "profit")))),
    ("generated s in quarters, cost", lambda: quarters(generate(GeneratorSpec(30, 4, 3, 5, "cost")))),
])
def test_the_calendar_start_reaches_the_same_optimum(name, doc):
    """Solved to optimality with the calendar start and without it: the same optimum, and the
    start's plan (fixed horizon decisions) is never better than the final one (it is kept as a
    start, so the final plan can only improve on it)."""
    instance = load_document(doc(), f"{name}.json")
    cold = PlanModel(instance).solve(SolveOptions(mip_gap=1e-9, calendar_start=False), duals=False)
    warm = PlanModel(instance).solve(SolveOptions(mip_gap=1e-9, calendar_start=True), duals=False)
    assert cold.evaluation.ok and warm.evaluation.ok
    assert warm.result.objective == pytest.approx(cold.result.objective, rel=1e-7)
    facts = warm.facts()["calendar_start"]
    assert cold.facts()["calendar_start"] is None
    assert facts["whole_horizon_objective"] is not None and facts["fixed_objective"] is not None
    assert facts["fixed_objective"] <= warm.result.objective + 1e-6


def test_the_fixed_calendar_runs_the_guides_channels_all_year_first_then_frees_the_calendar(monkeypatch):
    """Step 2 of the calendar start on a small generated calendar: (a) the horizon decisions and the
    campaign calendar fixed (each channel of the whole-horizon plan in every period), then (b) the
    calendar free, started from (a)'s plan; the better of the two is the start, and it keeps every
    row. (a) alone is what the 12-month size-l case of another calendar needs, where (b) found
    nothing better than doing nothing by its deadline."""
    from xborder.solvers.highs import HighsSolver

    instance = load_document(quarters(generate(GeneratorSpec(30, 4, 3, 3, "profit"))), "quarters.json")
    whole = PlanModel(whole_horizon(instance)).solve(EXACT, duals=False)
    model = PlanModel(instance)
    compiled = CompiledModel(model.model)
    campaign = model.model.cols.span("s")
    running = np.array([any(r["market"] == m and r["channel"] == c for r in whole.plan["channels"])
                        for m, c in zip(model.model.ix.channels["market"], model.model.ix.channels["channel"])])
    calls, solve_matrices = [], HighsSolver.solve_matrices

    def recorded(self, problem, options, budget=None, start=None, until=float("inf")):
        solution = solve_matrices(self, problem, options, budget, start, until)
        calls.append((problem.col_lower[campaign].copy(), problem.col_upper[campaign].copy(), start, solution.values))
        return solution

    monkeypatch.setattr(HighsSolver, "solve_matrices", recorded)
    plan = model._fixed_calendar(whole.plan, compiled, EXACT, "highs", float("inf"))
    assert len(calls) == 2
    (lower_a, upper_a, start_a, values_a), (lower_b, upper_b, start_b, values_b) = calls
    assert running.any() and start_a is None and (lower_a == upper_a).all()
    assert (lower_a == np.tile(running, model.model.axis.count)).all()
    assert (upper_b > lower_b).any() and np.array_equal(start_b, compiled.rounded(values_a))
    assert compiled.satisfies(plan)
    assert compiled.objective_of(plan) == max(compiled.objective_of(values_a), compiled.objective_of(values_b))


def test_by_default_only_large_multi_period_models_under_a_limit(monkeypatch):
    """The default: off below CALENDAR_START_MIN_COLUMNS columns or without a time limit; with
    the threshold at 0 and a limit, on."""
    instance = load_document(quarters(generate(GeneratorSpec(30, 4, 3, 3, "profit"))), "q.json")
    assert PlanModel(instance).solve(SolveOptions(time_limit=30), duals=False).facts()["calendar_start"] is None
    monkeypatch.setattr(pipeline, "CALENDAR_START_MIN_COLUMNS", 0)
    assert PlanModel(instance).solve(SolveOptions(), duals=False).facts()["calendar_start"] is None
    on = PlanModel(instance).solve(SolveOptions(time_limit=30), duals=False)
    assert on.facts()["calendar_start"]["fixed_objective"] is not None and on.evaluation.ok


def test_a_start_that_satisfies_the_model_is_kept_when_no_time_is_left():
    """With 1 ms, HiGHS's MIP does not start: the solve returns the start plan it was given
    (checked), and refuses a start that breaks a row (a sale above its demand)."""
    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    kept = model.solve(SolveOptions(time_limit=0.001, start=best.values), duals=False)
    assert kept.has_plan and kept.evaluation.ok
    assert kept.result.objective == pytest.approx(best.result.objective, rel=1e-9)
    broken = best.values.copy()
    sales = model.model.cols.span("q")
    broken[sales[np.argmax(broken[sales])]] *= 10
    compiled = CompiledModel(model.model)
    assert compiled.satisfies(best.values) and not compiled.satisfies(broken)
    assert not model.solve(SolveOptions(time_limit=0.001, start=broken), duals=False).has_plan


@pytest.mark.parametrize("args,message", [
    (["instances/demo.json", "--calendar-start"], "two or more periods"),
    (["instances/demo-seasonal.json", "--calendar-start", "--solver", "glpk"], "needs the HiGHS back end"),
    (["instances/demo-seasonal.json", "--calendar-start", "--threads", "1"], "use one or the other"),
    (["instances/demo-seasonal.json", "--sample-start"], "one-period instances"),
    (["instances/demo.json", "--sample-start", "--solver", "glpk"], "the sample start needs the HiGHS back end"),
    (["instances/demo.json", "--sample-start", "--threads", "1"], "use one or the other"),
])
def test_a_start_option_is_refused_where_it_cannot_apply(tmp_path, args, message):
    """Both guided starts (the calendar start here, the sample start of test_sample_start.py):
    asked for where they cannot run, the command exits 2 naming why and writes nothing."""
    args = [str(DEMO.parents[1] / args[0]), *args[1:], "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, ["solve", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_the_cli_reports_the_calendar_start(tmp_path):
    """`--calendar-start` on the seasonal demo: the progress line and the solution's run facts."""
    doc = quarters(base_instance())
    path = write(doc, tmp_path)
    result = CliRunner().invoke(cli, ["solve", str(path), "--calendar-start", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "calendar start: whole-horizon plan 700" in result.output
    facts = json.loads((tmp_path / "out" / "solution.json").read_text())["run"]["calendar_start"]
    assert facts["whole_horizon_objective"] == pytest.approx(700) and facts["fixed_objective"] == pytest.approx(700)


def test_a_start_arriving_during_the_solve_is_taken_once_and_only_if_it_satisfies_the_model():
    """`ArrivingStart` over a Future: nothing before it is done, the plan once after, never a plan
    that breaks a row, nothing from a Future that failed."""
    from concurrent.futures import Future

    from xborder.solvers.prepare import ArrivingStart

    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    compiled = CompiledModel(model.model)
    future = Future()
    arriving = ArrivingStart(future, compiled)
    assert arriving.take() is None and arriving.pending
    future.set_result(best.values)
    assert np.array_equal(arriving.take(), compiled.rounded(best.values))
    assert arriving.take() is None and not arriving.pending
    broken = best.values.copy()
    sales = model.model.cols.span("q")
    broken[sales[np.argmax(broken[sales])]] *= 10
    assert ArrivingStart(broken, compiled).take() is None
    failed = Future()
    failed.set_exception(RuntimeError("no plan"))
    assert ArrivingStart(failed, compiled).take() is None


def test_a_late_start_is_kept_if_better_and_handed_to_highs_at_its_callback():
    """HiGHS's user-solution callback with a start that arrived during the MIP: with no plan held
    it is kept; against a plan as good it is not (the held one stays); HiGHS is handed it either way."""
    from concurrent.futures import Future
    from types import SimpleNamespace

    import highspy

    from xborder.solvers.highs import _arrival_handler
    from xborder.solvers.prepare import ArrivingStart, PlanOffers, Preparation

    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    compiled = CompiledModel(model.model)
    held_plan = compiled.rounded(best.values)
    for held in (None, held_plan):
        future = Future()
        future.set_result(best.values)
        prep = Preparation(start_plan=held)
        handed = []
        event = SimpleNamespace(data_in=SimpleNamespace(setSolution=lambda p: handed.append(p) or highspy.HighsStatus.kOk))
        _arrival_handler(ArrivingStart(future, compiled), PlanOffers(compiled), prep, compiled)(event)
        if held is None:
            assert np.array_equal(prep.start_plan, held_plan)
        else:
            assert prep.start_plan is held
        assert len(handed) == 1 and np.array_equal(handed[0], held_plan)


def test_waiting_for_an_arriving_start_ends_when_it_arrives_at_until_or_at_a_stop_request():
    """`ArrivingStart.wait`: a plan set 0.3 s into the wait is returned as soon as it is there
    (not at `until`); with `until` 0.2 s away and no plan coming the wait returns None by then; a
    stop request ends it at once; a plain vector is taken without waiting."""
    import threading
    import time
    from concurrent.futures import Future

    from xborder.solvers.budget import Budget
    from xborder.solvers.prepare import ArrivingStart

    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    compiled = CompiledModel(model.model)
    future = Future()
    threading.Timer(0.3, future.set_result, args=(best.values,)).start()
    began = time.perf_counter()
    plan = ArrivingStart(future, compiled).wait(Budget(60), began + 30)
    assert np.array_equal(plan, compiled.rounded(best.values)) and 0.25 < time.perf_counter() - began < 5
    began = time.perf_counter()
    assert ArrivingStart(Future(), compiled).wait(Budget(60), began + 0.2) is None
    assert 0.15 < time.perf_counter() - began < 2
    halted = Budget(60)
    halted.halt()
    began = time.perf_counter()
    assert ArrivingStart(Future(), compiled).wait(halted, began + 30) is None and time.perf_counter() - began < 1
    assert np.array_equal(ArrivingStart(best.values, compiled).wait(Budget(60), began), compiled.rounded(best.values))


def test_after_an_abandoned_root_lp_the_solve_waits_for_the_arriving_start_rather_than_start_highs(monkeypatch):
    """The 12-month size-l case in small: the root LP is abandoned (here before it begins) and the
    calendar start's plan is still on its way (here the optimum, set 2 s into the solve). The solve
    waits for it, does not start HiGHS's MIP (which would begin by solving the abandoned LP again),
    and ends with that plan, checked."""
    import threading
    from concurrent.futures import Future

    import xborder.solvers.prepare as prepare_module

    solve_root = prepare_module.solve_root

    def abandoned_root(relaxed, lp_until=None, progress=None, **extension):
        report = solve_root(relaxed, 0.0)  # `until` long past: the LP is not solved
        report.lp_seconds = 1000.0  # as if it had run far longer than the limit leaves
        return report

    monkeypatch.setattr(prepare_module, "solve_root", abandoned_root)
    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    future = Future()
    threading.Timer(2.0, future.set_result, args=(best.values,)).start()
    run = model.solve(SolveOptions(time_limit=30, start=future, calendar_start=False), duals=False)
    assert run.facts()["root_lp_abandoned"] and not run.result.extra["stages"]["highs_mip"]
    assert run.has_plan and run.evaluation.ok
    assert run.result.objective == pytest.approx(best.result.objective, rel=1e-9)


def test_the_quick_rounding_is_left_out_when_a_start_is_already_in_hand(monkeypatch):
    """The nearest rounding right after the root LP is there to have a plan at once; with a start
    plan in hand (a calendar or sample start that arrived during the root LP; here the optimum
    given as the start) it is not run, and its time goes to the cut rounds. Without a start it runs."""
    import xborder.solvers.prepare as prepare_module

    rounding = prepare_module.nearest_rounding
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return rounding(*args, **kwargs)

    monkeypatch.setattr(prepare_module, "nearest_rounding", counted)
    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    calls.clear()
    with_start = model.solve(SolveOptions(time_limit=60, warm_start=True, start=best.values), duals=False)
    assert not calls and with_start.evaluation.ok
    assert with_start.result.objective == pytest.approx(best.result.objective, rel=1e-9)
    without = model.solve(SolveOptions(time_limit=60, warm_start=True), duals=False)
    assert calls and without.evaluation.ok


def test_with_a_plan_in_hand_the_root_lp_runs_past_its_share_for_a_bound(monkeypatch):
    """With a start in hand (a calendar start that arrived, here the optimum given as the start)
    HiGHS's MIP would not start after a root LP abandoned at its share, so the LP runs on to the
    deadline and gives the run its bound (the 12-month size-m case of another calendar, whose LP
    needs 66 s alone, had ended at its 90 s share with no bound). Without a plan the LP is
    abandoned at its share as before. The share is made to pass before the LP begins."""
    import xborder.solvers.prepare as prepare_module

    monkeypatch.setattr(prepare_module, "ROOT_LP_SHARE", 1e-9)
    model = PlanModel(load_instance(DEMO))
    best = model.solve(EXACT, duals=False)
    held = model.solve(SolveOptions(time_limit=60, start=best.values), duals=False)
    assert not held.facts().get("root_lp_abandoned") and held.result.extra["root_cuts"]["lp_bound_before"] is not None
    assert held.evaluation.ok and held.result.objective == pytest.approx(best.result.objective, rel=1e-9)
    cold = model.solve(SolveOptions(time_limit=60), duals=False)
    assert cold.facts()["root_lp_abandoned"] and cold.evaluation.ok
