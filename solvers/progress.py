"""Progress events of a run: the stages as they start and end, and the best plan and bound.

The pipeline and the solver back ends report to a `Progress`; they never print. The CLI passes a
terminal reporter (`report/terminal.py`); everything else gets the silent default. Values are in
the model's own sense (profit or cost), `None` when not known yet.
"""

from __future__ import annotations


class Progress:
    """Receives the events of one run; this base class ignores them."""

    def stage(self, name: str, detail: str = "") -> None:
        """Stage `name` (read, derive, build, root LP, cuts, tree, dive, MIP, check, write) ends
        or reaches a milestone, with a short account."""

    def begin(self, name: str) -> None:
        """Stage `name` starts (shown on a live status line)."""

    def incumbent(self, objective: float | None = None, bound: float | None = None) -> None:
        """A better plan (`objective`) or a tighter bound was found."""

    def set_sense(self, sense: str) -> None:
        """'max' (profit) or 'min' (cost): which plans and bounds count as better."""

    def close(self) -> None:
        """The run is over (a live display ends here)."""


SILENT = Progress()
