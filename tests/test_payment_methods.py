"""Payment methods (docs/model.md, "Payment methods", rows P1-P4): hand-computed tiny cases, the
checker's rejections, formulations and period axes that must agree, and an instance without the
table that gives exactly today's optimum."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from conftest import DEMO, EXACT, base_instance, close, one_origin, solve_doc
from xborder.check import check_plan
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document
from xborder.models.formulation import Demand, Formulation
from xborder.pipeline import solve_loaded

COD = {"market": "A", "method": "cod", "kind": "cash on delivery", "integration_cost": 50, "share": 0.4,
       "exclusive_share": 0.3, "fee_rate": 0.02, "refusal_rate": 0.2, "refusal_cost_per_order": 5}


def with_methods(doc: dict, *methods: dict, **market_columns) -> dict:
    doc = copy.deepcopy(doc)
    doc["payment_methods"] = [dict(m) for m in methods]
    doc["markets"][0].update(market_columns)
    return doc


def channel_doc() -> dict:
    """The tiny instance with its 100 units from a channel (reach 1000 x conversion 0.1, cost 100) instead of organic."""
    doc = base_instance()
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "c"}]
    doc["market_channels"] = [{"market": "A", "channel": "c", "reach": 1000, "conversion": 0.1, "activation_cost": 100}]
    return doc


def two_periods(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["periods"] = [{"period": "H1", "order": 1, "length_days": 182.5}, {"period": "H2", "order": 2, "length_days": 182.5}]
    return doc


# Hand values on the tiny instance (P: cost 2, price 10, lane 1; 100 organic units; profit 700):
# - cash on delivery worth offering: not offered, its exclusive 30% do not buy: 70 x 7 = 490;
#   offered: 700 - integration 50 - fee 0.02 x (0.4 x 1000) = 8 - refusals 0.2 / 0.8 x 40 orders x 5 = 50 = 592.
# - the same at integration 200: 442 < 490, so not offered: 490.
# - a wallet cheaper than the default checkout (loss 5%): share 0.5 at fee 1%, no loss, integration 10:
#   without it 700 - 50 = 650; with it 700 - 0.05 x 500 - 0.01 x 500 - 10 = 660.
# - the wallet beside mitigation (cost 10, mitigated rate 1%) covers only the default checkout's 500:
#   wallet and mitigation 700 - (0.05 x 500 - 0.04 x 500) - 10 = 685 > mitigation alone 700 - 10 - 10 = 680
#   > wallet alone 700 - 25 = 675 (if mitigation covered all 1000 it would wrongly give 705).
# - a pair that loses money at the default checkout (loss 80%: 10 x 0.2 - 3 < 0) but not with a wallet
#   paid by every buyer (share 1, fee 1%): 100 x (10 - 0.1 - 3) = 690, so presolve must keep it.
# - cash on delivery at integration 200 with a 5% card loss and mitigation at 100 (to 1%): not
#   offered, 70 units, 490 - 0.05 x 700 = 455 (mitigation would save 0.04 x 700 = 28 < 100);
#   offered, 700 - 200 - 8 - 50 - 0.05 x 600 = 412: so 455, with neither.
# - portfolio cap 3% with the default at 5%: nothing can be sold without the wallet (0); with it the
#   loss is 0.05 x 500 = 25 = 2.5% of revenue: 700 - 25 = 675.
CASES = {
    "cash on delivery offered": (with_methods(base_instance(), COD), 592.0, {"cod"}),
    "cash on delivery too dear": (with_methods(base_instance(), {**COD, "integration_cost": 200}), 490.0, set()),
    "cheaper wallet": (with_methods(base_instance(), {"market": "A", "method": "wallet", "share": 0.5, "fee_rate": 0.01,
                                                      "integration_cost": 10}, payment_loss_rate=0.05), 660.0, {"wallet"}),
    "wallet beside mitigation": (with_methods(base_instance(), {"market": "A", "method": "wallet", "share": 0.5},
                                              payment_loss_rate=0.05, mitigation_cost=10, mitigated_loss_rate=0.01),
                                 685.0, {"wallet"}),
    "presolve keeps a pair a method makes profitable": (
        with_methods(base_instance(), {"market": "A", "method": "wallet", "share": 1.0, "fee_rate": 0.01},
                     payment_loss_rate=0.8), 690.0, {"wallet"}),
    "neither cash on delivery nor mitigation": (
        with_methods(base_instance(), {**COD, "integration_cost": 200}, payment_loss_rate=0.05, mitigation_cost=100,
                     mitigated_loss_rate=0.01), 455.0, set()),
    "wallet under a loss cap": (with_methods(base_instance(max_payment_loss_rate=0.03),
                                             {"market": "A", "method": "wallet", "share": 0.5}, payment_loss_rate=0.05),
                                675.0, {"wallet"}),
}


@pytest.mark.parametrize("cuts", [True, False], ids=["cuts", "no cuts"])
@pytest.mark.parametrize("name", list(CASES))
def test_hand_computed(name, cuts, tmp):
    """With and without the root cuts (the mitigation cuts must not be what holds a row)."""
    doc, expected, offered = CASES[name]
    solved = solve_doc(doc, tmp, options=replace(EXACT, cuts=cuts))
    assert close(solved.objective, expected), (solved.objective, expected)
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    assert close(solved.evaluation.objective, expected)
    assert {r["method"] for r in solved.plan["payment_methods"]} == offered


def test_cash_on_delivery_terms_and_records(tmp):
    """The offered method's revenue (0.4 x 1000) and orders (0.4 x 100) in the plan, and the new
    money terms as computed by hand above."""
    solved = solve_doc(CASES["cash on delivery offered"][0], tmp)
    (record,) = solved.plan["payment_methods"]
    assert record["revenue"] == pytest.approx(400.0) and record["orders"] == pytest.approx(40.0)
    terms = solved.evaluation.terms
    assert terms["payment_integration"] == pytest.approx(50.0)
    assert terms["payment_fees"] == pytest.approx(8.0)
    assert terms["refused_orders"] == pytest.approx(50.0)


def test_exclusive_buyers_with_channels_agree_across_formulations_and_periods(tmp):
    """Channel demand (100 units for 100 a year): cash on delivery offered 700 - 100 - 108 = 492,
    not offered 490 - 100 = 390; the by-channel split and two half-year periods give the same."""
    doc = with_methods(channel_doc(), COD)
    for variant, form in ((doc, Formulation()), (doc, Formulation(demand=Demand.BY_CHANNEL)), (two_periods(doc), Formulation())):
        solved = solve_doc(variant, tmp, form)
        assert close(solved.objective, 492.0), (form, solved.objective)
        assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]


def test_must_offer_and_cost_mode(tmp):
    """must_offer forces an unattractive method (490 -> 442); cost mode offers every method with
    exclusive buyers, since its fixed demand includes them: cost = goods 200 + transport 100 +
    integration 50 + fee 8 + refusals 50 = 408."""
    forced = with_methods(base_instance(), {**COD, "integration_cost": 200, "must_offer": True})
    assert close(solve_doc(forced, tmp).objective, 442.0)
    cost = with_methods(base_instance(objective="cost"), COD)
    cost["product_markets"][0]["demand"] = 100
    solved = solve_doc(cost, tmp)
    assert close(solved.objective, 408.0), solved.objective
    assert solved.evaluation.ok


def test_checker_rejects_a_plan_that_misuses_a_method(tmp):
    doc, _, _ = CASES["cash on delivery offered"]
    solved = solve_doc(doc, tmp)
    instance = solved.instance

    without = copy.deepcopy(solved.plan)
    without["payment_methods"] = []  # the exclusive 30% cannot buy: 100 units sold is 30 too many
    families = {v.family for v in check_plan(instance, without).violations}
    assert "row 5 demand from channels" in families

    closed = copy.deepcopy(solved.plan)
    closed["markets"] = []
    assert "row P1 o <= e" in {v.family for v in check_plan(instance, closed).violations}

    wrong = copy.deepcopy(solved.plan)
    wrong["payment_methods"][0]["revenue"] = 500.0
    assert "row P3 revenue paid with the method" in {v.family for v in check_plan(instance, wrong).violations}

    dearer = check_plan(instance, solved.plan, 700.0)  # the plan's profit leaves out the method's costs
    assert not dearer.objective_matches


def test_bad_tables_are_refused_with_their_place(tmp):
    from xborder.data.errors import InstanceError

    doc = with_methods(base_instance(), {**COD, "exclusive_share": 0.5})
    with pytest.raises(InstanceError, match=r"payment_methods.*exclusive_share"):
        load_document(doc, "bad.json")
    doc = with_methods(base_instance(), COD, {**COD, "method": "wallet", "exclusive_share": 0, "share": 0.7})
    with pytest.raises(InstanceError, match=r"add up to 1\.1"):
        load_document(doc, "bad.json")
    doc = with_methods(base_instance(), {**COD, "market": "ZZ"})
    with pytest.raises(InstanceError, match=r"'ZZ' is not a key of table 'markets'"):
        load_document(doc, "bad.json")


def _without_payment_methods(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc.pop("payment_methods", None)
    return doc


def _without_new_tables(doc: dict) -> dict:
    """The document without the mechanics' tables: a funnel's channel gets the conversion and
    viral its stages give back in its market_channels row."""
    doc = _without_payment_methods(doc)
    for table in ("returns", "data_transfer", "data_obligations", "containers", "creators"):
        doc.pop(table, None)
    for funnel in doc.pop("funnels", []):
        conversion = funnel["exposure"] * funnel["interest"] * funnel["interaction"] * funnel["purchase"]
        row = next(r for r in doc["market_channels"] if (r["market"], r["channel"]) == (funnel["market"], funnel["channel"]))
        row.update(conversion=conversion, viral=funnel["share"] * funnel["share_reach"] * conversion)
    return doc


def test_without_the_table_today_s_optimum():
    """The demo without its payment_methods, returns, data, containers, creators and funnels tables is the demo before them: 816,818.107
    exactly (to the 1e-9 gap EXACT solves to)."""
    doc = _without_new_tables(one_origin(json.loads(DEMO.read_text())))
    solved = solve_loaded(load_document(doc, "demo.json"), options=EXACT, duals=False)
    assert solved.result.objective == pytest.approx(816818.107, abs=5e-4)


@pytest.mark.parametrize("size", [(50, 6, 4, 3), (300, 10, 6, 1)], ids=["s", "m"])
def test_generator_switch_leaves_every_other_table_as_it_was(size):
    """Generated s and m with the payment methods switched on are today's documents plus the new
    table, so that the presets and the README's figures stay comparable."""
    today = generate(GeneratorSpec(*size))
    with_table = generate(GeneratorSpec(*size, mechanics=("payment_methods",)))
    assert with_table["payment_methods"]
    assert _without_payment_methods(with_table) == today


