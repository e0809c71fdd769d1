"""Funnels (docs/model.md, "Funnels"): a funnels row gives its channel's conversion and viral
uplift from the stages a planner measures; hand-computed, against the same rates given directly,
with the checker, refused input, scenarios and the generator's switch."""

from __future__ import annotations

import copy

import pytest
from conftest import EXACT, base_instance, close, solve_doc, write
from xborder.check import check_plan
from xborder.data.errors import InstanceError
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance

FUNNEL = {"market": "A", "channel": "tiktok", "exposure": 0.5, "interest": 0.2, "interaction": 0.5, "purchase": 0.2,
          "share": 0.2, "share_reach": 50}


def funnel_doc(**funnel) -> dict:
    """The tiny instance (margin 7 a unit) with no organic demand and a TikTok channel reaching
    10,000 people whose conversion and viral come from a funnel: 0.5 x 0.2 x 0.5 x 0.2 = 1% buy,
    and 20% of buyers share with 50 people each, viral 0.2 x 50 x 1% = 0.1."""
    doc = base_instance()
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "tiktok"}]
    doc["market_channels"] = [{"market": "A", "channel": "tiktok", "reach": 10_000, "activation_cost": 100}]
    doc["funnels"] = [{**FUNNEL, **funnel}]
    return doc


def direct_doc(conversion: float, viral: float) -> dict:
    doc = funnel_doc()
    del doc["funnels"]
    doc["market_channels"][0].update(conversion=conversion, viral=viral)
    return doc


# Hand values: pot = 10,000 x 1% / (1 - 0.1) = 111.11 units at 7 less the channel's 100: 677.78.
# Without sharing (share 0): 100 units, 600. A purchase stage of 0.1 halves the conversion to
# 0.5% and the viral to 0.05: 10,000 x 0.5% / 0.95 = 52.63 units, 268.42.
def test_hand_computed(tmp):
    for doc, expected in ((funnel_doc(), 7 * 10_000 * 0.01 / 0.9 - 100), (funnel_doc(share=0), 600.0),
                          (funnel_doc(purchase=0.1), 7 * 10_000 * 0.005 / 0.95 - 100)):
        solved = solve_doc(doc, tmp)
        assert close(solved.objective, expected), (solved.objective, expected)
        assert solved.evaluation.ok and close(solved.evaluation.objective, expected)
    assert 7 * 10_000 * 0.01 / 0.9 - 100 == pytest.approx(677.78, abs=1e-2)


def test_the_funnel_is_its_rates_given_directly(tmp):
    """The funnel and conversion 1% with viral 0.1 in market_channels give the same plan and profit."""
    assert close(solve_doc(funnel_doc(), tmp).objective, solve_doc(direct_doc(0.01, 0.1), tmp).objective)


def test_the_checker_takes_the_funnel(tmp):
    """The checker derives the rates itself: a plan selling the 111.11 units passes; one that sells
    120 (more than the funnel allows) breaks row 5, and the same plan is fine where the conversion
    given directly allows it."""
    solved = solve_doc(funnel_doc(), tmp)
    plan = copy.deepcopy(solved.plan)
    for record in plan["portfolio"] + plan["flows"]:
        record["units"] = 120.0
    assert "row 5 demand from channels" in {v.family for v in check_plan(solved.instance, plan).violations}
    wider = load_instance(write(direct_doc(0.012, 0.1), tmp, "wider"))
    assert check_plan(wider, plan).ok


def test_bad_tables_are_refused_with_their_place():
    doc = funnel_doc()
    doc["market_channels"][0]["conversion"] = 0.01
    with pytest.raises(InstanceError, match=r"table .funnels., row 1, column .channel.: .*gives conversion too"):
        load_document(doc, "bad.json")
    doc = funnel_doc()
    del doc["funnels"]
    with pytest.raises(InstanceError, match=r"table .market_channels., row 1, column .conversion.: conversion is blank"):
        load_document(doc, "bad.json")
    doc = funnel_doc(share=1.0, share_reach=100)
    with pytest.raises(InstanceError, match=r"row 1, column .share_reach.: \(1 - next_period\) x share x share_reach x conversion = 1"):
        load_document(doc, "bad.json")
    doc = funnel_doc(purchase=1.5)
    with pytest.raises(InstanceError, match=r"funnels.*purchase"):
        load_document(doc, "bad.json")
    doc = funnel_doc(channel="ig")
    doc["channels"].append({"channel": "ig"})
    with pytest.raises(InstanceError, match=r"channel ig does not run in market A"):
        load_document(doc, "bad.json")


def test_scenarios_override_the_funnel(tmp):
    """half_purchase: the purchase stage at 0.1, 268.42; no_sharing: share 0, 600."""
    from xborder.data.scenarios import read_scenarios
    from xborder.studies.scenarios import run_scenarios

    (tmp / "s.csv").write_text("scenario,table,action,column,value,where\n"
                               "half_purchase,funnels,scale,purchase,0.5,market=A\n"
                               "no_sharing,funnels,set,share,0,market=A\n")
    base = load_instance(write(funnel_doc(), tmp))
    study = run_scenarios(base, read_scenarios(tmp / "s.csv", base), options=EXACT)
    got = dict(zip(study.comparison["scenario"], study.comparison["objective"]))
    assert got == pytest.approx({"base": 7 * 10_000 * 0.01 / 0.9 - 100, "half_purchase": 7 * 10_000 * 0.005 / 0.95 - 100,
                                 "no_sharing": 600.0})


