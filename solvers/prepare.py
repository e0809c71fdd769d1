"""The preparation on the LP relaxation before (or beside) HiGHS's MIP: which stages run, and
running them within the solve's budget.

- `Stages.of` decides: root cuts when the model has any to separate (or deferred rows), the
  strategic tree for very large models, a warm start (rounding and dive) for models of
  WARM_START_MIN_COLUMNS+ columns; after the root LP, `_short_of_time` may still choose the tree.
- `prepare` runs them: the root LP, a first plan by nearest rounding, the cut loop, then the tree
  or the dive (`relaxed.py`, `tree.py`), each bounded by its share of the budget (`budget.py`).
- `alongside` and `PlanOffers` run a preparation beside HiGHS's MIP and hand it the plans found.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass

import numpy as np

from ..models.columns import structure_of
from .budget import (CALENDAR_CUT_SHARE, CUT_SHARE, DIVE_MIN_SECONDS, DIVE_ROOT_MULTIPLE, DIVE_SHARE, INF, QUICK_SHARE, ROOT_LP_SHARE,
                     ROUND_SHARE, TREE_SHARE, Budget)
from .compile import CompiledModel
from .progress import Progress
from .relaxed import ROOT_CUT_ROUNDS, RelaxedLp, RootCuts, cut_loop, finish_stopped_round, model_separators, solve_root
from .result import SolveOptions
from .tree import TreeReport, nearest_rounding, rounded_lp_plan, strategic_tree

TREE_MIN_COLUMNS = 200_000  # size l (110k columns) is faster without the tree, size xl (310k) needs it
TREE_TIME_RATIO = 6.0  # less time left than this many root-LP solves: the tree, whatever the size
WARM_START_MIN_COLUMNS = 20_000  # below this the start did not pay (benchmarks/scale.py, sizes s and m)
ARRIVAL_POLL_SECONDS = 0.1  # how often a wait for an arriving start looks at the clock and the stop request


def _cut_share(model) -> float:
    """The cut loop's share of what the root LP left: larger over a calendar (budget.py)."""
    return CALENDAR_CUT_SHARE if model.axis.count > 1 else CUT_SHARE


def wants_tree(options: SolveOptions, model) -> bool:
    """The strategic tree (and the lean root LP it works on) by default only for very large
    models: there HiGHS's own root (it solves the LP again, then separates cuts) leaves it no time
    to branch, while below it HiGHS proves the optimum faster than the tree (benchmarks/scale.py)."""
    if options.tree is not None:
        return options.tree
    structure = structure_of(model)
    return structure is not None and len(structure.columns) >= TREE_MIN_COLUMNS


def _short_of_time(options: SolveOptions, budget: Budget, root: RootCuts) -> bool:
    """After the root LP and its cuts: is what is left of the limit less than TREE_TIME_RATIO
    root-LP solve times? HiGHS's MIP begins by solving that LP again (and separating its own cuts
    on it), so it would spend most of what is left before it branches, while the strategic tree
    re-solves the LP in hand from its basis. Then the tree is the better use of the time, below
    TREE_MIN_COLUMNS too (size l: a better plan and bound with the tree at 60 and 120 s, the optimum
    proven sooner without it at 300 s; benchmarks/anytime.py --levers). Only when the tree is
    left to the default (`options.tree` None) and there is a time limit."""
    if options.tree is not None or budget.limit is None or root.lp_values is None:
        return False
    return budget.left() < TREE_TIME_RATIO * root.lp_seconds


def _wants_warm_start(options: SolveOptions, compiled: CompiledModel) -> bool:
    """By default for MIPs of WARM_START_MIN_COLUMNS+ columns. The dive is bounded by a few
    root-LP solve times and gives up once it cannot beat the plan in hand, so it costs little
    when HiGHS has time to spare (OR-Library capc at 300 s: the optimum with it and without it)
    and gives a far better plan when HiGHS has not (capc at 60 s; benchmarks/anytime.py
    --levers)."""
    if not compiled.integer.any():
        return False
    if options.warm_start is None:
        return len(compiled.columns) >= WARM_START_MIN_COLUMNS
    return bool(options.warm_start)


