"""Deferred linking rows and the strategic tree (solvers/prepare.py, solvers/tree.py): the same
optima as the full model solved by HiGHS alone, valid bounds when the tree stops early, plans
the independent checker accepts."""

from __future__ import annotations

import dataclasses

import highspy
import numpy as np
import pytest

from conftest import DEMO, EXACT
from xborder.data.generate import SIZES, GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.build import build_model
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions
from xborder.solvers.compile import CompiledModel
from xborder.solvers.relaxed import RelaxedLp, strengthen_root
from xborder.solvers.tree import strategic_tree
from xborder.models.columns import structure_of

GENERATED = [GeneratorSpec(*SIZES["s"], seed=seed) for seed in (1, 2, 3)]


@pytest.fixture(scope="module", params=GENERATED, ids=lambda s: f"seed{s.seed}")
def generated(request):
    return load_document(generate(request.param), f"gen-s{request.param.seed}.json")


@pytest.fixture(scope="module")
def exact_run(generated):
    """HiGHS alone on the full model: no cuts, no deferred rows, no tree."""
    run = solve_loaded(generated, options=dataclasses.replace(EXACT, cuts=False, warm_start=False))
    assert run.result.status.value == "optimal" and run.evaluation.ok
    return run


@pytest.fixture(scope="module")
def exact_optimum(exact_run):
    return exact_run.result.objective


def _rows_hold(compiled: CompiledModel, x: np.ndarray) -> bool:
    activity = compiled.A @ x
    slack = 1e-6 * np.maximum(1.0, np.abs(activity))
    return bool(np.all(activity >= compiled.row_lower - slack) and np.all(activity <= compiled.row_upper + slack))


def test_deferred_rows_leave_the_matrix_and_come_back_when_violated():
    """On the demo: holding back the deferrable families (the strong linking and, with creators,
    rows CR3 and CR4) removes exactly their rows; a point that ships one unit on a last-mile arc
    out of a closed warehouse violates that arc's linking row (f - U y = 1 > 0), and the rows
    offered are exactly the held-back rows the point violates; restoring puts every row back."""
    model = build_model(load_instance(DEMO))
    families = structure_of(model).deferrable
    assert set(families) == {"lastmile_needs_open", "creator_sales_within_offer", "creator_sales_need_open"}
    blocks = [getattr(model, name) for name in families]
    full = CompiledModel(model)
    held = CompiledModel(model, families)
    assert held.A.shape[0] == full.A.shape[0] - sum(len(b) for b in blocks) == full.A.shape[0] - held.deferred.total
    assert held.size == full.size  # the size reported counts the held-back rows

    linking, arc_row = model.lastmile_needs_open, 3
    x = np.zeros(len(model.cols))
    x[linking.matrix[arc_row].indices[linking.matrix[arc_row].data > 0]] = 1.0
    expected = sum(int(np.sum(b.matrix @ x > b.ub_array + 1e-9)) for b in blocks)
    rows, lower, upper = held.deferred.violated(x)
    assert rows.shape[0] == expected >= 1 and np.all(upper == 0.0)
    assert any((row != linking.matrix[arc_row]).nnz == 0 for row in rows)
    assert held.deferred.violated(x)[0].shape[0] == 0  # an added row is not offered twice
    held.add_rows(rows, lower, upper)  # as the root loop does
    held.restore_deferred()
    assert held.A.shape[0] == full.A.shape[0] and held.deferred is None


def test_deferred_creator_rows_keep_the_demo_optimum():
    """The demo books creators, so rows CR3 and CR4 are held back with the linking rows when the
    tree runs: the optimum is the one HiGHS proves on the full model, and the plan passes the
    checker."""
    demo = load_instance(DEMO)
    exact = solve_loaded(demo, options=dataclasses.replace(EXACT, cuts=False, warm_start=False, tree=False))
    run = solve_loaded(demo, options=dataclasses.replace(EXACT, tree=True))
    assert exact.result.status.value == run.result.status.value == "optimal" and run.evaluation.ok
    assert run.result.extra["stages"]["deferred_rows"]
    assert run.result.objective == pytest.approx(exact.result.objective, rel=1e-6)


