"""Creators (docs/model.md, "Creators", rows CR1-CR2): hand-computed tiny cases of the reach curve,
the checker's rejections, period axes and formulations that must agree, scenarios, the studies
and outputs that take the new decisions, and an instance without the table that gives exactly
today's optimum."""

from __future__ import annotations

import copy
import json
import math

import pytest
from conftest import DEMO, EXACT, base_instance, close, one_origin, solve_doc, write
from test_payment_methods import two_periods
from xborder.check import check_plan
from xborder.data.errors import InstanceError
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.formulation import Demand, Formulation
from xborder.pipeline import solve_loaded


def creator_doc(fee: float = 130, most: int = 3, activation: float = 0, **settings) -> dict:
    """The tiny instance (P: margin 10 - 2 - 1 = 7 a unit) with no organic demand, a TikTok channel
    in A that reaches nobody by itself (reach 0, conversion 1%, pool 10,000 people) and one creator
    k1: 5,000 followers at 50% engagement, 2,500 engaged people a campaign, `fee` a campaign, at
    most `most` a period."""
    doc = base_instance(**settings)
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "tiktok"}]
    doc["market_channels"] = [{"market": "A", "channel": "tiktok", "reach": 0, "conversion": 0.01,
                               "activation_cost": activation, "creator_pool": 10_000}]
    doc["creators"] = [{"creator": "k1", "market": "A", "channel": "tiktok", "tier": "micro", "audience": 5000,
                        "engagement_rate": 0.5, "fee": fee, "campaigns_per_period": most}]
    return doc


def curve(x: float) -> float:
    """The reach curve's share of the pool at x = booked / pool: linear between its corners 0,
    0.25, 0.5, 1, 2, 4 of 1 - exp(-x)."""
    corners = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
    for a, b in zip(corners, corners[1:]):
        if x <= b:
            fa, fb = 1 - math.exp(-a), 1 - math.exp(-b)
            return fa + (fb - fa) * (x - a) / (b - a)
    return 1 - math.exp(-4.0)


def profit(campaigns: int, fee: float, intensity: float = 1.0) -> float:
    """7 a unit x 1% of the distinct people reached (pool 10,000) x intensity, less the fees."""
    return 7 * 0.01 * 10_000 * curve(2500 * campaigns / 10_000) * intensity - fee * campaigns


# Hand values (profit(n, fee) above): campaign 1 reaches 2,500 of a pool of 10,000, x = 0.25, so
# 10,000 (1 - e^-0.25) = 2,212.0 distinct people, 22.12 units, 154.84; campaign 2 takes x to 0.5,
# 3,934.7 people, 17.23 units more, 120.59 more; campaign 3 (x = 0.75, halfway between the corners
# 0.5 and 1) 11.93 units more, 83.53 more.
# - fee 130: one campaign, 154.84 - 130 = 24.84 (two: 275.43 - 260 = 15.43; without the overlap
#   two would give 2 x 24.84);
# - fee 100: two campaigns, 275.43 - 200 = 75.43 (three: 358.96 - 300 = 58.96);
# - fee 130 and the channel's activation at 30: 24.84 - 30 < 0, nothing: 0.
# - fee 130 beside 100 organic units: 700 + 24.84 (the creators' buyers come on top).
# - 6,250 followers of whom 20% are fake, at 50% engagement: the same 2,500 people, 24.84.
def with_organic(doc: dict) -> dict:
    doc["product_markets"][0]["base_demand"] = 100
    return doc


def with_fakes(doc: dict) -> dict:
    doc["creators"][0].update(audience=6250, fake_share=0.2)
    return doc


