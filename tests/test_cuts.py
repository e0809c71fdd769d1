"""Root cuts (models/cuts.py): hand-computed separations, validity on integer plans, the same
optimum with and without them, and the channel-demand cuts reaching the by_channel LP bound."""

from __future__ import annotations

import math

import highspy
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import DEMO, EXACT, base_instance, write
from test_calendar_start import quarters
from test_periods import SEASONAL
from xborder.cli import cli
from xborder.data.generate import SIZES, GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.build import build_model
from xborder.models.columns import structure_of
from xborder.models.cuts import active_separators, channel_demand_cuts, mitigation_cuts
from xborder.models.formulation import Demand, Formulation
from xborder.solvers import SolveOptions, get_solver
from xborder.solvers.compile import CompiledModel
from xborder.solvers.relaxed import (
    RelaxedLp,
    cut_loop,
    finish_stopped_round,
    lp_relaxation_bound,
    strengthen_root,
)
from xborder.solvers.tree import rounded_lp_plan


def _generated(seed: int, objective: str = "profit"):
    return load_document(generate(GeneratorSpec(*SIZES["s"], seed=seed, objective=objective)), f"gen-s{seed}.json")


def _point(model, values: dict) -> np.ndarray:
    """A column vector with the given {(variable, key): value} entries, zero elsewhere."""
    x = np.zeros(len(model.cols))
    for (name, key), value in values.items():
        x[model.cols.of(name, [key])[0]] = value
    return x


def _row(matrix, model, name, key) -> float:
    return matrix[0, model.cols.of(name, [key])[0]]


def test_channel_demand_cut_by_hand(tmp_path):
    """Pair (P,A) with no organic demand and two channels: T unlocks 1000 * 0.01 = 10 units,
    I unlocks 1000 * 0.03 = 30, so U = 40. The point s[T] = 1, s[I] = 0, z = 0.25, q = 10 meets
    row 5 (10 <= 10*1 + 30*0) and row 6 (10 <= 40*0.25). The subset inequality with S = {I}
    (s[I] = 0 < z, s[T] = 1 >= z) reads q <= 10 z + 30 s[I] = 2.5 here, so it cuts the point off:
    q - 10 z - 30 s[I] <= 0."""
    doc = base_instance()
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "T"}, {"channel": "I"}]
    doc["market_channels"] = [{"market": "A", "channel": c, "reach": 1000, "conversion": conv, "viral": 0}
                              for c, conv in (("T", 0.01), ("I", 0.03))]
    model = build_model(load_instance(write(doc, tmp_path)))
    x = _point(model, {("e", "A"): 1, ("s", 0): 1, ("s", 1): 0, ("z", 0): 0.25, ("q", 0): 10})
    cuts = channel_demand_cuts(model, x).toarray()
    assert cuts.shape[0] == 1
    assert _row(cuts, model, "q", 0) == 1 and math.isclose(_row(cuts, model, "z", 0), -10)
    assert _row(cuts, model, "s", 0) == 0 and math.isclose(_row(cuts, model, "s", 1), -30)
    assert cuts @ x > 0
    x[model.cols.of("z", [0])[0]] = 1.0  # offered in full: nothing to cut
    assert channel_demand_cuts(model, x).shape[0] == 0