def test_deferred_rows_keep_the_optimum(generated, exact_optimum):
    """Tree on (so the root LP holds the linking rows back and adds only the violated ones)
    against the full model: the same optimum, fewer linking rows, a plan the checker accepts."""
    run = solve_loaded(generated, options=dataclasses.replace(EXACT, tree=True))
    facts = run.result.extra["root_cuts"]
    assert run.result.status.value == "optimal" and run.evaluation.ok
    assert run.result.objective == pytest.approx(exact_optimum, rel=1e-6)
    assert 0 < facts["deferred_rows_added"] < facts["deferred_rows_total"]


def test_strategic_tree_matches_the_optimum(generated, exact_optimum):
    """The tree forced on: it closes the gap, its plan passes the checker and is within the gap
    of the exact optimum, and its bound is never below the optimum (profit is maximised)."""
    gap = 1e-4
    run = solve_loaded(generated, options=SolveOptions(mip_gap=gap, tree=True))
    tree = run.result.extra["strategic_tree"]
    assert run.evaluation.ok
    assert tree["bound"] >= exact_optimum * (1 - 1e-9)
    assert tree["objective"] is None or tree["objective"] <= exact_optimum * (1 + 1e-9)
    assert run.result.objective == pytest.approx(exact_optimum, rel=2 * gap)
    # on these instances the tree closes the gap itself (measured), so HiGHS's MIP does not run
    assert tree["closed"] and run.result.status.value == "optimal"
    assert tree["objective"] >= exact_optimum * (1 - gap)


def test_strategic_tree_stopped_early_still_bounds_the_optimum(generated, exact_optimum):
    """Stopped after its first branching (one open node allowed): the bound it reports is still
    valid and tighter than or equal to the root LP's, and its plan satisfies every row."""
    model = build_model(generated)
    compiled = CompiledModel(model, structure_of(model).deferrable)
    relaxed = RelaxedLp(compiled, highspy)
    root = strengthen_root(relaxed, model)
    report = strategic_tree(relaxed, root.lp_values, relaxed.value, structure_of(model).strategic & compiled.integer, 1e-4, max_open=1)
    bound = compiled.sign * report.bound
    assert report.nodes >= 1
    assert exact_optimum * (1 - 1e-9) <= bound <= root.lp_bound_after * (1 + 1e-9)
    if report.plan is not None:
        compiled.restore_deferred()
        assert _rows_hold(compiled, report.plan)
        assert compiled.sign * report.value <= exact_optimum * (1 + 1e-9)


