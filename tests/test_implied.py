"""Column upper bounds implied by the rows (solvers/implied.py): computed by hand on a tiny
system, and on real models the root LP with them is the same LP (same optimum) and every plan
keeps them."""

from __future__ import annotations

from types import SimpleNamespace

import highspy
import numpy as np
import pytest
import scipy.sparse as sp
from conftest import DEMO
from test_calendar_start import quarters
from test_periods import SEASONAL
from xborder.data.generate import SIZES, GeneratorSpec, generate
from xborder.data.instance import load_document, load_instance
from xborder.models.build import build_model
from xborder.models.columns import structure_of
from xborder.solvers import SolveOptions, get_solver
from xborder.solvers.compile import CompiledModel, loaded_highs
from xborder.solvers.implied import SAFETY, implied_upper
from xborder.solvers.prepare import box_root
from xborder.solvers.relaxed import RelaxedLp, dual_bound

INF = np.inf


def tiny_system():
    """Columns z in [0, 1], q, x1, x2, w >= 0 and three rows:
        row 0:  q - 5 z <= 0           -> q  <= (0 - min(-5 z)) / 1 = 5              (first pass)
        row 1:  x1 + x2 - q = 0        -> x1 <= 0 - min(x2 - q) = q's bound 5, x2 alike (second pass,
                                          once q has one); its lower side, -x1 - x2 + q <= 0, gives
                                          q <= x1 + x2's bounds = 10, not tighter than 5
        row 2:  2 x1 + w >= 1          -> only a lower side: no column gets a bound from it, and w
                                          appears nowhere else, so w stays unbounded."""
    A = sp.csr_matrix(np.array([[-5.0, 1, 0, 0, 0],
                                [0, -1, 1, 1, 0],
                                [0, 0, 2, 0, 1]]))
    return A, np.array([-INF, 0.0, 1.0]), np.array([0.0, 0.0, INF]), np.zeros(5), np.array([1.0, INF, INF, INF, INF])


def test_implied_bounds_by_hand():
    upper = implied_upper(*tiny_system())
    expected = np.array([1.0, 5.0, 5.0, 5.0, INF])
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(upper), finite)
    # each bound is the hand value loosened by SAFETY (relative and absolute), never tightened below it
    assert np.all(upper[finite] >= expected[finite])
    assert np.allclose(upper[finite], expected[finite], rtol=0, atol=3 * SAFETY * (1 + expected[finite]))
    assert upper[0] == 1.0  # z's own bound (row 0 gives z nothing: its coefficient is negative)


def test_one_pass_bounds_only_what_leans_on_own_bounds():
    """With one pass, x1 and x2 are not bounded yet: row 1 needs q's bound, found in that pass."""
    upper = implied_upper(*tiny_system(), passes=1)
    assert np.isfinite(upper[1]) and not np.isfinite(upper[2]) and not np.isfinite(upper[3])


def test_a_free_column_is_bounded_by_its_row_alone():
    """A free column f (no lower bound) in f - 5 z <= 0 gets f <= 5: its own open lower bound does
    not count against it; in f + g <= 3 with g free it gets nothing (g's term has no minimum)."""
    A = sp.csr_matrix(np.array([[1.0, -5.0, 0.0], [1.0, 0.0, 1.0]]))
    upper = implied_upper(A, np.array([-INF, -INF]), np.array([0.0, 3.0]), np.array([-INF, 0.0, -INF]),
                          np.array([INF, 1.0, INF]))
    assert upper[0] == pytest.approx(5.0, abs=1e-5) and upper[0] >= 5.0
    assert upper[1] == 1.0 and not np.isfinite(upper[2])


def test_a_bound_never_falls_below_the_lower_bound():
    """Row 0 with q >= 7 is infeasible (q <= 5); the bound stays at 7 (a bound below the lower
    one would be HiGHS's error, where the rows leave the infeasibility to the LP to report)."""
    A, rl, ru, lower, upper = tiny_system()
    lower = lower.copy()
    lower[1] = 7.0
    assert implied_upper(A, rl, ru, lower, upper)[1] == 7.0


def _compiled(instance):
    model = build_model(instance)
    return model, CompiledModel(model, structure_of(model).deferrable)


