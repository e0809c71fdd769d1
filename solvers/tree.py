"""Primal heuristics and a small branch-and-bound on the root LP (`RelaxedLp`, solvers/relaxed.py).

All of them re-solve one LP from its previous basis with changed column bounds, so each step
costs a few hundred simplex iterations, not a fresh solve.

- `dive` and `rounded_lp_plan`: fix the strategic binaries (markets, regimes, channels,
  warehouses, mitigation) one batch at a time, then round the rest: a feasible plan to start from.
- `strategic_tree`: best-first branch-and-bound over the strategic binaries only. Once those few
  dozen are fixed the LP is nearly integral (the product-level binaries follow them), so each leaf
  is closed by rounding; when the tree stays small it proves the whole gap without the full MIP.

`relaxed` is a `RelaxedLp`: `solve(lower, upper, until)` returns the primal values (None if
infeasible or not solved in time), `value` the optimum in minimisation sense, `compiled` the
model's matrices, `budget` the solve's time budget. Every LP solve here is bounded by the budget
and by the `until` of its stage (perf_counter seconds), and none starts once that has passed.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field

import numpy as np

INF = float("inf")


def _round(values: np.ndarray, which: np.ndarray, threshold: float, compiled) -> tuple:
    """Column bounds with the `which` columns fixed at their values rounded up from `threshold`;
    general integers (upper bound above 1: the model's full containers) go to their nearest
    integer, since rounding every fraction of them up buys a whole one for each."""
    binary = compiled.col_upper <= 1
    up = np.where(binary, values >= threshold, values - np.floor(values + 1e-9) >= 0.5)
    rounded = np.clip(np.where(up, np.ceil(values - 1e-9), np.floor(values + 1e-9)),
                      compiled.col_lower, compiled.col_upper)
    lower = np.where(which, rounded, compiled.col_lower)
    upper = np.where(which, rounded, compiled.col_upper)
    return lower, upper


def _fractional(values: np.ndarray, which: np.ndarray) -> np.ndarray:
    return np.flatnonzero(which & (np.abs(values - np.round(values)) > 1e-6))


DIVE_BATCH = 0.1  # a dive step fixes together every fractional column this close to an integer


def dive(relaxed, values: np.ndarray, which: np.ndarray, until: float = INF, incumbent: float = INF) -> np.ndarray | None:
    """Fractional diving over the columns `which`: fix the fractional columns within DIVE_BATCH
    of an integer (at least the nearest one) at that integer, re-solve the LP from its basis, and
    repeat until all of `which` are integral. When a batch makes the LP infeasible, only its
    nearest column is fixed, the other way round if need be. Stops at `until` (perf_counter
    seconds) or when the budget runs out, with the last LP solution found (an LP stopped by the
    clock is not taken for infeasible). Returns None if no fixing is feasible, or once the LP
    value (minimisation sense) is no better than `incumbent`, a plan already found: the dive can
    then only end at a worse plan, and its time is better spent by the MIP solver."""
    compiled = relaxed.compiled
    lower, upper = compiled.col_lower.copy(), compiled.col_upper.copy()
    fractional = _fractional(values, which)
    while len(fractional) and not relaxed.budget.expired(until):
        distance = np.abs(values[fractional] - np.round(values[fractional]))
        nearest = fractional[np.argmin(distance)]
        batch = fractional[distance <= max(DIVE_BATCH, distance.min())]
        tries = [(batch, np.round(values[batch]))]
        if len(batch) > 1:
            tries.append((np.array([nearest]), np.round(values[[nearest]])))
        tries.append((np.array([nearest]), 1.0 - np.round(values[[nearest]])))
        for columns, targets in tries:
            trial_lower, trial_upper = lower.copy(), upper.copy()
            trial_lower[columns] = trial_upper[columns] = targets
            solved = relaxed.solve(trial_lower, trial_upper, until)
            if solved is not None:
                lower, upper, values = trial_lower, trial_upper, solved
                if relaxed.value >= incumbent - 1e-9 * max(1.0, abs(incumbent)):
                    return None  # stopped improving on the plan in hand
                break
            if not relaxed.infeasible:
                return values  # stopped by the clock: the rounding takes it from here
        else:
            return None
        fractional = _fractional(values, which)
    return values


def rounded_lp_plan(relaxed, values: np.ndarray | None, strategic: np.ndarray | None = None,
                    dive_until: float = INF, round_until: float = INF, incumbent: float = INF) -> np.ndarray | None:
    """A feasible start from the LP relaxation's solution `values` (solved here if None).

    1. The strategic binaries (markets, channels, warehouses, ...: `strategic`, a column mask; a
       few dozen) are fixed by diving (`dive`, until `dive_until`), so the rest of the LP adapts
       to each choice; the dive gives up once it cannot beat `incumbent` (then None).
    2. Every other binary positive in that LP is rounded up, the rest down, and the LP re-solved
       for the continuous part; if that fails, every binary is rounded at 0.5 instead.
    None if no rounding is feasible or none was solved by `round_until`. Changes the bounds of
    `relaxed`."""
    compiled = relaxed.compiled
    integer = compiled.integer
    if values is None:
        values = relaxed.solve(until=round_until)
    if values is None:
        return None
    if strategic is not None and (strategic & integer).any():
        dived = dive(relaxed, values, strategic & integer, min(dive_until, round_until), incumbent)
        if dived is None and np.isfinite(incumbent):
            return None
        if dived is not None:
            values = dived
    for threshold in (1e-6, 0.5):
        plan = relaxed.solve_fresh(*_round(values, integer, threshold, compiled), until=round_until)
        if plan is not None:
            return np.where(integer, np.round(plan), plan)
    return None


def nearest_rounding(relaxed, values: np.ndarray, strategic: np.ndarray, lower: np.ndarray | None = None,
                     upper: np.ndarray | None = None, until: float = INF, repair: bool = False) -> np.ndarray | None:
    """The cheapest plan from an LP point: the `strategic` binaries go to their nearest integer
    at once and the LP is re-solved (within `lower`/`upper`, default the model's bounds). If that
    is infeasible and `repair` is set, as many of those rounded up as a budget row allows stay up
    (`_budget_repair`); if that fails too, every one above 0 goes to 1 (more markets, channels
    and warehouses open, as a covering row needs). Then the remaining binaries are rounded
    (`rounded_lp_plan`): a few LP solves, so it gives a first plan early, which the dive may then
    improve on. None if infeasible or out of time (`relaxed.infeasible` tells which).

    `repair` is for the root's first plan only: at the tree's nodes its extra LP solves cost
    nodes (generated l, seed 2, 60 s: 23 nodes instead of 45 and a plan 0.41% lower)."""
    compiled = relaxed.compiled
    lower = compiled.col_lower.copy() if lower is None else lower.copy()
    upper = compiled.col_upper.copy() if upper is None else upper.copy()
    columns = np.flatnonzero(strategic)
    at = np.clip(values[columns], lower[columns], upper[columns])  # integer bounds: any rounding of it stays inside

    def solved_with(rounded: np.ndarray) -> np.ndarray | None:
        trial_lower, trial_upper = lower.copy(), upper.copy()
        trial_lower[columns] = trial_upper[columns] = rounded
        return relaxed.solve_fresh(trial_lower, trial_upper, until)

    solved = solved_with(np.round(at))
    if repair and solved is None and relaxed.infeasible:
        solved = _budget_repair(relaxed, solved_with, at)
    if solved is None and relaxed.infeasible:
        solved = solved_with(np.ceil(at - 1e-6))
    return None if solved is None else rounded_lp_plan(relaxed, solved, round_until=until)


def _budget_repair(relaxed, solved_with, at: np.ndarray) -> np.ndarray | None:
    """When the nearest rounding is infeasible because the LP spent a budget on fractions (a
    channel at 0.77 fits the marketing budget, at 1 it does not): the values the nearest rounding
    raised, from the highest; the largest k for which raising only the first k (every other
    fractional one down) is feasible, by bisection over k (k = 0 is rounding all down), so
    log2(#raised) LP solves. The LP solution for that k, or None (even k = 0 infeasible, or out
    of time)."""
    nearest, floor = np.round(at), np.floor(at + 1e-6)
    raised = np.flatnonzero(nearest - at > 1e-6)
    order = raised[np.argsort(-at[raised], kind="stable")]
    best, low, high = None, 0, len(order) - 1  # k = len(order) is the nearest rounding itself
    while low <= high:
        k = (low + high) // 2
        trial = floor.copy()
        trial[order[:k]] = nearest[order[:k]]
        solved = solved_with(trial)
        if solved is not None:
            best, low = solved, k + 1
        elif relaxed.infeasible:
            high = k - 1
        else:
            break  # out of time
    return best


TREE_MAX_OPEN = 50  # more open nodes than this: the strategic layer is not nearly decided; stop
ROUNDING_EVERY = 5  # try the rounding heuristic on every 5th node LP


def _in_sense(value: float, sign: float) -> float | None:
    return sign * value if np.isfinite(value) else None


@dataclass
class TreeReport:
    """What `strategic_tree` found, in minimisation sense (HiGHS's): `bound` <= every plan's
    value; `closed` when the best plan is within the gap of it."""

    plan: np.ndarray | None = field(default=None, repr=False)
    value: float = INF
    bound: float = -INF
    nodes: int = 0
    open: int = 0
    closed: bool = False
    stopped_by: str = ""
    seconds: float = 0.0

    def facts(self, sign: float) -> dict:
        """The report in the model's own sense (`sign` -1 for a maximisation)."""
        return {"nodes": self.nodes, "open": self.open, "closed": self.closed,
                "stopped_by": self.stopped_by, "objective": _in_sense(self.value, sign),
                "bound": _in_sense(self.bound, sign), "seconds": round(self.seconds, 3)}


class _LpUnsolved(Exception):
    """A node LP ended without an answer (deadline, numerical trouble): the tree stops."""


class _Tree:
    """The open nodes (a heap on their LP value) and the incumbent of `strategic_tree`."""

    def __init__(self, relaxed, strategic: np.ndarray, mip_gap: float, until: float = INF):
        self.relaxed = relaxed
        self.until = until
        self.compiled = relaxed.compiled
        self.strategic = strategic
        self.columns = np.flatnonzero(strategic)
        self.mip_gap = mip_gap
        self.heap: list = []
        self.counter = itertools.count()
        self.unresolved = INF  # lowest LP value among leaves whose rounding did not close them
        self.pruned = INF  # lowest LP value among nodes dropped for being within the gap
        self.report = TreeReport()

    def within_gap(self, value: float) -> bool:
        best = self.report.value
        return np.isfinite(best) and best - value <= self.mip_gap * max(abs(best), 1e-9)

    def bounds_for(self, fixings: dict) -> tuple:
        lower, upper = self.compiled.col_lower.copy(), self.compiled.col_upper.copy()
        if fixings:
            columns = np.fromiter(fixings.keys(), dtype=np.int64, count=len(fixings))
            lower[columns] = upper[columns] = np.fromiter(fixings.values(), dtype=float, count=len(fixings))
        return lower, upper

    def offer(self, plan: np.ndarray | None):
        """Keep `plan` (all integers integral, feasible) if it beats the incumbent."""
        if plan is None:
            return
        value = float(self.compiled.cost @ plan + self.compiled.offset)
        if value < self.report.value:
            self.report.plan, self.report.value = plan, value

    def try_rounding(self, values: np.ndarray, lower: np.ndarray, upper: np.ndarray):
        """Rounding heuristic at a node (`nearest_rounding`)."""
        self.offer(nearest_rounding(self.relaxed, values, self.strategic, lower, upper, self.until))

    def add_child(self, fixings: dict):
        """Solve the node with `fixings` and queue it, close it as a leaf, or drop it (only when
        its LP is proved infeasible; an LP left unsolved stops the tree)."""
        lower, upper = self.bounds_for(fixings)
        values = self.relaxed.solve(lower, upper, self.until)
        self.report.nodes += 1
        if values is None:
            if not self.relaxed.infeasible:
                raise _LpUnsolved
            return
        value = self.relaxed.value
        if len(_fractional(values, self.strategic)) == 0:
            self.offer(rounded_lp_plan(self.relaxed, values, round_until=self.until))
            if not self.within_gap(value):
                self.unresolved = min(self.unresolved, value)
            return
        if self.report.nodes % ROUNDING_EVERY == 0:
            self.try_rounding(values, lower, upper)
        if self.within_gap(value):
            self.pruned = min(self.pruned, value)
            return
        heapq.heappush(self.heap, (value, next(self.counter), fixings, values[self.columns]))

    def branch(self, fixings: dict, strategic_values: np.ndarray):
        """Branch on the most fractional strategic binary; its nearer side first."""
        distance = np.abs(strategic_values - 0.5)
        j = int(np.argmin(distance))
        column = int(self.columns[j])
        first = 1.0 if strategic_values[j] >= 0.5 else 0.0
        for side in (first, 1.0 - first):
            self.add_child({**fixings, column: side})

    def global_bound(self) -> float:
        open_best = self.heap[0][0] if self.heap else INF
        return min(open_best, self.unresolved, self.pruned, self.report.value)


def strategic_tree(relaxed, root_values: np.ndarray, root_value: float, strategic: np.ndarray, mip_gap: float,
                   until: float = INF, max_open: int = TREE_MAX_OPEN, start: np.ndarray | None = None) -> TreeReport:
    """Best-first branch-and-bound over the `strategic` binary columns, from the root LP solution
    `root_values` (the root LP's optimum, `root_value` in minimisation sense). Each node is the
    LP with some strategic binaries fixed; it is branched on its most fractional strategic
    binary, both children solved at once.
    A child whose strategic binaries are all integral is a leaf: its other binaries are rounded
    (`rounded_lp_plan`) to a plan, and its LP value stays in the bound unless that plan is within
    `mip_gap` of it. Every ROUNDING_EVERY-th node also tries the rounding heuristic.

    The bound is the lowest LP value over open nodes, unresolved leaves and pruned nodes: every
    plan lies under one of them. Stops when the best plan is within `mip_gap` of the bound
    (`closed`; never without a plan, so infeasibility is left to the MIP solver), at `until`
    or when more than `max_open` nodes are open (the strategic layer is then far from decided and
    a full MIP solver does better). `start`, a plan found before, is the first incumbent.
    Changes the bounds of `relaxed`."""
    started = time.perf_counter()
    tree = _Tree(relaxed, strategic, mip_gap, until)
    tree.offer(start)
    if len(_fractional(root_values, strategic)):
        heapq.heappush(tree.heap, (root_value, next(tree.counter), {}, root_values[tree.columns]))
    else:
        tree.offer(rounded_lp_plan(relaxed, root_values, round_until=until))
        tree.unresolved = root_value
    report = tree.report
    while tree.heap:
        if relaxed.budget.expired(until):
            report.stopped_by = _why_out_of_time(relaxed.budget)
            break
        if len(tree.heap) > max_open:
            report.stopped_by = "too many open nodes"
            break
        node = heapq.heappop(tree.heap)
        value, _, fixings, strategic_values = node
        if tree.within_gap(value):
            tree.pruned = min(tree.pruned, value)
            tree.heap.clear()
            break
        try:
            tree.branch(fixings, strategic_values)
        except _LpUnsolved:
            heapq.heappush(tree.heap, node)  # its children may be incomplete: it stays open
            report.stopped_by = _why_out_of_time(relaxed.budget) if relaxed.budget.expired(until) else "LP not solved"
            break
    report.bound = tree.global_bound()
    report.open = len(tree.heap)
    report.closed = tree.within_gap(report.bound)
    if report.closed:
        report.stopped_by = "gap closed"
    elif not report.stopped_by:
        report.stopped_by = "leaves not closed by rounding"
    report.seconds = time.perf_counter() - started
    return report


def _why_out_of_time(budget) -> str:
    """Why a stage found no time left: a stop request (Ctrl-C, SIGTERM), or its share ran out."""
    return "interrupted" if budget.stopped else "time share"