def test_channel_demand_cut_by_hand_in_a_period(tmp_path):
    """The same pair over two periods of 20 days (W = 0.5 each), T with word of mouth rho = 0.5.
    In period 2: s[T] = 1, s[I] = 0, z = 0.25, q = 5 meets row 5_2 (5 <= 0.5 * 10 * 1, nothing
    carried) and row 6_2 (U_2 = 0.5 * 40 + 0.5 * 0.5 * 10 = 22.5, 22.5 * 0.25 >= 5). With
    S = {I} row 5_2 lifted reads q <= 0.5 (10 z + 30 s[I]) + 0.5 carry[T, 1] = 1.25 here, so
    q - 5 z - 15 s[I] - 0.5 carry[T, 1] <= 0 cuts the point off; period 1 sells nothing and has
    no cut."""
    doc = base_instance(horizon_days=40)
    doc["product_markets"][0]["base_demand"] = 0
    doc["channels"] = [{"channel": "T"}, {"channel": "I"}]
    doc["market_channels"] = [{"market": "A", "channel": c, "reach": 1000, "conversion": conv, "viral": 0, "rho": rho}
                              for c, conv, rho in (("T", 0.01, 0.5), ("I", 0.03, 0.0))]
    doc["periods"] = [{"period": name, "order": i, "length_days": 20} for i, name in enumerate(("one", "two"), 1)]
    model = build_model(load_instance(write(doc, tmp_path)))
    cols = model.cols
    x = np.zeros(len(cols))
    for column, value in ((cols.of("e", ["A"]), 1), (cols.at("s", [0], 1), 1), (cols.at("z", [0]), 0.25),
                          (cols.at("q", [0], 1), 5)):
        x[column] = value
    cuts = channel_demand_cuts(model, x).toarray()
    assert cuts.shape[0] == 1
    row = cuts[0]
    assert row[cols.at("q", [0], 1)] == [1] and np.isclose(row[cols.at("z", [0])], -5)
    assert np.isclose(row[cols.at("s", [1], 1)], -15) and row[cols.at("s", [0], 1)] == [0]
    assert np.isclose(row[cols.at("carry", [0], 0)], -0.5) and row[cols.at("q", [0], 0)] == [0]
    assert np.isclose(cuts @ x, 5 - 1.25)
    x[cols.at("z", [0])] = 1.0  # offered in full: nothing to cut
    assert channel_demand_cuts(model, x).shape[0] == 0


def test_mitigation_cut_by_hand(tmp_path):
    """Market A sells P at 10 and Q at 20, 5 units of each at most, so RevMax = 150. The point
    v = 0.5, q[P] = 5, q[Q] = 0, Rv = 50 meets row 18 (50 <= Rev = 50, 50 <= 150 * 0.5). Taking
    into S the products with price*q < price*U*v (only Q: 0 < 50; P: 50 >= 25) gives
    Rv <= 20 q[Q] + (10*5) v = 25 here: Rv - 50 v - 20 q[Q] <= 0 cuts the point off."""
    doc = base_instance()
    doc["markets"][0].update(payment_loss_rate=0.05, mitigation_cost=20, mitigated_loss_rate=0.01)
    doc["products"].append({"product": "Q", "unit_cost": 2, "base_price": 20, "weight_kg": 1, "volume_m3": 0.01})
    doc["product_markets"] = [{"product": p, "market": "A", "base_demand": 5} for p in ("P", "Q")]
    model = build_model(load_instance(write(doc, tmp_path)))
    pos = {p: i for i, p in enumerate(model.ix.pairs["product"])}
    x = _point(model, {("e", "A"): 1, ("v", "A"): 0.5, ("Rv", "A"): 50,
                       ("z", pos["P"]): 1, ("q", pos["P"]): 5, ("z", pos["Q"]): 1})
    cuts = mitigation_cuts(model, x).toarray()
    assert cuts.shape[0] == 1
    assert _row(cuts, model, "Rv", "A") == 1 and math.isclose(_row(cuts, model, "v", "A"), -50)
    assert math.isclose(_row(cuts, model, "q", pos["Q"]), -20) and _row(cuts, model, "q", pos["P"]) == 0
    assert cuts @ x > 0


