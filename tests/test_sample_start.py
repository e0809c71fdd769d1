"""The sample start (pipeline.py, `_sample_steps`): a scale model of about SAMPLE_PRODUCTS
products with the shared costs and capacities scaled to them, the full model's LP with its shared
decisions fixed, rounded, and that plan as the full solve's start. It may only speed the solve:
the optimum is the same with it and without it, and the option is used or refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import DEMO, EXACT, write
from xborder import pipeline
from xborder.cli import cli
from xborder.data.aggregate import product_sample
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.extract import shared_decision_columns
from xborder.pipeline import PlanModel
from xborder.report.summary import nothing_found
from xborder.solvers import SolveOptions, Status

GENERATED = GeneratorSpec(40, 4, 3, 7, "profit", ("creators", "origins", "payment_methods"))


def test_product_sample_keeps_every_kth_product_of_each_category_and_scales_what_they_share():
    """40 products, a sample of 10: k = 40 / 10 = 4, so in each category the 1st, 5th, 9th, ...
    product by popularity x base price (computed here from the table); the share kept is their
    count over 40, and every shared cost, capacity and budget is that share of the original, while
    a product's own values (a listing cost, a unit cost) are not scaled."""
    instance = load_document(generate(GENERATED), "g.json")
    products = instance.tables["products"]
    sample, share = product_sample(instance, 10)
    expected = set()
    for _, group in products.groupby("category"):
        value = group["popularity"] * group["base_price"]
        ranked = group.assign(v=value).sort_values(["v", "product"], ascending=[False, True])["product"].tolist()
        expected |= set(ranked[::4])
    assert set(sample.tables["products"]["product"]) == expected
    assert share == pytest.approx(len(expected) / 40) and share < 0.5
    assert set(sample.tables["product_markets"]["product"]) <= expected
    assert set(sample.tables["origin_costs"]["product"]) <= expected
    for table, column in (("warehouses", "fixed_cost"), ("markets", "entry_cost"), ("market_channels", "activation_cost"),
                          ("payment_methods", "integration_cost"), ("creators", "fee")):
        before, after = instance.tables[table][column].to_numpy(float), sample.tables[table][column].to_numpy(float)
        assert np.allclose(after, share * before, equal_nan=True), table
    capacity = instance.tables["warehouses"]["capacity_m3"].to_numpy(float)
    assert np.allclose(sample.tables["warehouses"]["capacity_m3"].to_numpy(float), share * capacity, equal_nan=True)
    budget = instance.settings["marketing_budget"]
    assert budget and sample.settings["marketing_budget"] == pytest.approx(share * budget)
    own = instance.tables["products"].set_index("product")["unit_cost"]
    assert sample.tables["products"].set_index("product")["unit_cost"].equals(own.loc[sorted(expected)].reindex(
        sample.tables["products"]["product"]))
    assert len(instance.tables["products"]) == 40  # the instance itself is untouched


def test_shared_decisions_read_back_what_the_plan_decided():
    """`shared_decision_columns` inverts `extract_plan` for the markets, regimes, channels,
    warehouses, mitigation, payment methods, data decisions and origins: on the solved demo its
    values are the model's own values of those columns, some taken and some not."""
    model = PlanModel(load_instance(DEMO))
    run = model.solve(SolveOptions(time_limit=10), duals=False)
    columns, values = shared_decision_columns(model.model, run.plan)
    assert np.array_equal(values, np.round(run.values[columns]))
    assert 0 < values.sum() < len(values)
    assert set(model.model.cols.span("s")) <= set(columns) and not set(model.model.cols.span("z")) & set(columns)


@pytest.mark.parametrize("spec", [GENERATED, GeneratorSpec(40, 4, 3, 3, "cost")])
def test_the_sample_start_reaches_the_same_optimum(monkeypatch, spec):
    """Solved to optimality with the sample start (a sample of 10 of the 40 products) and
    without it: the same optimum; the start's plan is never better than the final one (it is kept
    as a start, so the final plan can only improve on it), and the run's facts say what it gave."""
    monkeypatch.setattr(pipeline, "SAMPLE_PRODUCTS", 10)
    instance = load_document(generate(spec), "g.json")
    cold = PlanModel(instance).solve(SolveOptions(mip_gap=1e-9, sample_start=False), duals=False)
    warm = PlanModel(instance).solve(SolveOptions(mip_gap=1e-9, sample_start=True), duals=False)
    assert cold.evaluation.ok and warm.evaluation.ok
    assert warm.result.objective == pytest.approx(cold.result.objective, rel=1e-7)
    facts = warm.facts()["sample_start"]
    assert cold.facts()["sample_start"] is None
    assert facts["sample_objective"] is not None and facts["fixed_objective"] is not None
    sign = 1.0 if instance.objective == "profit" else -1.0
    assert sign * facts["fixed_objective"] <= sign * warm.result.objective + 1e-6


