"""Data transfer and localisation (docs/model.md, "Data transfer and localisation", rows D1-D2):
hand-computed tiny cases, the checker's rejections, period axes that must agree, the studies that
take the new decisions, and an instance without the tables that gives exactly today's optimum."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import DEMO, EXACT, add_market, base_instance, close, one_origin, solve_doc, write
from test_payment_methods import two_periods
from xborder.check import check_plan
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.pipeline import solve_loaded


def regime_doc(rule: dict, *obligations: dict, **settings) -> dict:
    """The tiny instance with a second market B like A (each 100 units at a margin of 7: 1400 in
    all), both under regime G (no compliance cost) with the given data_transfer row and obligations."""
    doc = add_market(base_instance(**settings), "B", regime="G")
    doc["markets"][0]["regime"] = "G"
    doc["regimes"] = [{"regime": "G"}]
    doc["data_transfer"] = [{"regime": "G", "mechanism": "SCC", **rule}]
    doc["data_obligations"] = [{"regime": "G", **o} for o in obligations]
    return doc


REP = {"obligation": "rep", "buyer_threshold": 150}

# Hand values (two markets, 1400 before any data cost):
# - transfer 150 against hosting 2 x 100 = 200: transfer, 1250;
# - hosting at 60: 2 x 60 = 120 < 150, both hosted, 1280;
# - must localise, hosting 650 each: each market still earns 700 - 650 = 50, 1400 - 1300 = 100;
#   were the transfer allowed (it costs 0 here) the plan would wrongly make 1400;
# - a representative above 150 buyers (200 orders, 1 order a buyer), cost 300: selling all and
#   paying 1400 - 150 - 300 = 950 beats holding at 150 buyers, 150 x 7 - 150 = 900;
# - the same at cost 600: 1400 - 750 = 650 < 900, so the plan sells exactly 150 units (the
#   threshold is "more than": 150 buyers do not set it off), 900;
# - 2 orders a buyer: 200 orders are 100 buyers, under 150: no obligation, 1250;
# - compliance budget 100 (data costs count in it): both hosted is 120, transfer 150, so one
#   market hosted and the other left out: 700 - 60 = 640.
CASES = {
    "transfer": (regime_doc({"transfer_cost": 150, "hosting_cost": 100}), 1250.0, (["G"], [], [])),
    "hosting": (regime_doc({"transfer_cost": 150, "hosting_cost": 60}), 1280.0, ([], ["A", "B"], [])),
    "must localise": (regime_doc({"must_localise": True, "transfer_cost": 0, "hosting_cost": 650}), 100.0,
                      ([], ["A", "B"], [])),
    "obligation paid": (regime_doc({"transfer_cost": 150}, {**REP, "cost": 300}), 950.0, (["G"], [], ["rep"])),
    "held at the threshold": (regime_doc({"transfer_cost": 150}, {**REP, "cost": 600}), 900.0, (["G"], [], [])),
    "orders per buyer": (regime_doc({"transfer_cost": 150}, {**REP, "orders_per_buyer": 2, "cost": 600}), 1250.0,
                         (["G"], [], [])),
    "compliance budget": (regime_doc({"transfer_cost": 150, "hosting_cost": 60}, compliance_budget=100), 640.0,
                          ([], ["A"], [])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_computed(name, tmp):
    doc, expected, (transfers, hosted, met) = CASES[name]
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, expected), (solved.objective, expected)
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    assert close(solved.evaluation.objective, expected)
    plan = solved.plan
    assert (plan["data_transfers"], sorted(plan["data_hosting"])) == (transfers, hosted)
    assert [r["obligation"] for r in plan["data_obligations"]] == met


@pytest.mark.parametrize("name, expected", [("obligation paid", 950.0), ("held at the threshold", 900.0)])
def test_two_periods_count_the_buyers_of_the_horizon(name, expected, tmp):
    """Two half-year periods (50 units each per market and period) give the hand values above:
    the threshold counts the buyers of the whole horizon, not of one period."""
    solved = solve_doc(two_periods(CASES[name][0]), tmp)
    assert close(solved.objective, expected), solved.objective
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]


def test_the_data_term_and_the_buyers_reported(tmp):
    """transfer 150 + representative 300 = 450 in the data_protection term; 200 buyers reported."""
    solved = solve_doc(CASES["obligation paid"][0], tmp)
    assert solved.evaluation.terms["data_protection"] == pytest.approx(450.0)
    assert solved.plan["data_obligations"] == [{"regime": "G", "obligation": "rep", "buyers": pytest.approx(200.0)}]


def test_cost_mode_pays_what_the_fixed_demand_sets_off(tmp):
    """Fixed demand 100 + 100: goods 400 + transport 200 + transfer 150 + representative 300 = 1050
    (the 200 buyers cannot be held under the threshold)."""
    doc = regime_doc({"transfer_cost": 150}, {**REP, "cost": 300}, objective="cost")
    for row in doc["product_markets"]:
        row["demand"] = 100
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, 1050.0), solved.objective
    assert solved.evaluation.ok


def test_checker_rejects_a_plan_that_misplaces_the_data(tmp):
    solved = solve_doc(CASES["obligation paid"][0], tmp)
    instance, plan = solved.instance, solved.plan

    def families(changed: dict) -> set:
        return {v.family for v in check_plan(instance, changed).violations}

    no_transfer = copy.deepcopy(plan)
    no_transfer["data_transfers"] = []
    assert "row D1 customer data without transfer or local hosting" in families(no_transfer)
    hosted = copy.deepcopy(plan)
    hosted["data_transfers"], hosted["data_hosting"] = [], ["A", "B"]  # the rule offers no hosting
    assert "row D1 local hosting not offered" in families(hosted)
    unmet = copy.deepcopy(plan)
    unmet["data_obligations"] = []  # 200 buyers, threshold 150
    assert "row D2 obligation applies" in families(unmet)
    wrong = copy.deepcopy(plan)
    wrong["data_obligations"][0]["buyers"] = 150.0
    assert "row D2 buyers reported" in families(wrong)
    unknown = copy.deepcopy(plan)
    unknown["data_transfers"] = ["G", "XX"]
    assert "unknown id in data_transfers" in families(unknown)
    assert not check_plan(instance, plan, 1250.0).objective_matches  # a profit that leaves out the representative

    local = solve_doc(CASES["must localise"][0], tmp)
    sent = copy.deepcopy(local.plan)
    sent["data_transfers"], sent["data_hosting"] = ["G"], []
    assert "row D1 transfer where the regime must localise" in {v.family for v in check_plan(local.instance, sent).violations}

    budget = solve_doc(CASES["compliance budget"][0], tmp)
    both = copy.deepcopy(budget.plan)
    both["markets"], both["data_hosting"] = ["A", "B"], ["A", "B"]
    assert "row 14 compliance budget" in {v.family for v in check_plan(budget.instance, both).violations}


def test_bad_tables_are_refused_with_their_place():
    from xborder.data.errors import InstanceError

    doc = regime_doc({"must_localise": True})
    with pytest.raises(InstanceError, match=r"table .data_transfer., row 1, column .hosting_cost.: regime G must host"):
        load_document(doc, "bad.json")
    doc = regime_doc({"transfer_cost": 10}, {"obligation": "rep", "cost": 5})
    with pytest.raises(InstanceError, match=r"data_obligations.*buyer_threshold"):
        load_document(doc, "bad.json")
    doc = regime_doc({"transfer_cost": 10})
    doc["data_transfer"][0]["regime"] = "ZZ"
    with pytest.raises(InstanceError, match=r"'ZZ' is not a key of table 'regimes'"):
        load_document(doc, "bad.json")


def test_without_the_tables_today_s_optimum():
    """The demo without its data_transfer, data_obligations (and the later containers and creators)
    tables is the demo before them: 604,775.464 (to the 1e-9 gap EXACT solves to)."""
    doc = one_origin(json.loads(DEMO.read_text()))
    for table in ("data_transfer", "data_obligations", "containers", "creators"):
        doc.pop(table)
    solved = solve_loaded(load_document(doc, "demo.json"), options=EXACT, duals=False)
    assert solved.result.objective == pytest.approx(604775.4642, abs=5e-4)


@pytest.mark.parametrize("size", [(50, 6, 4, 3), (300, 10, 6, 1)], ids=["s", "m"])
def test_generator_switch_leaves_every_other_table_as_it_was(size):
    """Generated s and m with the data tables switched on are today's documents plus the new tables."""
    today = generate(GeneratorSpec(*size))
    with_tables = generate(GeneratorSpec(*size, mechanics=("data_transfer", "data_obligations")))
    assert with_tables["data_transfer"] and with_tables["data_obligations"]
    regimes = {m["regime"] for m in with_tables["markets"]}
    assert {r["regime"] for r in with_tables["data_transfer"]} == regimes
    del with_tables["data_transfer"], with_tables["data_obligations"]
    assert with_tables == today