CASES = {
    "one campaign": (creator_doc(130), profit(1, 130), 1),
    "two campaigns": (creator_doc(100), profit(2, 100), 2),
    "channel too dear": (creator_doc(130, activation=30), 0.0, 0),
    "on top of organic demand": (with_organic(creator_doc(130)), 700 + profit(1, 130), 1),
    "fake followers": (with_fakes(creator_doc(130)), profit(1, 130), 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_computed(name, tmp):
    doc, expected, campaigns = CASES[name]
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, expected), (solved.objective, expected)
    assert solved.evaluation.ok, [str(v) for v in solved.evaluation.violations]
    assert close(solved.evaluation.objective, expected)
    assert sum(r["campaigns"] for r in solved.plan["creators"]) == campaigns


def test_fake_followers_reach_nobody(tmp):
    """6,250 followers, 20% fake, 50% engagement: 2,500 real people (the output table says so), who
    buy 22.12 units; a plan that sells 24 (as 3,125 people counted with the fakes would) is rejected."""
    from xborder.report.solution import plan_tables

    run = solve_loaded(load_instance(write(with_fakes(creator_doc(130)), tmp)), options=EXACT)
    assert plan_tables(run)["creators"].iloc[0]["booked_reach"] == pytest.approx(2500.0)
    plan = copy.deepcopy(run.plan)
    for record in plan["portfolio"] + plan["flows"]:
        record["units"] = 24.0
    assert "row 5 demand from channels" in {v.family for v in check_plan(run.instance, plan).violations}


def test_hand_values():
    assert profit(1, 130) == pytest.approx(24.8395, abs=1e-4)
    assert profit(2, 100) == pytest.approx(75.4285, abs=1e-4)
    assert profit(2, 130) == pytest.approx(15.43, abs=1e-2) and profit(3, 100) == pytest.approx(58.96, abs=1e-2)


def test_formulations_and_periods_agree(tmp):
    """by_channel gives the same 24.84; two equal half-years book one campaign in each (the
    intensity of each is 0.5 / 0.5 = 1): 2 x 24.84."""
    assert close(solve_doc(creator_doc(130), tmp, Formulation(demand=Demand.BY_CHANNEL)).objective, profit(1, 130))
    solved = solve_doc(two_periods(creator_doc(130)), tmp)
    assert close(solved.objective, 2 * profit(1, 130)) and solved.evaluation.ok
    assert sorted(r["period"] for r in solved.plan["creators"]) == ["H1", "H2"]


def test_a_peak_period_makes_campaigns_worth_more(tmp):
    """H2's demand at 2x: W = 1/3 and 2/3, intensity 2/3 and 4/3. H1: one campaign brings
    154.84 x 2/3 = 103.2 < 130, none. H2: one 206.5 - 130 = 76.5, two 367.2 - 260 = 107.2, three
    478.6 - 390 = 88.6: two."""
    doc = two_periods(creator_doc(130))
    doc["seasonality"] = [{"market": "A", "period": "H2", "demand_multiplier": 2}]
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, profit(2, 130, 4 / 3)), solved.objective
    assert [(r["period"], r["campaigns"]) for r in solved.plan["creators"]] == [("H2", 2)]
    assert solved.evaluation.ok


def test_a_creator_needs_a_fitting_category(tmp):
    """A creator of beauty brings nothing to P (general): 0; one who names general as well books as before."""
    doc = creator_doc(130)
    doc["products"].append({"product": "Q", "category": "beauty", "unit_cost": 9, "base_price": 10, "weight_kg": 1,
                            "volume_m3": 0.01})
    doc["creators"][0]["categories"] = "beauty"
    assert close(solve_doc(doc, tmp).objective, 0.0)
    only_beauty = load_instance(write(doc, tmp, "beauty"))
    doc["creators"][0]["categories"] = "beauty; general"
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, profit(1, 130))
    families = {v.family for v in check_plan(only_beauty, solved.plan).violations}
    assert "row 5 demand from channels" in families  # the checker's own category filter


def test_two_creators_share_the_pool(tmp):
    """Two creators like k1 at fee 130 on the same pool: together x = 0.5, 275.43 - 260 = 15.43,
    less than one alone (24.84): one is booked. On separate pools (another channel) both: 2 x 24.84."""
    doc = creator_doc(130, most=1)
    doc["creators"].append({**doc["creators"][0], "creator": "k2"})
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, profit(1, 130)) and len(solved.plan["creators"]) == 1
    doc["channels"].append({"channel": "ig"})
    doc["market_channels"].append({**doc["market_channels"][0], "channel": "ig"})
    doc["creators"][1]["channel"] = "ig"
    assert close(solve_doc(doc, tmp).objective, 2 * profit(1, 130))


def test_the_creators_fees_are_marketing(tmp):
    """A marketing budget of 100 leaves k1 unbooked at fee 130: 0."""
    assert close(solve_doc(creator_doc(130, marketing_budget=100), tmp).objective, 0.0)