def test_by_default_only_large_one_period_models_with_many_products_under_a_limit(monkeypatch):
    """The default: off below SAMPLE_START_MIN_COLUMNS columns, with too few products for the
    sample, or without a time limit; with the thresholds lowered and a limit, on."""
    instance = load_document(generate(GENERATED), "g.json")
    assert PlanModel(instance).solve(SolveOptions(time_limit=30), duals=False).facts()["sample_start"] is None
    monkeypatch.setattr(pipeline, "SAMPLE_START_MIN_COLUMNS", 0)
    assert PlanModel(instance).solve(SolveOptions(time_limit=30), duals=False).facts()["sample_start"] is None  # 40 products
    monkeypatch.setattr(pipeline, "SAMPLE_PRODUCTS", 10)
    assert PlanModel(instance).solve(SolveOptions(), duals=False).facts()["sample_start"] is None
    on = PlanModel(instance).solve(SolveOptions(time_limit=30), duals=False)
    assert on.facts()["sample_start"]["fixed_objective"] is not None and on.evaluation.ok


def test_the_sample_starts_plan_satisfies_the_full_model_with_the_samples_shared_decisions(monkeypatch):
    """The start itself, taken from its Future: a plan of the full model that satisfies every row,
    worth what the facts say, integral, and taking exactly the shared decisions of the sample's
    plan (the markets, channels and warehouses; the sample solved again here as the start does)."""
    from xborder.solvers.compile import CompiledModel

    monkeypatch.setattr(pipeline, "SAMPLE_PRODUCTS", 10)
    model = PlanModel(load_document(generate(GENERATED), "g.json"))
    options, found = model._start_beside(SolveOptions(time_limit=30, sample_start=True), "highs")
    found.finish()
    plan = found.plan.result()
    compiled = CompiledModel(model.model)
    assert plan is not None and compiled.satisfies(plan)
    assert compiled.objective_of(plan) == pytest.approx(found.fixed, rel=1e-9)
    assert np.array_equal(plan[compiled.integer], np.round(plan[compiled.integer]))
    sample, _ = product_sample(model.instance, pipeline.SAMPLE_PRODUCTS)
    guide = PlanModel(sample).solve(model._guide_options(options, pipeline.SAMPLE_SHARE), duals=False)
    assert guide.result.objective == pytest.approx(found.guide, rel=1e-9)
    columns, values = shared_decision_columns(model.model, guide.plan)
    assert np.array_equal(np.round(plan[columns]), values) and 0 < values.sum() < len(values)


def test_the_sample_start_is_the_plan_when_no_root_lp_finishes(monkeypatch):
    """The case it is for: the root LP does not finish (here it is given no time at all, as when
    it cannot finish at size xl even running on to the deadline while the start is coming), so
    the preparation has no plan of its own. The run still ends with a checked plan at least as
    good as the sample start's."""
    from xborder.solvers import prepare

    solve_root = prepare.solve_root

    def abandoned_root(relaxed, lp_until=None, progress=None, **extension):
        return solve_root(relaxed, 0.0)  # `until` long past: the LP is not solved

    monkeypatch.setattr(pipeline, "SAMPLE_PRODUCTS", 10)
    monkeypatch.setattr(prepare, "solve_root", abandoned_root)
    instance = load_document(generate(GENERATED), "g.json")
    run = PlanModel(instance).solve(SolveOptions(time_limit=20, sample_start=True, warm_start=True), duals=False)
    assert run.facts()["root_lp_abandoned"]
    assert run.has_plan and run.evaluation.ok
    assert run.result.objective >= run.facts()["sample_start"]["fixed_objective"] - 1e-6