def _instance(tmp, name: str):
    return load_instance(write(CASES[name][0], tmp))


def test_scenarios_override_the_tables(tmp):
    """dearer_rep: the representative at 300 x 2 = 600, so the plan holds at the threshold (900);
    local: must_localise with hosting 200 a market, 1400 - 400 - 300 = 700 (paying the
    representative still beats holding at 150 buyers, 1050 - 400 = 650)."""
    from xborder.data.scenarios import read_scenarios
    from xborder.studies.scenarios import run_scenarios

    (tmp / "s.csv").write_text("scenario,table,action,column,value,where\n"
                               "dearer_rep,data_obligations,scale,cost,2,obligation=rep\n"
                               "local,data_transfer,set,must_localise,true,regime=G\n"
                               "local,data_transfer,set,hosting_cost,200,regime=G\n")
    base = _instance(tmp, "obligation paid")
    study = run_scenarios(base, read_scenarios(tmp / "s.csv", base), options=EXACT)
    got = dict(zip(study.comparison["scenario"], study.comparison["objective"]))
    assert got == pytest.approx({"base": 950.0, "dearer_rep": 900.0, "local": 700.0})
    assert study.comparison["checked"].all()


def test_where_the_data_lives_is_first_stage_and_obligations_follow_each_scenario(tmp):
    """Hosting 100 a market against a transfer at 150, with the demand as it is or halved, each
    with probability 0.5. The data decision is made once for both (the transfer, 150, beats hosting
    both, 200). The representative (threshold 150, cost 300) is second stage: met where the 200
    buyers come (1400 - 150 - 300 = 950 beats holding at 150 buyers, 900), not where 100 do
    (700 - 150 = 550): 0.5 x 950 + 0.5 x 550 = 750."""
    from xborder.studies.stochastic import read_uncertainty, solve_ef

    doc = regime_doc({"transfer_cost": 150, "hosting_cost": 100}, {**REP, "cost": 300})
    (tmp / "u.csv").write_text("scenario,probability,table,action,column,value,where\n"
                               "as_is,0.5,product_markets,scale,base_demand,1,\n"
                               "half,0.5,product_markets,scale,base_demand,0.5,\n")
    u = read_uncertainty(load_instance(write(doc, tmp)), tmp / "u.csv")
    result = solve_ef(u, options=EXACT)
    assert result.ok and result.expected == pytest.approx(750.0)
    assert [run.plan["data_transfers"] for run in result.runs] == [["G"], ["G"]]
    assert [len(run.plan["data_obligations"]) for run in result.runs] == [1, 0]