def test_cli_tree_flag_reaches_the_solver_and_the_solution_file(tmp_path):
    """`xborder solve --tree` on the demo (below the automatic size): the summary and
    `run.strategic_tree` report the tree, and its plan passed the checker."""
    import json

    from click.testing import CliRunner

    from xborder.cli import cli

    result = CliRunner().invoke(cli, ["solve", str(DEMO), "--tree", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "strategic tree:" in result.output and "independent check: passed" in result.output
    facts = json.loads((tmp_path / "solution.json").read_text())["run"]["strategic_tree"]
    assert facts["nodes"] > 0 and facts["bound"] >= facts["objective"]


def _demo_root():
    model = build_model(load_instance(DEMO))
    compiled = CompiledModel(model, structure_of(model).deferrable)
    relaxed = RelaxedLp(compiled, highspy)
    root = strengthen_root(relaxed, model)
    return model, compiled, relaxed, root


def test_an_lp_stopped_at_the_deadline_is_not_taken_for_infeasible():
    """A re-solve whose time has passed returns no values, and `infeasible` stays False, so
    the tree cannot mistake it for a pruned branch."""
    import time

    model, compiled, relaxed, root = _demo_root()
    strategic = structure_of(model).strategic & compiled.integer
    column = np.flatnonzero(strategic & (np.abs(root.lp_values - np.round(root.lp_values)) > 1e-6))[0]
    lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    lower[column] = upper[column] = 1.0  # a change, so the LP has work to do
    assert relaxed.solve(lower, upper, until=time.perf_counter() - 1.0) is None and not relaxed.infeasible
    assert relaxed.solve(lower, upper) is not None


def test_tree_keeps_the_node_whose_children_went_unsolved():
    """If a child's LP ends without an answer, the parent goes back on the list: the tree stops
    with the root LP value as its bound (nothing was proved), and no plan."""
    model, compiled, relaxed, root = _demo_root()

    class Unsolved:
        def __init__(self):
            self.compiled, self.value, self.budget, self.infeasible = compiled, relaxed.value, relaxed.budget, False

        def solve(self, lower=None, upper=None, until=None):
            return None

    report = strategic_tree(Unsolved(), root.lp_values, relaxed.value, structure_of(model).strategic & compiled.integer, 1e-4)
    assert report.stopped_by == "LP not solved" and report.open == 1 and report.plan is None
    assert compiled.sign * report.bound == pytest.approx(root.lp_bound_after)


def test_short_of_time_chooses_the_tree_only_when_few_root_lp_times_are_left():
    """`_short_of_time`: 60 s limit, 27 s gone, root LP 18 s: 33 s left is less than 6 x 18 s, so
    the tree; 300 s limit: 273 s left is more, so HiGHS; never without a limit, nor when
    `--tree/--no-tree` decided."""
    from xborder.solvers.budget import Budget
    from xborder.solvers.prepare import TREE_TIME_RATIO, _short_of_time
    from xborder.solvers.relaxed import RootCuts

    assert TREE_TIME_RATIO == 6.0
    root = RootCuts(lp_seconds=18.0, lp_values=np.zeros(1))

    def budget(limit):
        b = Budget(limit)
        if limit is not None:
            b.start -= 27.0
            b.deadline -= 27.0
        return b

    assert _short_of_time(SolveOptions(), budget(60.0), root)
    assert not _short_of_time(SolveOptions(), budget(300.0), root)
    assert not _short_of_time(SolveOptions(), budget(None), root)
    assert not _short_of_time(SolveOptions(tree=False), budget(60.0), root)
    assert not _short_of_time(SolveOptions(tree=True), budget(60.0), root)
    assert not _short_of_time(SolveOptions(), budget(60.0), RootCuts(lp_seconds=18.0))  # root LP unsolved


def test_tree_chosen_by_time_runs_on_the_full_lp_and_keeps_the_optimum(generated, exact_optimum, monkeypatch):
    """With the ratio raised so that any limit is short, the default run picks the tree after the
    root LP: no linking rows were held back (the tree was not wanted before the compile), the
    tree ran, and the plan is the exact optimum within the gap, accepted by the checker."""
    import xborder.solvers.prepare as prepare

    monkeypatch.setattr(prepare, "TREE_TIME_RATIO", 1e9)
    gap = 1e-4
    run = solve_loaded(generated, options=SolveOptions(mip_gap=gap, time_limit=600))
    assert run.evaluation.ok and run.result.status.value == "optimal"
    assert "strategic_tree" in run.result.extra
    assert "deferred_rows_total" not in run.result.extra.get("root_cuts", {})
    assert run.result.objective == pytest.approx(exact_optimum, rel=2 * gap)


def test_rounding_keeps_as_many_channels_as_the_marketing_budget_allows():
    """A point whose channels are all fractional and above 0.5: rounding all of them up breaks
    the demo's marketing budget, so `nearest_rounding` keeps the highest ones that fit.

    Hand computation from instances/demo.json: the channels of the 8 entered markets (all but DE
    and FR) get values 0.99, 0.98, ... in table order, no creator is booked, everything else
    strategic is integral.
    All 28 up cost 515,000 > 450,000. In table order the activation costs add up to
    60+45+30+15 (US) +25+20+8 (UK) +30+25+20 (JP) +25+15+20+12 (BR) +15+10+15 (MX)
    +15+12+6+10 (ID) +10 (TH line) = 443,000 for the first 22; the 23rd (TH tiktok_shop, 10,000)
    would make 453,000. So the plan opens exactly those 22 channels."""
    from xborder.models.index import build_index
    from xborder.solvers.tree import nearest_rounding

    instance = load_instance(DEMO)
    model, compiled, relaxed, root = _demo_root()
    channels = build_index(instance).channels
    strategic = structure_of(model).strategic & compiled.integer
    s_columns = np.array([j for j, column in enumerate(compiled.columns) if str(column).startswith("s[")])
    entered = ~channels["market"].isin(["DE", "FR"]).to_numpy()
    point = np.where(strategic, np.round(root.lp_values), root.lp_values)
    point[s_columns] = 0.0
    point[s_columns[entered]] = 0.99 - 0.01 * np.arange(entered.sum())
    point[[j for j, column in enumerate(compiled.columns) if str(column).startswith("b[")]] = 0.0  # no creator booked

    all_up_lower, all_up_upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    all_up = np.flatnonzero(strategic)
    all_up_lower[all_up] = all_up_upper[all_up] = np.ceil(point[all_up])
    assert channels["activation_cost"].to_numpy()[entered].sum() == 515_000
    assert relaxed.solve_fresh(all_up_lower, all_up_upper) is None and relaxed.infeasible

    assert nearest_rounding(relaxed, point, strategic) is None  # without the repair: all up, infeasible
    plan = nearest_rounding(relaxed, point, strategic, repair=True)
    assert plan is not None
    opened = np.flatnonzero(np.round(plan[s_columns]) == 1)
    assert list(opened) == list(np.flatnonzero(entered)[:22])
    assert channels["activation_cost"].to_numpy()[opened].sum() == 443_000


def _polished(generated, start: np.ndarray, closed: bool):
    """`HighsSolver._polish` on the generated model after a (fake) tree report, from `start`."""
    from xborder.solvers.budget import Budget
    from xborder.solvers.highs import HighsSolver
    from xborder.solvers.prepare import Preparation, Stages
    from xborder.solvers.tree import TreeReport

    model = build_model(generated)
    compiled = CompiledModel(model, structure_of(model).deferrable)
    assert compiled.satisfies(start)
    options = SolveOptions(mip_gap=1e-6)
    stages = Stages.of(model, compiled, options)
    prep = Preparation(start_plan=start.copy(), tree=TreeReport(closed=closed))
    HighsSolver()._polish(compiled, options, prep, stages, Budget(None))
    return prep, stages.strategic, compiled


def test_polish_completes_a_plan_from_its_strategic_decisions(generated, exact_run):
    """The optimum's strategic decisions (markets, regimes, channels, warehouses, mitigation)
    with nothing sold (every other column 0: a feasible plan that pays the fixed costs and earns
    nothing): with those decisions fixed the rest is a MIP whose optimum is the exact optimum, so
    the polish must reach it (cross-check with HiGHS alone on the full model), keep the strategic
    decisions as they were (from the plan that enters no market it stays there), and hand over a
    plan the checker's rows accept. After a tree that closed its gap it does nothing."""
    exact_optimum = exact_run.result.objective
    strategic = structure_of(build_model(generated)).strategic
    start = np.where(strategic, exact_run.values, 0.0)
    prep, fixed, compiled = _polished(generated, start, closed=False)
    polished = prep.start_plan
    assert prep.polish["objective_before"] == pytest.approx(compiled.objective_of(start))
    assert prep.polish["objective_before"] < exact_optimum * (1 - 1e-3)
    assert prep.polish["objective"] == pytest.approx(exact_optimum, rel=1e-5)
    assert compiled.objective_of(polished) == pytest.approx(exact_optimum, rel=1e-5)
    assert np.array_equal(polished[fixed], np.round(start[fixed]))
    assert _rows_hold(compiled, polished)

    # from the plan that enters no market, the strategic decisions stay closed: nothing to sell
    empty, _, _ = _polished(generated, np.clip(np.zeros(len(start)), compiled.col_lower, compiled.col_upper), closed=False)
    assert not empty.start_plan[fixed].any() and empty.polish["objective"] == empty.polish["objective_before"]

    untouched, _, _ = _polished(generated, start, closed=True)
    assert untouched.polish is None and np.array_equal(untouched.start_plan, start)


def test_a_tree_stopped_early_is_polished_and_the_run_says_so(monkeypatch):
    """The demo with the tree forced and stopped before its first branching (no open node
    allowed): the polish runs from its plan, the result, the solution's run facts and the summary
    report it; its plan is no worse than the one it got, and HiGHS's MIP, which has most of the
    minute left after it, starts from it (the plan written is no worse again and passes the checker)."""
    from xborder.report.summary import summary
    from xborder.solvers import prepare

    def stopped(*args, **kwargs):
        return strategic_tree(*args, **{**kwargs, "max_open": 0})

    monkeypatch.setattr(prepare, "strategic_tree", stopped)
    run = solve_loaded(load_instance(DEMO), options=SolveOptions(tree=True, time_limit=60))
    polish = run.result.extra["polish"]
    assert not run.result.extra["strategic_tree"]["closed"] and run.evaluation.ok
    assert polish["objective_before"] <= polish["objective"] <= run.result.objective * (1 + 1e-9)  # HiGHS's MIP went on
    assert run.facts()["polish"] == polish
    assert "polish (the best plan's markets, channels and warehouses fixed" in summary(run)