def test_the_cli_reports_the_sample_start(tmp_path, monkeypatch):
    """`--sample-start` on a generated instance: the progress line and the solution's run facts."""
    monkeypatch.setattr(pipeline, "SAMPLE_PRODUCTS", 10)
    path = write(generate(GENERATED), tmp_path, "g")
    result = CliRunner().invoke(cli, ["solve", str(path), "--sample-start", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "sample start: sample plan (" in result.output and "of 40 products)" in result.output
    facts = json.loads((tmp_path / "out" / "solution.json").read_text())["run"]["sample_start"]
    assert facts["sample_objective"] > 0 and facts["fixed_objective"] > 0


def test_a_plan_without_a_bound_is_a_plan_not_nothing():
    """A time-limited run whose plan enters markets but has no bound (the start plan kept when no
    root LP finished) is reported with its gap unknown, not as "nothing better than doing
    nothing" (exit 3); one that enters no market, or whose gap is infinite, is."""
    run = PlanModel(load_instance(DEMO)).solve(EXACT, duals=False)
    stopped = dataclasses.replace(run, result=dataclasses.replace(run.result, status=Status.TIME_LIMIT, gap=None))
    assert stopped.plan["markets"] and not nothing_found(stopped)
    assert nothing_found(dataclasses.replace(stopped, result=dataclasses.replace(stopped.result, gap=float("inf"))))
    assert nothing_found(dataclasses.replace(stopped, plan={**stopped.plan, "markets": []}))


def test_a_guide_is_solved_apart_and_given_up_at_its_deadline_or_a_stop_request(monkeypatch):
    """`guide_plan` on the demo: the guide's checked plan and objective from its own process
    (the same optimum as solving it here); None once its deadline has passed or a stop was
    requested (the process is ended); an error in that process is raised here with its traceback;
    in a daemonic process, which may not start one, it is solved in place."""
    import multiprocessing
    import time
    from types import SimpleNamespace

    from xborder.models.formulation import Formulation
    from xborder.solvers.budget import STOP, reset_stop

    instance, options = load_instance(DEMO), SolveOptions(time_limit=20, mip_gap=1e-9)
    here = PlanModel(instance).solve(options, duals=False)
    apart = pipeline.guide_plan(instance, Formulation(), options, "highs")
    assert apart["objective"] == pytest.approx(here.result.objective, rel=1e-9)
    assert sorted(apart["plan"]["markets"]) == sorted(here.plan["markets"])
    assert pipeline.guide_plan(instance, Formulation(), options, "highs", deadline=time.perf_counter()) is None
    STOP.set()
    try:
        assert pipeline.guide_plan(instance, Formulation(), options, "highs") is None
    finally:
        reset_stop()
    with pytest.raises(RuntimeError, match="failed in its own process"):
        pipeline.guide_plan(instance, Formulation(), options, "no-such-solver")
    solved_here = []
    monkeypatch.setattr(multiprocessing, "current_process", lambda: SimpleNamespace(daemon=True))
    monkeypatch.setattr(pipeline, "_solve_guide", lambda *args: solved_here.append(args) or {"objective": 1.0})
    assert pipeline.guide_plan(instance, Formulation(), options, "highs") == {"objective": 1.0} and solved_here


def test_product_sample_keeps_rows_for_a_whole_category():
    """A seasonality row for a whole category (its product blank) concerns the products kept too,
    so it stays; a row for one product stays only if that product is kept."""
    doc = generate(GENERATED)
    doc["periods"] = [{"period": "H1", "order": 1, "length_days": 181}, {"period": "H2", "order": 2, "length_days": 184}]
    first, market = doc["products"][0], doc["markets"][0]["market"]
    dropped = next(p["product"] for p in doc["products"][1:] if p["category"] == first["category"])
    doc["seasonality"] = [{"market": market, "category": first["category"], "period": "H2", "demand_multiplier": 1.5},
                          {"market": market, "product": first["product"], "period": "H1", "demand_multiplier": 0.8},
                          {"market": market, "product": dropped, "period": "H1", "demand_multiplier": 0.9}]
    instance = load_document(doc, "g.json")
    sample, _ = product_sample(instance, 1)  # one product per category: the most valuable
    kept = set(sample.tables["products"]["product"])
    season = sample.tables["seasonality"]
    assert dropped not in kept
    assert len(season) == 1 + (first["product"] in kept)
    assert (season["category"] == first["category"]).sum() == 1