def test_local_hosting_is_decided_once_for_every_scenario(tmp):
    """Hosting at 40 or 100 a market (transfer 150), each with probability 0.5: alone, the first
    scenario hosts both (80) and the second transfers (150), 0.5 x 1320 + 0.5 x 1250 = 1285; decided
    once, hosting both costs 0.5 x 80 + 0.5 x 200 = 140 in expectation against the transfer's 150,
    so both scenarios host: 1400 - 140 = 1260."""
    from xborder.studies.stochastic import read_uncertainty, solve_ef

    doc = regime_doc({"transfer_cost": 150, "hosting_cost": 100})
    (tmp / "u.csv").write_text("scenario,probability,table,action,column,value,where\n"
                               "cheap,0.5,data_transfer,set,hosting_cost,40,regime=G\n"
                               "dear,0.5,data_transfer,set,hosting_cost,100,regime=G\n")
    result = solve_ef(read_uncertainty(load_instance(write(doc, tmp)), tmp / "u.csv"), options=EXACT)
    assert result.ok and result.expected == pytest.approx(1260.0)
    assert [sorted(run.plan["data_hosting"]) for run in result.runs] == [["A", "B"], ["A", "B"]]
    assert sorted(result.first_stage["data_hosting"]) == ["A", "B"] and result.first_stage["data_transfers"] == []