def _cod_instance(tmp):
    from conftest import write
    from xborder.data.instance import load_instance

    return load_instance(write(CASES["cash on delivery offered"][0], tmp))


def test_scenarios_override_the_table(tmp):
    """refusals_double: refusal rate 0.4, so 0.4 / 0.6 x 40 x 5 = 133.33 refused-order cost and
    700 - 50 - 8 - 133.33 = 508.67 > 490, still offered; no_cod: the row excluded, the market has
    no method with exclusive buyers any more: today's 700."""
    from xborder.data.scenarios import read_scenarios
    from xborder.studies.scenarios import run_scenarios

    (tmp / "s.csv").write_text("scenario,table,action,column,value,where\n"
                               "refusals_double,payment_methods,scale,refusal_rate,2,method=cod\n"
                               "no_cod,payment_methods,exclude,,,market=A;method=cod\n")
    base = _cod_instance(tmp)
    study = run_scenarios(base, read_scenarios(tmp / "s.csv", base), options=EXACT)
    got = dict(zip(study.comparison["scenario"], study.comparison["objective"]))
    assert got == pytest.approx({"base": 592.0, "refusals_double": 508.0 + 2 / 3, "no_cod": 700.0})
    assert study.comparison["checked"].all()


def test_offering_a_method_is_first_stage(tmp):
    """Refusals at 0.2 (592 offered) or 0.8 (0.8 / 0.2 x 40 x 5 = 800: 700 - 58 - 800 = -158
    offered, 490 not), each with probability 0.5: offering is decided once for both, 0.5 x 592 +
    0.5 x (-158) = 217 < 490, so the two-stage plan does not offer it (490); each scenario alone
    would offer it in the first (592)."""
    from xborder.studies.stochastic import read_uncertainty, solve_ef

    (tmp / "u.csv").write_text("scenario,probability,table,action,column,value,where\n"
                               "calm,0.5,payment_methods,set,refusal_rate,0.2,method=cod\n"
                               "refusing,0.5,payment_methods,set,refusal_rate,0.8,method=cod\n")
    u = read_uncertainty(_cod_instance(tmp), tmp / "u.csv")
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(490.0)
    assert all(not run.plan["payment_methods"] for run in result.runs)