@dataclass
class Preparation:
    """What the LP relaxation gave before the MIP: root cuts, the strategic tree, a start plan."""

    root: RootCuts | None = None
    tree: TreeReport | None = None
    start_plan: np.ndarray | None = None
    root_lp_abandoned: bool = False
    polish: dict | None = None  # what the polish after the tree gave (highs.py, `_polish`)

    def bound(self, sign: float) -> float | None:
        """The tightest valid bound found here, in the model's sense (None if none)."""
        bounds = []
        if self.root is not None and self.root.lp_bound_after is not None:
            bounds.append(self.root.lp_bound_after)
        if self.tree is not None and np.isfinite(self.tree.bound):
            bounds.append(sign * self.tree.bound)
        if not bounds:
            return None
        return min(bounds) if sign < 0 else max(bounds)


class ArrivingStart:
    """The options' start plan: a column vector, or a `concurrent.futures.Future` of one (a plan
    computed beside the solve, e.g. pipeline.py's calendar start). `take` gives it once, when it
    has arrived and satisfies the model (`CompiledModel.satisfies`, deferred rows included);
    a start that breaks a row is never kept as a plan (HiGHS may still be offered it, and checks
    it itself)."""

    def __init__(self, start, compiled: CompiledModel):
        self.source = start
        self.compiled = compiled
        self.done = start is None

    @property
    def pending(self) -> bool:
        return not self.done

    @property
    def may_bring_a_plan(self) -> bool:
        """Not taken yet, and not a future that ended without a plan (failed, cancelled or None)."""
        if self.done:
            return False
        source = self.source
        if not isinstance(source, Future) or not source.done():
            return True
        return not source.cancelled() and source.exception() is None and source.result() is not None

    def wait(self, budget: Budget, until: float) -> np.ndarray | None:
        """`take`, after waiting for a start still arriving until `until` (perf_counter seconds),
        the budget's deadline or a stop request, whichever is first."""
        while (isinstance(self.source, Future) and not self.done and not self.source.done()
               and budget.left(until) > 0.0):
            wait_for([self.source], timeout=min(ARRIVAL_POLL_SECONDS, budget.left(until)))
        return self.take()

    def take(self) -> np.ndarray | None:
        if self.done:
            return None
        start = self.source
        if isinstance(start, Future):
            if not start.done():
                return None
            start = None if start.cancelled() or start.exception() is not None else start.result()
        self.done = True
        if start is None or len(start) != len(self.compiled.columns) or not self.compiled.satisfies(start):
            return None
        return self.compiled.rounded(np.asarray(start, dtype=float))


@dataclass
class Stages:
    """Which preparation stages a solve runs (decided before the root LP; the tree may still be
    chosen after it, `_short_of_time`)."""

    cuts: bool  # the model has cuts to separate or deferred rows: HiGHS gets a tightened model
    tree: bool
    warm: bool
    strategic: np.ndarray | None  # mask of the strategic binary columns

    @classmethod
    def of(cls, model, compiled: CompiledModel, options: SolveOptions) -> Stages:
        cuts = bool(options.cuts and compiled.integer.any()
                    and (model_separators(model, compiled) or compiled.deferred is not None))
        structure = structure_of(model)
        strategic = None if structure is None else structure.strategic
        if strategic is not None:
            strategic = strategic & compiled.integer
        tree = strategic is not None and bool(strategic.any()) and wants_tree(options, model)
        return cls(cuts, tree, _wants_warm_start(options, compiled), strategic)

    @property
    def any(self) -> bool:
        return self.cuts or self.tree or self.warm

    @property
    def beside_highs(self) -> bool:
        """A warm start alone changes nothing in the model HiGHS gets: its root LP is the one
        HiGHS solves itself. So it runs beside HiGHS's MIP (both single-threaded through the root
        LP on a 2-core machine) rather than before it, and hands its plans over as they come."""
        return self.warm and not (self.cuts or self.tree)


