"""Progress on the terminal while a run goes on (presentation only: it returns nothing).

`TerminalProgress` prints one line per stage to stderr, with the elapsed time and the best plan
and bound known so far. On a terminal it also keeps a live status line (the `rich` library) with
the current stage, its elapsed time, the best plan, the bound and the gap; when stderr is not a
terminal (a log file, CI) only the plain lines are written.
"""

from __future__ import annotations

import math
import sys
import time

from ..solvers.progress import Progress


def money(value: float | None) -> str:
    return "-" if value is None else f"{value + 0.0:,.0f}"


class TerminalProgress(Progress):
    def __init__(self, sense: str = "max", stream=None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.maximise = sense == "max"
        self.best: float | None = None
        self.bound: float | None = None
        self.current = "read"
        self._live = None
        if live is None:
            live = bool(getattr(self.stream, "isatty", lambda: False)())
        if live:
            self._start_live()

    # ---- the live status line (terminal only) -------------------------------------------------

    def _start_live(self):
        try:
            from rich.console import Console
            from rich.live import Live
        except ImportError:  # plain lines only
            return
        console = Console(file=self.stream)
        self._live = Live(self, console=console, refresh_per_second=4, transient=True)
        self._live.start()

    def __rich__(self):
        from rich.text import Text

        return Text(f"  ... {self.current}  {self.elapsed():.1f} s  {self._standing()}", style="bold")

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # ---- events ----------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def _standing(self) -> str:
        parts = []
        if self.best is not None:
            parts.append(f"best plan {money(self.best)}")
        if self.bound is not None:
            parts.append(f"bound {money(self.bound)}")
        if self.best is not None and self.bound is not None:
            diff = abs(self.bound - self.best)
            parts.append(f"gap {100 * diff / abs(self.best):.2f}%" if abs(self.best) > 1e-9
                         else ("gap 0%" if diff < 1e-9 else "gap infinite"))
        return ", ".join(parts)

    def _print(self, text: str):
        line = f"[{self.elapsed():7.1f} s] {text}"
        if self._live is not None:
            self._live.console.print(line, highlight=False, markup=False)
        else:
            print(line, file=self.stream, flush=True)

    def begin(self, name: str) -> None:
        self.current = name

    def set_sense(self, sense: str) -> None:
        self.maximise = sense == "max"

    def stage(self, name: str, detail: str = "") -> None:
        standing = self._standing()
        text = f"{name}: {detail}" if detail else name
        self._print(f"{text}" + (f" ({standing})" if standing else ""))

    def incumbent(self, objective: float | None = None, bound: float | None = None) -> None:
        objective = objective if objective is not None and math.isfinite(objective) else None
        bound = bound if bound is not None and math.isfinite(bound) else None
        if objective is not None and (self.best is None or (objective > self.best) == self.maximise):
            self.best = objective
        if bound is not None and (self.bound is None or (bound < self.bound) == self.maximise):
            self.bound = bound
