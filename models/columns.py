"""The model's columns and how its families are attached, and what the solver layer may know of it.

- `Columns`: the global column order. Each variable component owns a contiguous block; a
  per-period component holds one sub-block per period, laid out period by period, so that its
  column for position i in period t is `start + t * size + i` (with one period, `start + i`).
- `add_rows`: attach a family, built with `RowBuilder`, as one `LinearRows` block.
- `ModelStructure`: the one record a built model carries for the solver layer (`structure_of`):
  its column tuple, which columns are strategic, which row families may be deferred, and how to
  ask for its cut separators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .rows import LinearRows, RowBuilder

INF = np.inf


class Columns:
    """The global column order: each variable component owns a contiguous range of columns."""

    def __init__(self, model):
        self.model = model
        self.start: dict[str, int] = {}
        self.keys: dict[str, pd.Index] = {}
        self.size: dict[str, int] = {}  # columns per period
        self.domains: dict[str, object] = {}
        self.vars: list = []

    def declare(self, name: str, keys, domain, periods: int = 1) -> pyo.Var:
        """A variable over `keys`; with `periods`, one copy of them per period (indexed by the
        column position within the block, `t * len(keys) + i`)."""
        keys = list(keys)
        indices = keys if periods == 1 else range(periods * len(keys))
        var = pyo.Var(indices, domain=domain, dense=True)
        setattr(self.model, name, var)
        self.start[name] = len(self.vars)
        self.keys[name] = pd.Index(indices)
        self.size[name] = len(keys)
        self.domains[name] = domain
        self.vars.extend(var.values())
        return var

    def at(self, name: str, positions, t=0) -> np.ndarray:
        """Columns of `name` by position (0..size-1) in its key list, in period `t` (an int or an
        array as long as `positions`)."""
        return self.start[name] + np.asarray(t, dtype=np.int64) * self.size[name] + np.asarray(positions, dtype=np.int64)

    def of(self, name: str, keys) -> np.ndarray:
        """Columns of `name` by key."""
        pos = self.keys[name].get_indexer(list(keys))
        if (pos < 0).any():
            raise KeyError(f"unknown keys for {name}")
        return self.start[name] + pos

    def span(self, name: str) -> np.ndarray:
        """Every column of `name`, all periods."""
        return np.arange(self.start[name], self.start[name] + len(self.keys[name]))

    def __len__(self):
        return len(self.vars)

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column lower and upper bounds and integrality, from the block domains and fixings."""
        n = len(self.vars)
        lower, upper, integer = np.zeros(n), np.full(n, np.inf), np.zeros(n, dtype=bool)
        for name, start in self.start.items():
            end = start + len(self.keys[name])
            if self.domains[name] is pyo.Binary:
                upper[start:end], integer[start:end] = 1.0, True
            elif self.domains[name] is pyo.NonNegativeIntegers:
                integer[start:end] = True
        fixed = np.fromiter((v.fixed for v in self.vars), dtype=bool, count=n)
        for j in np.flatnonzero(fixed):
            lower[j] = upper[j] = self.vars[j].value
        return lower, upper, integer

    def mask(self, names) -> np.ndarray:
        """Boolean column mask of the named variable components (those declared)."""
        mask = np.zeros(len(self.vars), dtype=bool)
        for name in names:
            if name in self.start:
                mask[self.start[name]:self.start[name] + len(self.keys[name])] = True
        return mask

    def has(self, name: str) -> bool:
        return name in self.start


def add_rows(m, name: str, builder: RowBuilder, lb, ub, keys=None):
    """Attach a family as a `LinearRows` component named `name`; `keys` name its rows in the
    planner's terms (a warehouse, a lane, a market), for explanations and marginal values."""
    n = builder.n_rows
    lb = np.broadcast_to(np.asarray(lb, dtype=float), (n,))
    ub = np.broadcast_to(np.asarray(ub, dtype=float), (n,))
    columns = structure_of(m).columns
    rows = LinearRows(builder.matrix(len(columns)), lb, ub, columns)
    rows.row_keys = [str(k) for k in keys] if keys is not None else None
    if m.component(name) is not None:
        m.del_component(name)
    setattr(m, name, rows)


@dataclass
class ModelStructure:
    """What the solver layer may know of a model xborder built (docs/model.md, "Layers")."""

    columns: tuple  # the Pyomo variables, in column order (each LinearRows block is over it)
    cols: Columns
    strategic: np.ndarray | None = None  # mask of the markets, regimes, channels, warehouses, mitigation
    deferrable: tuple[str, ...] = ()  # row families implied for integer plans, which may be held back
    separators: Callable[[], tuple] = field(default=lambda: ())  # the cut separators that apply now


def structure_of(model) -> ModelStructure | None:
    """The structure of a model xborder built; None for any other Pyomo model."""
    found = model.__dict__.get("structure")
    return found if isinstance(found, ModelStructure) else None