def box_root(model) -> bool:
    """Whether the root LP gets the column bounds its rows imply (solvers/implied.py): on one-period
    models in profit mode, where it was faster at every size measured (the LP alone: generated l
    9.2 s -> 5.2 s, xl seed 1 57.6 s -> 37.7 s, seed 2 88.8 s -> 32.4 s); not in cost mode, where
    every column starts dual feasible at its lower bound and it went both ways (OR-Library capa
    at capacity 8000 90-95 s -> 120-136 s, capc at 5000 76 s -> 70 s), nor over a calendar (12-month size
    m on the peaks calendar 21.4 s -> 11.8 s, on the carry-over calendar 75 s -> unfinished at
    200 s)."""
    axis, ix = getattr(model, "axis", None), getattr(model, "ix", None)
    one_period = axis is None or axis.count == 1
    return one_period and not (ix is not None and ix.cost_mode)


def _plan_held_or_coming(prep: Preparation, arriving: ArrivingStart | None) -> bool:
    """Whether the solve has a plan or one is on its way: then HiGHS's MIP would not start after a
    root LP abandoned at its share (less time would be left than the LP ran, highs.py,
    `_mip_cannot_start`; or the start is waited for), so the root LP may run on to the deadline
    for a bound (the 12-month size-m case of another calendar: 66 s alone, unfinished at its 90 s
    share beside the calendar start, which had its plan by then)."""
    return prep.start_plan is not None or (arriving is not None and arriving.may_bring_a_plan)


def prepare(model, compiled: CompiledModel, options: SolveOptions, budget: Budget, highspy,
            stages: Stages, offer=None, prep: Preparation | None = None,
            arriving: ArrivingStart | None = None) -> Preparation:
    """Root LP; when the strategic tree or a warm start is wanted, a first plan by the nearest
    rounding of it at once (anytime); the cut loop (cuts and deferred rows); then better plans
    (`_improve_plans`). Each within its share of the budget (`budget.py`). `offer`, if given,
    receives every plan found (to hand it to a HiGHS run beside this one); the root LP then has
    until the deadline, as nothing waits for it. Fills and returns `prep` (a new one if None), for
    a HiGHS run beside it to read once both are done; a start plan already in `prep` (a feasible
    `options.start`), or one `arriving` during the preparation, competes with every plan found."""
    progress = options.progress
    prep = Preparation() if prep is None else prep
    plans = [] if prep.start_plan is None else [prep.start_plan]
    cuts, tree, warm, strategic = stages.cuts, stages.tree, stages.warm, stages.strategic

    def found(plan):
        """Keep the better of `plan` and the start so far; report it; return `plan`."""
        plans.append(plan)
        if plan is not None and offer is not None:
            offer(plan)
        prep.start_plan = compiled.best_of(*plans)
        _report_plan(progress, compiled, plan, prep.bound(compiled.sign))
        return plan

    def arrived():
        if arriving is not None and (plan := arriving.take()) is not None:
            found(plan)

    if not cuts:
        compiled.restore_deferred()
    if not stages.any:
        return prep
    relaxed = RelaxedLp(compiled, highspy, budget, box=box_root(model))
    prep.root = solve_root(relaxed, budget.deadline if offer else budget.at(ROOT_LP_SHARE), progress,
                           extend_until=budget.deadline, extend=lambda: _plan_held_or_coming(prep, arriving))
    arrived()
    if prep.root.lp_values is None:
        prep.root_lp_abandoned = not relaxed.infeasible and offer is None
        if prep.root_lp_abandoned and not budget.stopped:
            progress.stage("root LP", "not solved within its share of the time limit")
        compiled.restore_deferred()
        return prep
    if strategic is None:
        strategic = np.zeros(len(compiled.columns), dtype=bool)

    if (tree or warm) and prep.start_plan is None:  # a first plan at once, from the root LP itself
        progress.begin("rounding")
        until = budget.until_share(QUICK_SHARE)
        plan = found(nearest_rounding(relaxed, prep.root.lp_values, strategic, until=until, repair=True))
        progress.stage("rounding", "plan found" if plan is not None else
                       "no plan: each rounding tried is infeasible" if relaxed.infeasible else "no plan: out of its time share")
    cut_loop(relaxed, model, prep.root, ROOT_CUT_ROUNDS if cuts else 0, budget.until_share(_cut_share(model)), progress)
    if not tree and cuts and strategic.any() and _short_of_time(options, budget, prep.root):
        tree = True
        progress.stage("tree", f"chosen: {budget.left():.0f} s left is less than {TREE_TIME_RATIO:g} root LP solves "
                               f"({prep.root.lp_seconds:.1f} s each)")
    arrived()
    _improve_plans(prep, relaxed, strategic, tree, warm, float(options.mip_gap), budget, progress, found)
    return prep