@pytest.mark.parametrize("size", [(50, 6, 4, 3), (300, 10, 6, 1)], ids=["s", "m"])
def test_generator_switch_gives_the_same_rates(size):
    """Generated s and m with the funnels switched on: every channel's conversion and viral come
    from its funnel, equal to today's to 1e-12, and every other table is unchanged."""
    from xborder.data.funnels import funnel_rates

    today = generate(GeneratorSpec(*size))
    with_table = generate(GeneratorSpec(*size, mechanics=("funnels",)))
    rates = funnel_rates(load_document(with_table, "gen.json").tables["funnels"])
    for row in today["market_channels"]:
        got = rates.loc[(row["market"], row["channel"])]
        assert got["conversion"] == pytest.approx(row["conversion"], rel=1e-12)
        assert got["viral"] == pytest.approx(row["viral"], rel=1e-12, abs=1e-15)
    del with_table["funnels"]
    for row, before in zip(with_table["market_channels"], today["market_channels"]):
        assert "conversion" not in row and "viral" not in row
        row.update(conversion=before["conversion"], viral=before["viral"])
    assert with_table == today


def test_drawn_scenarios_shock_the_purchase_stage():
    """`generate --scenarios` on an instance with funnels draws the same shocks, on each channel's
    purchase stage instead of its conversion column: per scenario, the factors met by each
    channel are the same as without funnels."""
    from xborder.data.generate import draw_scenarios

    def factors(rows, table, column):
        got = {}
        for r in rows:
            if r["table"] == table and r["column"] == column:
                where = dict(part.split("=") for part in r["where"].split(";"))
                got.setdefault(r["scenario"], []).append((where["market"], round(r["value"], 6)))
        return {k: sorted(v) for k, v in got.items()}

    spec = (50, 6, 4, 3)
    plain = load_document(generate(GeneratorSpec(*spec)), "plain.json")
    staged = load_document(generate(GeneratorSpec(*spec, mechanics=("funnels",))), "staged.json")
    before, after = draw_scenarios(plain, 4, seed=2), draw_scenarios(staged, 4, seed=2)
    assert not factors(after, "market_channels", "conversion")
    by_market = {s: sorted({(m, v) for ms, v in rows for m in ms.split("|")})
                 for s, rows in factors(before, "market_channels", "conversion").items()}
    assert {s: sorted(set(rows)) for s, rows in factors(after, "funnels", "purchase").items()} == by_market


def test_a_scenario_on_a_funnel_channel_s_own_rates_is_refused(tmp):
    """Scaling market_channels.conversion where the funnel gives it would silently change nothing
    (a blank scaled stays blank): refused, naming the row."""
    from xborder.data.scenarios import ScenarioError, apply_scenarios, read_scenarios

    (tmp / "s.csv").write_text("scenario,table,action,column,value,where\n"
                               "hit,market_channels,scale,conversion,1.5,market=A\n")
    base = load_instance(write(funnel_doc(), tmp))
    with pytest.raises(ScenarioError, match=r"row 2.*the conversion of A/tiktok comes from its funnels row"):
        apply_scenarios(base, read_scenarios(tmp / "s.csv", base))


def test_next_period_shares_carry_word_of_mouth(tmp):
    """next_period 0.5 splits the 0.1 referred buyers a buyer brings: viral 0.05 now, rho 0.05 next
    period. Two half-years (demand share 0.5 each): H1 sells 10,000 x 1% / 0.95 x 0.5 = 52.63 units,
    H2 the same plus 5% of H1's channel sales, 55.26; 107.89 units at 7 less the channel's 100 over
    the year: 655.26, as with conversion 1%, viral 0.05 and rho 0.05 given directly. rho given
    beside a funnel is refused."""
    from test_payment_methods import two_periods

    h1 = 10_000 * 0.01 / 0.95 * 0.5
    expected = 7 * (h1 + h1 * 1.05) - 100
    assert expected == pytest.approx(655.26, abs=1e-2)
    solved = solve_doc(two_periods(funnel_doc(next_period=0.5)), tmp)
    assert close(solved.objective, expected) and solved.evaluation.ok
    direct = direct_doc(0.01, 0.05)
    direct["market_channels"][0]["rho"] = 0.05
    assert close(solve_doc(two_periods(direct), tmp).objective, expected)
    one = solve_doc(funnel_doc(next_period=0.5), tmp)  # one period: 10,000 x 1% / 0.95 = 105.26 units
    assert close(one.objective, 7 * 10_000 * 0.01 / 0.95 - 100)
    plan = copy.deepcopy(one.plan)
    for record in plan["portfolio"] + plan["flows"]:
        record["units"] = 110.0  # within viral 0.1 (111.11), not 0.05
    assert "row 5 demand from channels" in {v.family for v in check_plan(one.instance, plan).violations}
    doc = funnel_doc()
    doc["market_channels"][0]["rho"] = 0.05
    with pytest.raises(InstanceError, match=r"gives rho too"):
        load_document(doc, "bad.json")
