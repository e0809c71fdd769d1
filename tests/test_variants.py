"""Formulation variants (docs/model.md, "Formulation options") on generated instances.

Reformulations must reach the same optimum (rel. 1e-6); single sourcing is a restriction, so it
can only lose profit (or add cost). LP bounds must order as the theory says: strong linking and
the by-channel split are at least as tight as their alternatives.
"""

from __future__ import annotations

import itertools
import math

import pytest

from xborder.data.generate import GeneratorSpec, generate
from xborder.data.instance import load_document
from xborder.models.build import build_model
from xborder.models.formulation import Demand, Flow, Formulation, Linking, Sourcing
from xborder.pipeline import solve_loaded
from xborder.solvers import SolveOptions
from xborder.solvers.relaxed import lp_relaxation_bound

EXACT = SolveOptions(mip_gap=1e-9)
INSTANCES = [GeneratorSpec(14, 5, 4, seed, objective) for seed, objective in
             [(1, "profit"), (2, "profit"), (5, "profit"), (3, "cost"), (4, "cost")]]
SPLIT = [Formulation(l, d, f) for l, d, f in itertools.product(Linking, Demand, Flow)]


@pytest.fixture(scope="module", params=INSTANCES, ids=lambda s: f"seed{s.seed}-{s.objective}")
def instance(request):
    return load_document(generate(request.param), "gen.json")


def test_reformulations_agree(instance):
    objectives = {}
    for form in SPLIT:
        run = solve_loaded(instance, form, EXACT)
        assert run.result.status.value == "optimal" and run.evaluation.ok, str(form)
        objectives[str(form)] = run.result.objective
    reference = objectives[str(Formulation())]
    for name, value in objectives.items():
        assert math.isclose(value, reference, rel_tol=1e-6), (name, value, reference)


def test_single_sourcing_is_a_restriction(instance):
    split = solve_loaded(instance, Formulation(), EXACT).result.objective
    for flow in Flow:
        run = solve_loaded(instance, Formulation(flow=flow, sourcing=Sourcing.SINGLE), EXACT)
        assert run.evaluation.ok
        if instance.objective == "profit":
            assert run.result.objective <= split * (1 + 1e-9) + 1e-6
        else:
            assert run.result.objective >= split * (1 - 1e-9) - 1e-6


def test_lp_bounds_order(instance):
    """Tighter formulations give LP bounds at least as close to the optimum."""
    sense = 1 if instance.objective == "profit" else -1  # profit: smaller bound is tighter

    def bound(form):
        return sense * lp_relaxation_bound(build_model(instance, form))

    assert bound(Formulation(linking=Linking.STRONG)) <= bound(Formulation(linking=Linking.WEAK)) + 1e-6
    assert bound(Formulation(demand=Demand.BY_CHANNEL)) <= bound(Formulation(demand=Demand.AGGREGATED)) + 1e-6
    assert math.isclose(bound(Formulation(flow=Flow.PATH)), bound(Formulation(flow=Flow.ARC)), rel_tol=1e-6, abs_tol=1e-6)
