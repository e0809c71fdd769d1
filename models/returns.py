"""Returns (docs/model.md, "Returns", rows RT1-RT3), written once over the period axis.

A share `return_rate` of the units a pair sells comes back and is refunded at its price. Each
returned unit is sent back to the origin or liquidated locally, whichever is worth more (a
constant per pair, `return_value`, so no decision), or restocked in an open local warehouse
where that is worth more still (`restock_gain`): the restocked units rs[k,t] of option k = (pair,
warehouse) are a decision, and they take room in the warehouse in the period they come back.
Without a `returns` table nothing here adds a column or row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .columns import INF, add_rows
from .index import ModelIndex
from .rows import RowBuilder


def declare_return_columns(m, ix: ModelIndex, periods: int):
    """rs[k,t]: returned units of option k = (pair, warehouse) restocked there in period t."""
    m.cols.declare("rs", range(len(ix.restock)), pyo.NonNegativeReals, periods)


def add_restock_rows(m, ix: ModelIndex):
    """Row RT1_t: sum_w rs[(i,w),t] - return_rate_i q[i,t] <= 0 (no more restocked than returned);
    row RT2_t, for each warehouse w without a capacity: sum_{k at w} rs[k,t] - R[w,t] y[w] <= 0,
    R[w,t] = sum_{k at w} return_rate_i U[i,t] (only in an open warehouse). A warehouse with a
    capacity needs no RT2: its row 10_t holds the restocked volume within capacity_m3 y[w] (RT3)."""
    options = ix.restock
    K, T = len(options), m.axis.count
    if not K:
        return
    c = m.cols
    pair = options["pair"].to_numpy(dtype=np.int64)
    rate = ix.pairs["return_rate"].to_numpy()
    with_options = np.unique(pair)
    row_of = pd.Series(np.arange(len(with_options)), index=with_options).reindex(pair).to_numpy()
    G = len(with_options)
    b = RowBuilder(G * T)
    for t in range(T):
        b.add(t * G + row_of, c.at("rs", np.arange(K), t), 1.0)
        b.add(t * G + np.arange(G), c.at("q", with_options, t), -rate[with_options])
    add_rows(m, "restock_within_returns", b, -INF, 0.0)
    free = ~options["warehouse"].map(ix.warehouses["capacity_m3"]).notna().to_numpy()
    whs = pd.Index(options["warehouse"].to_numpy()[free]).unique()
    W = len(whs)
    w_of = whs.get_indexer(options["warehouse"].to_numpy()[free])
    k_free = np.flatnonzero(free)
    b = RowBuilder(W * T)
    for t in range(T):
        b.add(t * W + w_of, c.at("rs", k_free, t), 1.0)
        most = np.bincount(w_of, weights=rate[pair[k_free]] * m.axis.U[pair[k_free], t], minlength=W)
        b.add(t * W + np.arange(W), c.of("y", whs), -most)
    add_rows(m, "restock_needs_open", b, -INF, 0.0)


def restock_volume_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(warehouse, period, column, m3) of every rs[k,t]: row 10_t of the warehouse gains the volume
    of the units restocked there in t (row RT3)."""
    options = ix.restock
    K, T = len(options), m.axis.count
    k, t = np.tile(np.arange(K), T), np.repeat(np.arange(T), K)
    volume = ix.pairs["volume_m3"].to_numpy()[options["pair"].to_numpy(dtype=np.int64)]
    return options["warehouse"].to_numpy()[k], t, m.cols.at("rs", k, t), volume[k]


def returns_objective(m, ix: ModelIndex, vec: np.ndarray):
    """Objective terms (profit per column): - return_rate (price - return_value) per unit sold
    (the refund, less what the returned unit is worth sent back or liquidated), + restock_gain
    per unit restocked."""
    pairs = ix.pairs
    per_unit = -(pairs["return_rate"] * (pairs["price"] - pairs["return_value"].fillna(0.0))).to_numpy()
    T = m.axis.count
    i, t = np.tile(np.arange(len(pairs)), T), np.repeat(np.arange(T), len(pairs))
    np.add.at(vec, m.cols.at("q", i, t), per_unit[i])
    options = ix.restock
    gain = pairs["restock_gain"].to_numpy()[options["pair"].to_numpy(dtype=np.int64)]
    K = len(options)
    k, t = np.tile(np.arange(K), T), np.repeat(np.arange(T), K)
    np.add.at(vec, m.cols.at("rs", k, t), gain[k])