def test_why_and_alternatives_take_payment_methods(tmp):
    """explain --why payment=A/cod: the plan offers it (592); forced off, 490, a difference of
    -102 made of revenue -300 and costs; alternatives differing in payment methods: 592 then 490."""
    from xborder.studies.alternatives import find_alternatives
    from xborder.studies.explain import QuestionError, why

    instance = _cod_instance(tmp)
    answer = why(instance, "payment=A/cod", options=EXACT)
    assert answer.planned and answer.difference == pytest.approx(-102.0)
    effects = dict(zip(answer.effects()["term"], answer.effects()["effect"]))
    assert effects["revenue"] == pytest.approx(-300.0) and effects["refused_orders"] == pytest.approx(50.0)
    with pytest.raises(QuestionError, match="no payment method wallet in market A"):
        why(instance, "payment=A/wallet", options=EXACT)
    study = find_alternatives(instance, 2, differ_in=("payment_methods",), options=EXACT)
    assert [run.result.objective for run in study.runs] == pytest.approx([592.0, 490.0])
    assert study.table["changes_vs_best"].iloc[1] == "-payment_method A/cod"


def test_tradeoff_on_payment_loss_counts_the_methods(tmp):
    """Default checkout loss 5%; a wallet (share 0.5, no loss, fee 6%): without it the loss is 50
    and the profit 650, with it 700 - 25 - 30 = 645, so the plain optimum leaves it out. Holding
    the expected payment loss to 30 or less needs the wallet: 645 at a loss of 25 (the frontier
    from 50 down to 30 in two points)."""
    from conftest import write
    from xborder.data.instance import load_instance
    from xborder.studies.tradeoff import measure_of, trace_tradeoff

    doc = with_methods(base_instance(), {"market": "A", "method": "wallet", "share": 0.5, "fee_rate": 0.06},
                       payment_loss_rate=0.05)
    study = trace_tradeoff(load_instance(write(doc, tmp)), measure_of("payment_loss"), points=2, value_range=(50, 30),
                           options=EXACT)
    assert list(study.table["objective"]) == pytest.approx([650.0, 645.0])
    assert list(study.table["value"]) == pytest.approx([50.0, 25.0])
    assert [bool(r.plan["payment_methods"]) for r in study.runs] == [False, True]


