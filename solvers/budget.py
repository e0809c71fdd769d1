"""The time budget of one solve, in one place.

A `Budget` turns `--time-limit` into a wall-clock deadline the moment the solve starts. Every
stage asks it how long it may run: each LP solve of the root loop, the strategic tree, the dive
and the rounding gets HiGHS's own `time_limit` set to what is left of its share, and the MIP gets
whatever the stages before it left. A stage whose share has passed does not start.

The root LP may use `ROOT_LP_SHARE` of the limit; if it cannot finish by then it is abandoned
and HiGHS's MIP gets the model directly (its own heuristics find plans), unless a start plan is
in hand or still arriving (highs.py, `_after_preparation`): then the LP runs on to the deadline,
as HiGHS's MIP would not start after it (prepare.py, `_plan_held_or_coming`). Every later stage gets
a share of what is left when it starts (`until_share`), so a slow root LP leaves the stages after
it less, not nothing:

| stage | share of what is left | what happens when it is reached |
|---|---|---|
| nearest rounding (right after the root LP, when no start plan is in hand) | `QUICK_SHARE` | no quick plan (the dive may still find one) |
| cut rounds | `CUT_SHARE` (`CALENDAR_CUT_SHARE` with several periods) | no new round; the last LP solved is kept |
| strategic tree | `TREE_SHARE` | the tree stops; its bound stays valid |
| dive | `DIVE_SHARE`, and at most `DIVE_MIN_SECONDS` + `DIVE_ROOT_MULTIPLE` root LP solve times | the strategic binaries still fractional are rounded with the rest |
| rounding | `ROUND_SHARE` (of what is left when the dive starts) | no start plan |
| polish (after a tree that did not close its gap) | `POLISH_SHARE`; all of it when HiGHS's MIP could not start after it | HiGHS stops with the best plan it has, the tree's at least |
| HiGHS's MIP | all that is left, less `MIP_STOP_RESERVE` | stopped by HiGHS's own time limit; not started with a plan in hand and less time left than the root LP took or ran before it was abandoned (it re-solves that LP first) |

`STOP` is the process-wide request to stop (Ctrl-C, SIGTERM): a budget whose stop was requested
has no time left, and every HiGHS run is interrupted through its callbacks. A `companion` budget
(the same deadline) can also be halted on its own: the preparation that runs beside HiGHS's MIP
when the warm start is its only stage (`prepare.py`) stops that way once HiGHS is done.
"""

from __future__ import annotations

import copy
import threading
import time

INF = float("inf")

ROOT_LP_SHARE = 0.75
CUT_SHARE = 0.3
CALENDAR_CUT_SHARE = 0.5  # several periods: at 0.3 the 12-month size-m calendar's first round (deferred rows and the cuts of 12 periods, 24 s) was stopped unfinished
TREE_SHARE = 0.85
QUICK_SHARE = 0.5
DIVE_SHARE = 0.35
DIVE_ROOT_MULTIPLE = 3.0  # the dive stops after this many root-LP solve times (plus DIVE_MIN_SECONDS)
DIVE_MIN_SECONDS = 2.0
ROUND_SHARE = 0.6
POLISH_SHARE = 0.5
MIN_MIP_SECONDS = 0.5  # less than this left: HiGHS's MIP is not started
MIP_STOP_RESERVE = 2.0  # HiGHS's MIP stops this much (at most a fifth of its time) before the
# deadline: its presolve checks the clock only between passes (11 s of presolve at size xl
# overran a 12 s limit by 3.5 s)

STOP = threading.Event()  # set by the CLI's signal handlers; cleared by `reset_stop`


def reset_stop():
    STOP.clear()


class Budget:
    """Wall-clock deadline of one solve (`limit` seconds from construction; None: no limit)."""

    def __init__(self, limit: float | None = None):
        self.limit = limit
        self.start = time.perf_counter()
        self.deadline = INF if limit is None else self.start + limit
        self._halted = threading.Event()

    def companion(self) -> "Budget":
        """A budget with the same start and deadline that can also be halted on its own (`halt`):
        for work that runs beside a solver and has no use once the solver is done."""
        other = copy.copy(self)
        other._halted = threading.Event()
        return other

    def halt(self):
        self._halted.set()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def at(self, share: float) -> float:
        """The perf_counter time at which `share` of the limit has passed (inf without a limit)."""
        return INF if self.limit is None else self.start + share * self.limit

    def until_share(self, share: float) -> float:
        """The perf_counter time at which `share` of what is left now has passed (inf without a
        limit)."""
        if self.limit is None:
            return INF
        now = time.perf_counter()
        return now + share * max(self.deadline - now, 0.0)

    def left(self, until: float = INF) -> float:
        """Seconds left until `until` or the deadline, whichever is first (0 once stopped)."""
        if self.stopped:
            return 0.0
        return max(min(until, self.deadline) - time.perf_counter(), 0.0)

    def expired(self, until: float = INF) -> bool:
        return self.left(until) <= 0.0

    @property
    def stopped(self) -> bool:
        """A stop was requested (Ctrl-C, SIGTERM) or this budget was halted."""
        return STOP.is_set() or self._halted.is_set()
