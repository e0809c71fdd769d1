"""Origins (docs/model.md, "Origins", row O1), written once over the period axis.

Every arc carries its origin (data/network.py): a direct or linehaul arc starts there, a last-mile
arc has one copy per origin that can stock its warehouse, and row 9 balances a warehouse's stock
per origin. The goods' unit cost at the origin above the product's unit_cost is paid on the arc
that leaves the origin (`goods_cost_terms`). An origin with a fixed cost is used only when open,
src[g] = 1. Without an origins table there is one origin, no column and no row.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from ..data.network import LINEHAUL
from .columns import INF, add_rows
from .flows import flow_terms
from .index import ModelIndex
from .rows import RowBuilder


def fixed_origins(ix: ModelIndex):
    """The origins with a fixed cost: the ones with an open-or-not decision src[g]."""
    return ix.origins.index[ix.origins["fixed_cost"] > 0]


def declare_origin_columns(m, ix: ModelIndex):
    """src[g]: the seller sources from origin g (origins with a fixed cost)."""
    m.cols.declare("src", fixed_origins(ix), pyo.Binary)


def goods_cost_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost) of sum_{a leaving an origin, t} goods[a] x[a,t]: what the units cost at
    their origin above unit_cost (the sales term of the objective pays unit_cost)."""
    goods = ix.arcs["goods"].to_numpy()
    arcs = np.flatnonzero(goods != 0)
    cols, vals = [], []
    for t in range(m.axis.count):
        _, c, v = flow_terms(m, np.zeros(len(arcs), dtype=np.int64), arcs, goods[arcs], t)
        cols.append(c)
        vals.append(v)
    return np.concatenate(cols), np.concatenate(vals)


def origin_fixed_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost) of sum_g fixed_cost[g] src[g]."""
    fixed = fixed_origins(ix)
    return m.cols.of("src", fixed), ix.origins["fixed_cost"].reindex(fixed).to_numpy(dtype=float)


def add_origin_rows(m, ix: ModelIndex):
    """Row O1_t per pair i and origin g with a fixed cost: sum_{fulfilment a of i from g} x[a,t]
    - U[i,t] src[g] <= 0. No row is needed for g's linehaul: row 9 balances a warehouse's stock
    per origin and leaves none after the last period, so what g ships in leaves by g's last miles."""
    fixed = fixed_origins(ix)
    if not len(fixed):
        return
    arcs, T, U = ix.arcs, m.axis.count, m.axis.U
    from_fixed = arcs["origin"].isin(fixed).to_numpy()
    fulfil = np.flatnonzero(from_fixed & (arcs["kind"].to_numpy() != LINEHAUL))
    group = arcs.iloc[fulfil].groupby(["pair", "origin"], sort=False)
    local = group.ngroup().to_numpy()
    keys = group.size().index.to_frame(index=False)
    R = len(keys)
    b = RowBuilder(R * T)
    for t in range(T):
        b.add(*flow_terms(m, t * R + local, fulfil, 1.0, t))
        b.add(t * R + np.arange(R), m.cols.of("src", keys["origin"]), -U[keys["pair"].to_numpy(dtype=np.int64), t])
    add_rows(m, "origin_open_for_sales", b, -INF, 0.0)