def test_checker_rejects_a_plan_that_misbooks_its_creators(tmp):
    solved = solve_doc(creator_doc(130), tmp)
    instance, plan = solved.instance, solved.plan

    def families(changed: dict) -> set:
        return {v.family for v in check_plan(instance, changed).violations}

    half = copy.deepcopy(plan)
    half["creators"][0]["campaigns"] = 1.5
    assert "creator campaigns must be a whole number >= 0" in families(half)
    many = copy.deepcopy(plan)
    many["creators"][0]["campaigns"] = 4
    assert "creator campaigns within campaigns_per_period" in families(many)
    silent = copy.deepcopy(plan)
    silent["channels"] = []
    assert "row CR1 creator booked without its channel running" in families(silent)
    unbooked = copy.deepcopy(plan)
    unbooked["creators"] = []
    assert "row 5 demand from channels" in families(unbooked)
    oversold = copy.deepcopy(plan)
    for record in oversold["portfolio"] + oversold["flows"]:
        record["units"] = 25.0  # more than the 22.12 units one campaign brings
    assert "row 5 demand from channels" in families(oversold)
    unknown = copy.deepcopy(plan)
    unknown["creators"].append({"creator": "k9", "campaigns": 1})
    assert "unknown id in creators" in families(unknown)
    assert check_plan(instance, plan, profit(1, 130)).ok
    assert not check_plan(instance, plan, profit(1, 130) + 130).objective_matches  # the fee left out


def test_bad_tables_are_refused_with_their_place():
    doc = creator_doc()
    del doc["market_channels"][0]["creator_pool"]
    with pytest.raises(InstanceError, match=r"table .creators., row 1, column .channel.: .*A/tiktok has no creator_pool"):
        load_document(doc, "bad.json")
    doc = creator_doc()
    doc["creators"][0]["categories"] = "toys"
    with pytest.raises(InstanceError, match=r"table .creators., row 1, column .categories.: unknown category toys"):
        load_document(doc, "bad.json")
    doc = creator_doc()
    doc["channels"].append({"channel": "ig"})
    doc["creators"][0]["channel"] = "ig"
    with pytest.raises(InstanceError, match=r"row 1, column .channel.: channel ig does not run in market A"):
        load_document(doc, "bad.json")
    doc = creator_doc()
    doc["creators"][0]["engagement_rate"] = 1.5
    with pytest.raises(InstanceError, match=r"creators.*engagement_rate"):
        load_document(doc, "bad.json")


def test_cost_mode_books_no_creator(tmp):
    """Fixed demand needs no creators: the cost is goods 2 + lane 1 on 100 units, 300."""
    doc = creator_doc(130, objective="cost")
    doc["product_markets"][0]["demand"] = 100
    solved = solve_doc(doc, tmp)
    assert close(solved.objective, 300.0) and solved.plan["creators"] == []


def test_without_the_table_today_s_optimum():
    """The demo without its creators table (and the creator_pool column) is the demo before
    them: 572,880.1193."""
    doc = one_origin(json.loads(DEMO.read_text()))
    doc.pop("creators", None)
    for row in doc["market_channels"]:
        row.pop("creator_pool", None)
    solved = solve_loaded(load_document(doc, "demo.json"), options=EXACT, duals=False)
    assert solved.result.objective == pytest.approx(572880.1193, abs=5e-4)


@pytest.mark.parametrize("size", [(50, 6, 4, 3), (300, 10, 6, 1)], ids=["s", "m"])
def test_generator_switch_leaves_every_other_table_as_it_was(size):
    """Generated s and m with the creators switched on are today's documents plus the creators
    table and the creator_pool of the channels they post on."""
    today = generate(GeneratorSpec(*size))
    with_table = generate(GeneratorSpec(*size, mechanics=("creators",)))
    assert with_table["creators"]
    pooled = {(r["market"], r["channel"]) for r in with_table["creators"]}
    assert pooled == {(r["market"], r["channel"]) for r in with_table["market_channels"] if "creator_pool" in r}
    del with_table["creators"]
    for row in with_table["market_channels"]:
        row.pop("creator_pool", None)
    assert with_table == today


def test_scenarios_override_the_table(tmp):
    """dear: fees at 130 x 2 = 260, no campaign pays (154.84 < 260): 0; cheap: fees 100 (set), two
    campaigns: 75.43."""
    from xborder.data.scenarios import read_scenarios
    from xborder.studies.scenarios import run_scenarios

    (tmp / "s.csv").write_text("scenario,table,action,column,value,where\n"
                               "dear,creators,scale,fee,2,creator=k1\n"
                               "cheap,creators,set,fee,100,creator=k1\n")
    base = load_instance(write(creator_doc(130), tmp))
    study = run_scenarios(base, read_scenarios(tmp / "s.csv", base), options=EXACT)
    got = dict(zip(study.comparison["scenario"], study.comparison["objective"]))
    assert got == pytest.approx({"base": profit(1, 130), "dear": 0.0, "cheap": profit(2, 100)})
    assert study.comparison["checked"].all()