SOURCES = {
    "demo": lambda: load_instance(DEMO),
    "demo-seasonal": lambda: load_instance(SEASONAL),
    "generated-s": lambda: load_document(generate(GeneratorSpec(*SIZES["s"], seed=3)), "gen-s3.json"),
    "generated-quarters": lambda: load_document(quarters(generate(GeneratorSpec(30, 4, 3, 1))), "gen-q1.json"),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_same_lp_optimum_and_every_plan_keeps_the_bounds(source):
    """The root LP in `RelaxedLp` (boxed) has the optimum of the same LP without the bounds, and
    the LP optimum and the MIP's plan both lie within them (they are implied by rows)."""
    instance = SOURCES[source]()
    model, compiled = _compiled(instance)
    relaxed = RelaxedLp(compiled, highspy, box=True)
    boxed = relaxed.solve()
    assert boxed is not None
    bounds = np.asarray(relaxed.h.getLp().col_upper_)  # the bounds the LP was solved with
    assert np.isfinite(bounds).sum() > np.isfinite(compiled.col_upper).sum()  # the boxing does something

    plain = loaded_highs(compiled, relax=True)
    plain.run()
    assert plain.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert relaxed.value == pytest.approx(plain.getInfo().objective_function_value, rel=1e-9, abs=1e-6)
    lp_point = np.asarray(plain.getSolution().col_value)
    assert np.all(lp_point <= bounds + 1e-6 * (1 + np.abs(bounds)))

    result = get_solver("highs").solve(model, SolveOptions(time_limit=5))
    assert result.has_solution
    plan = np.asarray([v.value or 0.0 for v in structure_of(model).columns])
    assert np.all(plan <= bounds + 1e-6 * (1 + np.abs(bounds)))


def test_the_root_lp_is_boxed_on_one_period_profit_models_only():
    """`prepare` boxes the root LP of the demo (one period, profit) and not of the 12-month demo,
    where it was measured slower on one calendar, nor of a cost-mode model, where it was slower on
    OR-Library capa; unboxed, the LP keeps the model's own bounds."""
    one, _ = _compiled(load_instance(DEMO))
    cost, _ = _compiled(load_document(generate(GeneratorSpec(*SIZES["s"], seed=2, objective="cost")), "gen-s2.json"))
    seasonal, compiled = _compiled(load_instance(SEASONAL))
    assert box_root(one) and not box_root(seasonal) and not box_root(cost)
    relaxed = RelaxedLp(compiled, highspy)
    assert relaxed.solve() is not None
    assert np.array_equal(np.asarray(relaxed.h.getLp().col_upper_), compiled.col_upper)


def test_dual_bound_by_hand():
    """max 3 x1 + 2 x2 s.t. x1 + x2 <= 4, 0 <= x1 <= 3, 0 <= x2 <= 10: optimum 11 at (3, 1).
    HiGHS minimises -3 x1 - 2 x2 (sign -1), so a row price y is <= 0 on the upper side and the bound
    (model sense) is -(4 y + sum_j min(d_j l_j, d_j u_j)), d = (-3 - y, -2 - y):
        y = -2 (the optimal dual): -(-8 + -1*3 + 0)        = 11, the optimum;
        y = -1:                    -(-4 + -2*3 + -1*10)    = 20;
        y = -3:                    -(-12 + 0 + 1*0)        = 12 (x2 at its lower bound);
        y = +1 (wrong side: the row has no lower side, so priced 0): -(0 - 3*3 - 2*10) = 29.
    Every one is at least the optimum: any prices give a valid bound."""
    lp = SimpleNamespace(A=sp.csc_matrix(np.array([[1.0, 1.0]])), row_lower=np.array([-INF]), row_upper=np.array([4.0]),
                         col_lower=np.zeros(2), cost=np.array([-3.0, -2.0]), sign=-1.0, offset=0.0)
    upper = np.array([3.0, 10.0])
    for price, expected in ((-2.0, 11.0), (-1.0, 20.0), (-3.0, 12.0), (1.0, 29.0)):
        assert dual_bound(lp, np.array([price]), upper) == pytest.approx(expected)
    assert dual_bound(lp, np.array([-1.0]), np.array([3.0, INF])) == INF  # a priced column with no bound


@pytest.mark.parametrize("source", ["demo", "seasonal"])
def test_dual_bound_at_the_lp_optimum_is_the_lp_bound(source):
    """Cross-check with the dual simplex: at the root LP's optimal duals the bound is its optimum
    (on the seasonal demo too, whose basic columns carry reduced costs of about 1e-13 and some
    of them no upper bound)."""
    model = build_model(load_instance(DEMO if source == "demo" else SEASONAL))
    compiled = CompiledModel(model, structure_of(model).deferrable)
    relaxed = RelaxedLp(compiled, highspy)
    assert relaxed.solve() is not None
    upper = implied_upper(compiled.A, compiled.row_lower, compiled.row_upper, compiled.col_lower, compiled.col_upper)
    duals = np.asarray(relaxed.h.getSolution().row_dual)
    assert dual_bound(compiled, duals, upper) == pytest.approx(relaxed.bound, rel=1e-7)
