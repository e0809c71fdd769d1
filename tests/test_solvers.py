"""Every solver back end gives the same optimum through the same result object and checker.

The optional solvers (SCIP, CBC, GLPK) are installed by `.ci/run`; there XBORDER_REQUIRE_SOLVERS=1
turns a missing solver into a failure, so CI really exercises each one.
"""

from __future__ import annotations

import math
import os

import pytest
from click.testing import CliRunner

from conftest import REPO, base_instance, write
from test_objective import cflp_doc
from xborder.cli import cli
from xborder.data.classic import read_orlib_cap
from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.formulation import Formulation, Sourcing
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions, SolverUnavailable, available_solvers, get_solver
from xborder.models.columns import structure_of

EXACT = SolveOptions(mip_gap=1e-9, time_limit=120)
SOLVERS = ["highs", "highs_persistent", "scip", "cbc", "glpk"]


@pytest.fixture(params=SOLVERS)
def solver(request):
    ok, why = available_solvers()[request.param]
    if not ok:
        if os.environ.get("XBORDER_REQUIRE_SOLVERS") == "1":
            pytest.fail(f"{request.param} is required here but not available: {why}")
        pytest.skip(f"{request.param} not available: {why}")
    return request.param


def _solve(inst, solver, form=None, options=EXACT):
    run = solve_loaded(inst, form or Formulation(), options, solver)
    assert run.result.solver == solver
    return run


def test_registry_lists_every_solver():
    assert list(available_solvers()) == SOLVERS
    result = CliRunner().invoke(cli, ["solvers"])
    assert result.exit_code == 0 and all(name in result.output for name in SOLVERS)


@pytest.mark.parametrize("name, build, expected", [
    ("service-target", lambda: _service_doc(), 1700.0 / 3.0),
    ("facility-location", cflp_doc, 450.0),
])
def test_hand_solved_cases(tmp_path, solver, name, build, expected):
    """Cases from test_families / test_objective (arithmetic in their docstrings)."""
    run = _solve(load_instance(write(build(), tmp_path)), solver)
    assert run.result.status.value == "optimal"
    assert math.isclose(run.result.objective, expected, rel_tol=1e-6) and run.evaluation.ok
    assert run.result.size.cols > 0 and run.result.gap is not None


def _service_doc():
    doc = base_instance()
    doc["markets"][0]["target_avg_lead_time_days"] = 6
    doc["lanes"][0]["transit_days"] = 9
    doc["lanes"].append({"lane": "eA", "from": "origin", "to": "A", "mode": "express", "transit_days": 3, "cost_per_unit": 3})
    return doc


def test_orlib_cap41(solver):
    inst = load_document(read_orlib_cap(REPO / "benchmarks" / "orlib" / "cflp" / "cap41.txt"), "cap41")
    run = _solve(inst, solver)
    assert math.isclose(run.result.objective, 1040444.375, rel_tol=1e-6) and run.evaluation.ok


def test_generated_instances_agree_with_highs(solver):
    for seed, objective in ((1, "profit"), (3, "cost")):
        inst = load_document(generate(GeneratorSpec(10, 4, 3, seed, objective)), "gen.json")
        reference = _solve(inst, "highs").result.objective
        for form in (Formulation(), Formulation(sourcing=Sourcing.SINGLE)):
            run = _solve(inst, solver, form)
            expected = reference if form == Formulation() else _solve(inst, "highs", form).result.objective
            assert math.isclose(run.result.objective, expected, rel_tol=1e-6), (seed, str(form))
            assert run.evaluation.ok


def test_time_limit_maps_to_the_solver(solver):
    """A 1-second limit on the demo: either a plan within the limit or an honest 'no plan'."""
    inst = load_instance(REPO / "instances" / "demo.json")
    run = _solve(inst, solver, options=SolveOptions(time_limit=1, mip_gap=0.0))
    assert run.result.status.value in ("optimal", "time_limit")
    if run.result.has_solution:
        assert run.evaluation.feasible


def test_persistent_highs_resolves_the_same_model_after_a_change(tmp_path):
    """Row 10's case (705, see test_families), then re-solved in place with W forced closed
    (y fixed to 0): everything ships direct, 100 * 7 = 700."""
    from test_families import warehouse_route
    from xborder.models.build import build_model
    from xborder.solvers.pyomo_backends import HighsPersistentSolver

    inst = load_instance(write(warehouse_route(base_instance(), fixed=20, capacity=0.5), tmp_path))
    model = build_model(inst)
    backend = HighsPersistentSolver()
    first = backend.solve(model, EXACT)
    assert math.isclose(first.objective, 705.0, rel_tol=1e-9)
    solver = backend._solver
    model.y["W"].fix(0)  # an in-place change the persistent interface picks up
    second = backend.solve(model, EXACT)
    assert math.isclose(second.objective, 700.0, rel_tol=1e-9) and backend._solver is solver


