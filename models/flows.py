"""Flows over the period axis: the triplets a row family uses for sum coef * flow[arc, t], in arc
form (one column per arc and period) or path form (one period, a column per route)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.network import LASTMILE, LINEHAUL
from .formulation import Flow
from .index import ModelIndex


def over_periods(periods: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(position, period) arrays over every period, period by period."""
    return np.tile(np.arange(size), periods), np.repeat(np.arange(periods), size)


def fulfilment_arcs(ix: ModelIndex) -> pd.DataFrame:
    """Direct and last-mile arcs: the ones that reach a customer."""
    return ix.arcs[ix.arcs["kind"] != LINEHAUL]


def flow_terms(m, rows, arcs, coefs, t=0):
    """Triplets for sum coef * flow[arc, t] in the given rows; in path form (one period) each
    arc's flow is the sum of the route flows that use it."""
    rows, arcs = np.asarray(rows, dtype=np.int64), np.asarray(arcs, dtype=np.int64)
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), arcs.shape)
    if m.flow_form is Flow.ARC:
        return rows, m.cols.at("x", arcs, t), coefs
    ptr, routes = m.ix_route_ptr, m.ix_route_ids
    counts = ptr[arcs + 1] - ptr[arcs]
    starts = np.repeat(ptr[arcs], counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(rows, counts), m.cols.at("xr", routes[starts + offsets]), np.repeat(coefs, counts)


def all_period_flows(m, rows, arcs, coefs):
    """Triplets for sum_t coef * flow[arc, t]: a horizon row over every period's flows."""
    T = m.axis.count
    rows, arcs = np.asarray(rows, dtype=np.int64), np.asarray(arcs, dtype=np.int64)
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), arcs.shape)
    if T == 1:
        return flow_terms(m, rows, arcs, coefs)
    return np.tile(rows, T), m.cols.at("x", np.tile(arcs, T), np.repeat(np.arange(T), len(arcs))), np.tile(coefs, T)


def all_period_sales(m, rows, pairs, coefs):
    """Triplets for sum_t coef * q[pair, t]: a horizon row over every period's sales."""
    T = m.axis.count
    rows, pairs = np.asarray(rows, dtype=np.int64), np.asarray(pairs, dtype=np.int64)
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), pairs.shape)
    return np.tile(rows, T), m.cols.at("q", np.tile(pairs, T), np.repeat(np.arange(T), len(pairs))), np.tile(coefs, T)


def carried_demand_terms(m, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(columns, coefficients, position t * n + pair) of row 5_t's carry-over from t-1: word of
    mouth rho carry[ik,t-1] and retention q[i,t-1]; none with one period. Shared by row 5_t
    (models/parts.py, add_channel_demand) and its lifted cuts (models/cuts.py)."""
    axis, c, T = m.axis, m.cols, m.axis.count
    if T == 1:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty
    pair_of = m.ix.potentials["pair"].to_numpy(dtype=np.int64)[axis.carry]
    k, tk = over_periods(T - 1, len(axis.carry))
    i, ti = over_periods(T - 1, n)
    kept = axis.retention[i] > 0
    cols = np.concatenate([c.at("carry", k, tk), c.at("q", i[kept], ti[kept])])
    coefs = np.concatenate([axis.rho[axis.carry][k], axis.retention[i[kept]]])
    pos = np.concatenate([(tk + 1) * n + pair_of[k], (ti[kept] + 1) * n + i[kept]])
    return cols, coefs, pos


def route_index(ix: ModelIndex):
    """Arc -> routes as CSR (pointer, route ids), for path form."""
    legs = pd.concat([
        pd.DataFrame({"arc": ix.routes["last"].to_numpy(), "route": np.arange(len(ix.routes))}),
        pd.DataFrame({"arc": ix.routes["first"].to_numpy(), "route": np.arange(len(ix.routes))}),
    ])
    legs = legs[legs["arc"] >= 0].sort_values(["arc", "route"], kind="stable")
    counts = np.bincount(legs["arc"].to_numpy(dtype=np.int64), minlength=len(ix.arcs))
    ptr = np.concatenate([[0], np.cumsum(counts)])
    return ptr, legs["route"].to_numpy(dtype=np.int64)


def warehouse_volume_bound(m, ix: ModelIndex) -> pd.Series:
    """Valid upper bound on the inbound volume of w: sum over its last-mile arcs of volume * U
    (over the horizon)."""
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    bound = last["volume_m3"].to_numpy() * m.axis.U.sum(axis=1)[last["pair"].to_numpy()]
    return pd.Series(bound, index=last["warehouse"].to_numpy()).groupby(level=0).sum()