def _improve_plans(prep: Preparation, relaxed: RelaxedLp, strategic, tree: bool, warm: bool, mip_gap: float,
                   budget: Budget, progress: Progress, found):
    """Better plans from the cut LP: the strategic tree (very large models, or short of time) or
    the dive (warm start); `found` keeps the best as HiGHS's start. The dive stops after DIVE_MIN_SECONDS +
    DIVE_ROOT_MULTIPLE root-LP times, at its share of what is left, or once it cannot beat the
    plan in hand, so on a model whose LP is cheap it hands the time to HiGHS quickly. A cut round
    stopped at its share is first run to its end within the stage's share (`finish_stopped_round`)."""
    compiled, root = relaxed.compiled, prep.root
    sign = compiled.sign
    if (tree or warm) and not budget.expired():
        finish_stopped_round(relaxed, root, budget.until_share(TREE_SHARE if tree else DIVE_SHARE), progress)
    if tree and not budget.expired():
        progress.begin("tree")
        prep.tree = strategic_tree(relaxed, root.lp_values, sign * root.lp_bound_after, strategic, mip_gap,
                                   budget.until_share(TREE_SHARE), start=prep.start_plan)
        found(prep.tree.plan)
        progress.stage("tree", f"{prep.tree.nodes} nodes, {prep.tree.stopped_by}")
    elif warm and not budget.expired():
        progress.begin("dive")
        dive_until = min(budget.until_share(DIVE_SHARE),
                         time.perf_counter() + DIVE_MIN_SECONDS + DIVE_ROOT_MULTIPLE * root.lp_seconds)
        incumbent = INF if prep.start_plan is None else sign * compiled.objective_of(prep.start_plan)
        plan = found(rounded_lp_plan(relaxed, root.lp_values, strategic, dive_until, budget.until_share(ROUND_SHARE),
                                     incumbent=incumbent))
        progress.stage("dive", "plan found" if plan is not None else "no better plan")


class PlanOffers:
    """Plans found beside a running HiGHS MIP, handed to it at its next user-solution callback
    (HiGHS checks each and keeps it if it is feasible and better)."""

    def __init__(self, compiled: CompiledModel):
        self.compiled = compiled
        self.lock = threading.Lock()
        self.pending: np.ndarray | None = None
        self.handed = 0  # plans HiGHS took from here

    def put(self, plan: np.ndarray):
        with self.lock:
            self.pending = self.compiled.rounded(np.asarray(plan, dtype=float))

    def hand_over(self, event):
        with self.lock:
            plan, self.pending = self.pending, None
        if plan is not None and event.data_in.setSolution(plan) == _highs_ok():
            self.handed += 1


def _highs_ok():
    import highspy

    return highspy.HighsStatus.kOk


def alongside(run, prepare, beside: Budget):
    """`run` (HiGHS's MIP; it releases the GIL) in a thread and `prepare` here; the preparation's
    budget `beside` is halted when `run` ends, and this returns once both are done. The wait
    stays interruptible, so Ctrl-C still reaches the CLI's handler."""
    thread = threading.Thread(target=lambda: (run(), beside.halt()), name="highs-mip", daemon=True)
    thread.start()
    try:
        prepare()
    finally:
        while thread.is_alive():
            thread.join(0.2)


def _report_plan(progress: Progress, compiled: CompiledModel, plan: np.ndarray | None, bound: float | None):
    if plan is not None:
        progress.incumbent(compiled.objective_of(plan), bound)