def test_the_default_checkout_row_tightens_the_lp(tmp):
    """The wallet beside mitigation: with the row, the LP relaxation is the optimum, 685 (the card
    checkout's 500 needs v = 1); without it Rv <= RevMax v = 1000 v lets v = 0.5 cover those 500,
    relief 0.04 x 500 = 20 for half the cost, 5: 700 - 25 + 20 - 5 = 690."""
    from conftest import write
    from xborder.data.instance import load_instance
    from xborder.models.build import build_model
    from xborder.solvers.relaxed import lp_relaxation_bound

    model = build_model(load_instance(write(CASES["wallet beside mitigation"][0], tmp)))
    assert lp_relaxation_bound(model) == pytest.approx(685.0)
    model.mitigation_of_default_checkout.deactivate()
    assert lp_relaxation_bound(model) == pytest.approx(690.0)


def test_the_plan_shows_its_methods_and_returns(tmp):
    """The summary, the plan in words, the output tables and the HTML report name the method
    offered and the returns (a return rate of 10%, written off: 592 - 100 = 492)."""
    from conftest import write
    from xborder.data.instance import load_instance
    from xborder.pipeline import solve_loaded
    from xborder.report.html import plan_report
    from xborder.report.solution import plan_tables
    from xborder.report.summary import summary
    from xborder.report.words import plan_in_words

    doc = copy.deepcopy(CASES["cash on delivery offered"][0])
    doc["returns"] = [{"market": "A", "category": "general", "return_rate": 0.1}]
    run = solve_loaded(load_instance(write(doc, tmp)), options=EXACT)
    assert run.result.objective == pytest.approx(492.0)
    text = summary(run)
    assert "payment methods: A: cod" in text and "returns: 10 units come back (10.0% of units sold)" in text
    words = "\n".join(plan_in_words(run.instance, run.plan))
    assert "A/cod (cash on delivery) offered" in words and "refused orders 50 USD" in words
    tables = plan_tables(run)
    assert list(tables["payment_methods"]["offered"]) == [True] and len(tables["restocked"]) == 0
    page = plan_report(run, tmp / "report.html").read_text()
    assert "<h2>Payment methods</h2>" in page and "<h2>Returns</h2>" in page