def test_creators_are_booked_before_the_season(tmp):
    """Conversion as it is or halved, each with probability 0.5, fee 100; the campaigns are first
    stage, shared by both scenarios. None: 0. One: 54.84 as it is, 0.5 x 154.84 - 100 = -22.58 at
    half: 16.13. Two: 75.43 and 0.5 x 275.43 - 200 = -62.29: 6.57. So one, expected 16.13 (booked
    per scenario it would be two and none, 37.71)."""
    from xborder.studies.stochastic import read_uncertainty, solve_ef

    (tmp / "u.csv").write_text("scenario,probability,table,action,column,value,where\n"
                               "as_is,0.5,market_channels,scale,conversion,1,\n"
                               "less,0.5,market_channels,scale,conversion,0.5,\n")
    u = read_uncertainty(load_instance(write(creator_doc(100), tmp)), tmp / "u.csv")
    result = solve_ef(u, options=EXACT)
    one = 0.5 * profit(1, 100) + 0.5 * (0.5 * (profit(1, 100) + 100) - 100)
    assert one == pytest.approx(16.13, abs=1e-2)
    assert result.ok and result.expected == pytest.approx(one)
    assert [sum(r["campaigns"] for r in run.plan["creators"]) for run in result.runs] == [1, 1]


def test_why_takes_a_creator(tmp):
    """--why creator=k1 at fee 130: the plan books one campaign; none forced loses its 24.84 (the
    154.84 of margin less the 130 fee). At fee 260 the plan books none; one forced brings 154.84
    for 260: -105.16. An unknown creator is refused with the ones there are."""
    from xborder.studies.explain import QuestionError, why

    booked = load_instance(write(creator_doc(130), tmp, "booked"))
    answer = why(booked, "creator=k1", options=EXACT)
    assert answer.planned and answer.difference == pytest.approx(-profit(1, 130))
    assert {"kind": "creator", "item": "k1", "change": "dropped"} in answer.changes  # and the channel, the offer
    effects = dict(zip(answer.effects()["term"], answer.effects()["effect"]))
    assert effects["marketing"] == pytest.approx(130.0)
    dear = load_instance(write(creator_doc(260), tmp, "dear"))
    answer = why(dear, "creator=k1", options=EXACT)
    assert not answer.planned and answer.difference == pytest.approx(profit(1, 260))
    with pytest.raises(QuestionError, match="unknown creator 'k2'.*k1"):
        why(booked, "creator=k2", options=EXACT)


def test_the_plan_shows_its_creators(tmp):
    """The summary, the plan in words, the market accounts, the output tables, the HTML report and
    the solution file (read back by `xborder check`) carry the one micro campaign of k1: 2,500
    engaged people, 2,212 of them distinct, for 130."""
    from xborder.check.solution import read_solution
    from xborder.report.html import plan_report
    from xborder.report.solution import plan_tables, solution_document
    from xborder.report.summary import summary
    from xborder.report.words import market_accounts, plan_in_words

    run = solve_loaded(load_instance(write(creator_doc(130), tmp)), options=EXACT)
    assert "creators (campaigns): A/tiktok micro 1; fees 130 USD" in summary(run)
    words = "\n".join(plan_in_words(run.instance, run.plan))
    assert ("A tiktok creators: 1 micro campaign for 130 USD reach 2,500 engaged people, 2,212 of them distinct "
            "(the rest overlap on the channel's pool of 10,000)") in words
    assert "creators 130 USD" in words
    accounts = market_accounts(run.instance, run.plan)
    assert accounts["creator_fees"].sum() == pytest.approx(130.0)
    assert accounts["net"].sum() == pytest.approx(run.evaluation.terms["profit"])
    row = plan_tables(run)["creators"].iloc[0]
    assert (row["creator"], row["campaigns"], row["booked_reach"], row["fees"]) == ("k1", 1, 2500.0, 130.0)
    assert "<h2>Creators</h2>" in plan_report(run, tmp / "report.html").read_text()
    plan, objective = read_solution(json.loads(json.dumps(solution_document(run))), "profit")
    assert [(r["creator"], r["campaigns"]) for r in plan["creators"]] == [("k1", 1)]
    assert plan["creator_reach"][0]["distinct_reach"] == pytest.approx(10_000 * curve(0.25))
    assert check_plan(run.instance, plan, objective).ok