def test_unavailable_solver_names_the_installed_ones(monkeypatch):
    from xborder.solvers import pyomo_backends

    monkeypatch.setattr(pyomo_backends.GlpkSolver, "availability", classmethod(lambda cls: (False, "glpsol missing")))
    with pytest.raises(SolverUnavailable, match=r"glpk.*glpsol missing.*installed: highs"):
        get_solver("glpk")


def test_warm_start_keeps_the_optimum_and_its_plan_is_feasible():
    """The rounded-LP start is a feasible point of the compiled model, and solving from it reaches
    the same optimum as a cold start."""
    import numpy as np
    import highspy

    from xborder.models.build import build_model
    from xborder.solvers.compile import CompiledModel
    from xborder.solvers.relaxed import RelaxedLp
    from xborder.solvers.tree import rounded_lp_plan

    inst = load_instance(REPO / "instances" / "demo.json")
    model = build_model(inst)
    compiled = CompiledModel(model)
    plan = rounded_lp_plan(RelaxedLp(compiled, highspy), None, structure_of(model).strategic)
    assert plan is not None
    activity = compiled.A @ plan
    scale = 1e-6 * np.maximum(1.0, np.abs(activity))
    assert np.all(activity >= compiled.row_lower - scale) and np.all(activity <= compiled.row_upper + scale)
    assert np.all(plan >= compiled.col_lower - 1e-9) and np.all(plan <= compiled.col_upper + 1e-9)
    cold = _solve(inst, "highs")
    warm = _solve(inst, "highs", options=SolveOptions(mip_gap=1e-9, warm_start=True))
    assert math.isclose(cold.result.objective, warm.result.objective, rel_tol=1e-6) and warm.evaluation.ok


def _cap41():
    return load_document(read_orlib_cap(REPO / "benchmarks" / "orlib" / "cflp" / "cap41.txt"), "cap41")


def test_warm_start_is_on_by_default_without_cuts_and_runs_beside_highs(monkeypatch):
    """OR-Library cap41 (982 columns) has no xborder cuts. With the size threshold at 0 the
    default warm start is on and runs beside HiGHS's MIP (nothing in HiGHS's model changes);
    above 982 it is off. Either way the run ends at the published optimum 1,040,444.375."""
    import xborder.solvers.prepare as prepare
    from xborder.models.build import build_model
    from xborder.solvers.compile import CompiledModel

    inst = _cap41()
    model = build_model(inst)
    compiled = CompiledModel(model)
    assert len(compiled.columns) == 982
    for threshold, warm in ((0, True), (983, False)):
        monkeypatch.setattr(prepare, "WARM_START_MIN_COLUMNS", threshold)
        stages = prepare.Stages.of(model, compiled, SolveOptions())
        assert not stages.cuts and stages.warm is warm and stages.beside_highs is warm
        run = _solve(inst, "highs", options=SolveOptions(mip_gap=1e-9, time_limit=120))
        assert math.isclose(run.result.objective, 1040444.375, rel_tol=1e-6) and run.evaluation.ok


def test_a_plan_offered_beside_highs_is_taken_by_it():
    """`PlanOffers`: a feasible plan put before the run (every warehouse open, the rest from a
    fresh LP) is handed to HiGHS at its first user-solution callback, and HiGHS accepts it."""
    import highspy
    import numpy as np

    from xborder.models.build import build_model
    from xborder.solvers.compile import CompiledModel, highs_lp, new_highs
    from xborder.solvers.prepare import PlanOffers
    from xborder.solvers.relaxed import RelaxedLp

    compiled = CompiledModel(build_model(_cap41()))
    lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    lower[compiled.integer] = upper[compiled.integer]
    plan = RelaxedLp(compiled, highspy).solve_fresh(lower, upper)
    offers = PlanOffers(compiled)
    offers.put(np.where(compiled.integer, np.round(plan), plan))
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.passModel(highs_lp(compiled, highspy))
    h.cbMipUserSolution.subscribe(offers.hand_over)
    h.run()
    assert offers.handed == 1 and offers.pending is None
    assert math.isclose(h.getInfo().objective_function_value, 1040444.375, rel_tol=1e-6)


def test_the_preparation_beside_highs_is_halted_when_highs_ends():
    """`alongside`: once the MIP thread returns, the preparation's budget has no time left, so
    a preparation that runs until told to stop returns, and the call comes back."""
    import time

    from xborder.solvers.budget import Budget
    from xborder.solvers.prepare import alongside

    budget = Budget(60.0)
    beside = budget.companion()
    seen = []

    def prepare():
        while not beside.expired():
            time.sleep(0.01)
        seen.append(budget.elapsed())

    alongside(lambda: time.sleep(0.3), prepare, beside)
    assert beside.stopped and not budget.stopped and 0.3 <= seen[0] < 5.0


def test_solver_options_reach_the_solver(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["solve", str(REPO / "instances" / "demo.json"), "--out", str(tmp_path),
                             "--solver-option", "mip_heuristic_effort=0.2"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["solve", str(REPO / "instances" / "demo.json"), "--out", str(tmp_path / "b"),
                              "--solver-option", "no_such_option=1"])
    assert bad.exit_code == 2 and "no_such_option" in bad.output