def test_why_and_alternatives_take_the_data_decisions(tmp):
    """explain --why hosting=A on the hosting case: the plan hosts A (60); forced off, A's data
    leaves under the transfer (150) and B is hosted or sent too: 1400 - 150 = 1250, a difference of
    -30. --why obligation=G/rep on the paid case: forced off, the plan holds at 150 buyers, 900 - 950
    = -50. alternatives differing in local hosting: 1280, then 1250 (the transfer)."""
    from xborder.studies.alternatives import find_alternatives
    from xborder.studies.explain import QuestionError, why

    hosting = _instance(tmp, "hosting")
    answer = why(hosting, "hosting=A", options=EXACT)
    assert answer.planned and answer.difference == pytest.approx(-30.0)
    assert dict(zip(answer.effects()["term"], answer.effects()["effect"])) == {"data_protection": pytest.approx(-30.0)}
    with pytest.raises(QuestionError, match="market 'C' cannot host its customer data"):
        why(hosting, "hosting=C", options=EXACT)
    paid = _instance(tmp, "obligation paid")
    answer = why(paid, "obligation=G/rep", options=EXACT)
    assert answer.planned and answer.difference == pytest.approx(-50.0)
    with pytest.raises(QuestionError, match="no obligation dpo of regime G"):
        why(paid, "obligation=G/dpo", options=EXACT)
    study = find_alternatives(hosting, 2, differ_in=("data_hosting",), options=EXACT)
    assert [run.result.objective for run in study.runs] == pytest.approx([1280.0, 1250.0])


def test_the_plan_shows_where_the_data_lives(tmp):
    """The summary, the plan in words, the output table, the HTML report and the solution file
    (read back by `xborder check`) carry the data decisions of the paid case."""
    from xborder.check.solution import read_solution
    from xborder.report.html import plan_report
    from xborder.report.solution import plan_tables, solution_document
    from xborder.report.summary import summary
    from xborder.report.words import plan_in_words

    run = solve_loaded(_instance(tmp, "obligation paid"), options=EXACT)
    text = summary(run)
    assert "customer data: G: A, B sent out under SCC; cost 450 USD" in text
    assert "data obligations met: G/rep (200 buyers)" in text
    words = "\n".join(plan_in_words(run.instance, run.plan))
    assert "G customer data of A, B leaves the market under SCC: 150 USD for them all" in words
    assert "G/rep met for 300 USD: the plan's 200 buyers exceed its threshold of 150" in words
    assert "customer data 225 USD" in words  # each market's share: 150 / 2 + 300 / 2
    table = plan_tables(run)["data_protection"]
    assert list(table["decision"]) == ["sent out under SCC", "sent out under SCC", "SCC", "met"]
    assert table["cost"].sum() == pytest.approx(450.0)
    page = plan_report(run, tmp / "report.html").read_text()
    assert "<h2>Customer data</h2>" in page
    plan, objective = read_solution(json.loads(json.dumps(solution_document(run))), "profit")
    assert check_plan(run.instance, plan, objective).ok


@pytest.mark.parametrize("name", ["hosting", "obligation paid"])
def test_the_horizon_decisions_read_back_where_the_data_lives(name, tmp):
    """`horizon_decision_columns` (the calendar start's fixings) returns the data decisions the
    plan took: the hosted markets, the transfer mechanism and the obligation met."""
    import numpy as np
    from xborder.models.extract import horizon_decision_columns
    from xborder.pipeline import PlanModel

    model = PlanModel(_instance(tmp, name))
    run = model.solve(EXACT, duals=False)
    columns, values = horizon_decision_columns(model.model, run.plan)
    data = model.model.cols.mask(("dt", "dh", "dw"))[columns]
    assert np.array_equal(values, np.round(run.values[columns])) and values[data].sum() > 0