def test_mitigation_cut_by_hand_over_periods(tmp_path):
    """Market A sells P at 10, 5 units over two periods of 20 days (W = 0.5, U_t = 2.5 each). The
    point v = 0.5, q[P,1] = 2.5, q[P,2] = 0, Rv = 25 meets row 18 (25 <= Rev = 25,
    25 <= 50 * 0.5) and every cut over whole products (P in S: Rv <= 10 * 2.5 = 25; P out:
    Rv <= 50 * 0.5 = 25). Per period, (P,2) goes into S (0 < 2.5 * 0.5) and (P,1) does not
    (2.5 >= 1.25): Rv <= 10 q[P,2] + (10 * 2.5) v = 12.5 here, so Rv - 25 v - 10 q[P,2] <= 0
    cuts the point off."""
    doc = base_instance(horizon_days=40)
    doc["markets"][0].update(payment_loss_rate=0.05, mitigation_cost=20, mitigated_loss_rate=0.01)
    doc["product_markets"][0]["base_demand"] = 5
    doc["periods"] = [{"period": name, "order": i, "length_days": 20} for i, name in enumerate(("one", "two"), 1)]
    model = build_model(load_instance(write(doc, tmp_path)))
    cols = model.cols
    assert np.allclose(model.axis.U, [[2.5, 2.5]])
    x = np.zeros(len(cols))
    for column, value in ((cols.of("e", ["A"]), 1), (cols.of("v", ["A"]), 0.5), (cols.of("Rv", ["A"]), 25),
                          (cols.at("z", [0]), 1), (cols.at("q", [0], 0), 2.5)):
        x[column] = value
    cuts = mitigation_cuts(model, x).toarray()
    assert cuts.shape[0] == 1
    row = cuts[0]
    assert row[cols.of("Rv", ["A"])] == [1] and np.isclose(row[cols.of("v", ["A"])], -25)
    assert np.isclose(row[cols.at("q", [0], 1)], -10) and row[cols.at("q", [0], 0)] == [0]
    assert np.isclose(cuts @ x, 25 - 12.5)


def _integer_point(model) -> np.ndarray:
    """The best plan HiGHS finds without cuts in 20 s: the optimum of the one-period cases, an
    integer plan of the seasonal demo (which is not proven in minutes)."""
    result = get_solver("highs").solve(model, SolveOptions(mip_gap=1e-9, cuts=False, time_limit=20))
    assert result.objective is not None
    return np.array([v.value for v in structure_of(model).columns])


def _generated_quarters(seed: int):
    """A small generated instance (30 products, 4 markets, 3 warehouses) over four quarters with a
    Q4 peak and dearer sea in Q3."""
    return load_document(quarters(generate(GeneratorSpec(30, 4, 3, seed))), f"gen-q{seed}.json")


@pytest.mark.parametrize("make", [lambda: load_instance(DEMO), lambda: _generated(1), lambda: _generated(2, "cost"),
                                  lambda: load_instance(SEASONAL), lambda: _generated_quarters(1)],
                         ids=["demo", "gen-s1", "gen-s2-cost", "demo-seasonal", "gen-quarters-1"])
def test_cuts_never_cut_off_an_integer_plan(make):
    """Valid inequalities: an integer plan found without cuts (the optimum where it is proven in
    20 s) and the rounded warm-start plan violate none of them, over a calendar too."""
    model = build_model(make())
    separators = structure_of(model).separators()
    assert separators
    start = rounded_lp_plan(RelaxedLp(CompiledModel(model), highspy), None, structure_of(model).strategic)
    assert start is not None
    for x in (_integer_point(model), start):
        assert all(separate(model, x).shape[0] == 0 for separate in separators)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_optimum_with_and_without_cuts(seed):
    inst = _generated(seed)
    with_cuts = get_solver("highs").solve(build_model(inst), EXACT)
    without = get_solver("highs").solve(build_model(inst), SolveOptions(mip_gap=1e-9, cuts=False))
    assert with_cuts.proven_optimal and without.proven_optimal
    assert math.isclose(with_cuts.objective, without.objective, rel_tol=1e-6)
    assert with_cuts.extra["root_cuts"]["rows"] > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_same_optimum_with_and_without_cuts_over_a_calendar(seed):
    """Four quarters: the cuts of every period and of the horizon move the root LP bound and
    leave the optimum where it is. Over a calendar they are separated where the linking rows are
    held back (the strategic tree's path, the default from 200,000 columns), so the tree is asked
    for here; without it this small model is solved without them."""
    inst = _generated_quarters(seed)
    assert "root_cuts" not in get_solver("highs").solve(build_model(inst), EXACT).extra
    with_cuts = get_solver("highs").solve(build_model(inst), SolveOptions(mip_gap=1e-9, tree=True))
    without = get_solver("highs").solve(build_model(inst), SolveOptions(mip_gap=1e-9, cuts=False))
    assert with_cuts.proven_optimal and without.proven_optimal
    assert math.isclose(with_cuts.objective, without.objective, rel_tol=1e-6)
    facts = with_cuts.extra["root_cuts"]
    assert facts["rows"] > 0 and facts["lp_bound_after"] < facts["lp_bound_before"]


def test_channel_cuts_reach_the_by_channel_lp_bound():
    """The subset inequalities are the projection of demand = by_channel, so the cut loop on the
    aggregated LP ends at the by_channel LP bound (a cross-check between formulations)."""
    inst = _generated(1)
    model = build_model(inst)
    structure_of(model).separators = lambda: (channel_demand_cuts,)
    report = strengthen_root(RelaxedLp(CompiledModel(model), highspy), model)
    by_channel = lp_relaxation_bound(build_model(inst, Formulation(demand=Demand.BY_CHANNEL)))
    assert report.rounds >= 1 and report.lp_bound_after < report.lp_bound_before
    assert math.isclose(report.lp_bound_after, by_channel, rel_tol=1e-7)


def test_a_switched_off_family_takes_its_cuts_with_it():
    model = build_model(load_instance(DEMO))
    assert set(active_separators(model)) == {channel_demand_cuts, mitigation_cuts}
    model.demand_from_channels.deactivate()
    assert active_separators(model) == (mitigation_cuts,)
    by_channel = build_model(load_instance(DEMO), Formulation(demand=Demand.BY_CHANNEL))
    assert active_separators(by_channel) == (mitigation_cuts,)


def test_cli_reports_root_cuts_and_can_turn_them_off(tmp_path):
    import json

    runner = CliRunner()
    on = runner.invoke(cli, ["solve", str(DEMO), "--out", str(tmp_path / "on")])
    assert on.exit_code == 0 and "root cuts:" in on.output
    facts = json.loads((tmp_path / "on" / "solution.json").read_text())["run"]["root_cuts"]
    assert facts["rows"] > 0 and facts["lp_bound_after"] < facts["lp_bound_before"]
    off = runner.invoke(cli, ["solve", str(DEMO), "--out", str(tmp_path / "off"), "--no-cuts"])
    assert off.exit_code == 0 and "root cuts:" not in off.output
    assert json.loads((tmp_path / "off" / "solution.json").read_text())["run"]["root_cuts"] is None


def test_root_lp_bound_is_reported_when_tighter_than_the_solvers():
    """Every bound found before the MIP is valid, so the tightest is kept: a maximisation whose
    root LP ends at 120 and whose tree proves 110 has bound 110; a minimisation with LP bound 80
    and tree bound 90 has bound 90 (the tree works in minimisation sense: -110 for the max)."""
    from xborder.solvers.prepare import Preparation
    from xborder.solvers.relaxed import RootCuts
    from xborder.solvers.tree import TreeReport

    maximised = Preparation(root=RootCuts(lp_bound_after=120.0), tree=TreeReport(bound=-110.0))
    assert maximised.bound(sign=-1.0) == 110.0
    assert Preparation(root=RootCuts(lp_bound_after=120.0), tree=TreeReport(bound=-130.0)).bound(-1.0) == 120.0
    minimised = Preparation(root=RootCuts(lp_bound_after=80.0), tree=TreeReport(bound=90.0))
    assert minimised.bound(sign=1.0) == 90.0
    assert Preparation().bound(1.0) is None


def test_dive_fixes_every_strategic_binary_and_stops_at_its_deadline():
    """On the demo's cut LP: the dive leaves no strategic binary fractional and never makes the
    LP better than before (fixing only restricts it); with a past deadline it changes nothing,
    and the rounded start built from the dived point is a feasible plan (rounding the root LP
    itself may not be: on the demo it runs channels over the marketing budget)."""
    from xborder.solvers.tree import _fractional, dive

    model = build_model(load_instance(DEMO))
    compiled = CompiledModel(model)
    relaxed = RelaxedLp(compiled, highspy)
    root = strengthen_root(relaxed, model)
    strategic = structure_of(model).strategic & compiled.integer
    assert len(_fractional(root.lp_values, strategic)) > 0
    dived = dive(relaxed, root.lp_values, strategic)
    assert dived is not None and len(_fractional(dived, strategic)) == 0
    assert relaxed.bound <= root.lp_bound_after + 1e-6
    assert dive(relaxed, root.lp_values, strategic, until=0.0) is root.lp_values
    start = rounded_lp_plan(relaxed, dived, strategic, dive_until=0.0)
    activity = compiled.A @ start
    slack = 1e-6 * np.maximum(1.0, np.abs(activity))
    assert np.all(activity >= compiled.row_lower - slack) and np.all(activity <= compiled.row_upper + slack)


def test_a_cut_round_stopped_short_keeps_the_bound_its_duals_give():
    """A cut round whose LP stops before its optimum (here after a few dual simplex iterations, as
    at the end of its time share) keeps the bound the duals it stopped with give: valid, so never
    tighter than the round's own optimum (the same round run to its end on a second copy), never
    weaker than the root LP's, and what the dual simplex's objective had reached (re-solved from
    the root basis, its duals stay feasible, so its objective only falls towards the optimum).
    `finish_stopped_round` runs it on: stopped again, the bound never loosens; run to its end, it
    gives the full round's optimum, with the solution that attains it."""
    inst = _generated(1)
    full_model = build_model(inst)
    full = strengthen_root(RelaxedLp(CompiledModel(full_model), highspy), full_model, max_rounds=1)

    model = build_model(inst)
    relaxed = RelaxedLp(CompiledModel(model), highspy)
    report = strengthen_root(relaxed, model, max_rounds=0)
    relaxed.h.setOptionValue("simplex_iteration_limit", 10)
    cut_loop(relaxed, model, report, max_rounds=1)
    assert full.rounds == report.rounds == 1 and not full.stopped_round
    assert relaxed.h.getModelStatus() == highspy.HighsModelStatus.kIterationLimit and report.stopped_round
    assert full.lp_bound_after < report.lp_bound_after < report.lp_bound_before
    assert math.isclose(report.lp_bound_after, relaxed.bound, rel_tol=1e-9)
    assert report.facts()["last_round_stopped"] is True and "last_round_stopped" not in full.facts()

    stopped_at = report.lp_bound_after
    finish_stopped_round(relaxed, report)  # still at 10 iterations a run: stopped again, never looser
    assert report.stopped_round and full.lp_bound_after < report.lp_bound_after <= stopped_at
    relaxed.h.setOptionValue("simplex_iteration_limit", 10**9)
    finish_stopped_round(relaxed, report)  # run to its end: the full round's optimum and solution
    assert not report.stopped_round and math.isclose(report.lp_bound_after, full.lp_bound_after, rel_tol=1e-7)
    compiled = relaxed.compiled
    value = compiled.sign * float(compiled.cost @ report.lp_values + compiled.offset)
    assert math.isclose(value, report.lp_bound_after, rel_tol=1e-7)


def test_the_summary_says_when_the_bound_is_from_a_round_stopped_short():
    """The demo's cut rounds all finish: its summary gives the two bounds and nothing more; the same
    run with its last round marked as stopped says where the bound then comes from."""
    from xborder.pipeline import solve_loaded
    from xborder.report.summary import summary

    run = solve_loaded(load_instance(DEMO), duals=False)
    facts = run.result.extra["root_cuts"]
    stopped = "the last round's LP stopped at its time share; the bound is from its duals so far"
    assert facts["rounds"] >= 1 and "last_round_stopped" not in facts
    assert "root cuts:" in summary(run) and stopped not in summary(run)
    facts["last_round_stopped"] = True
    assert stopped in summary(run)
