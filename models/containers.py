"""Containers (docs/model.md, "Containers", rows C1-C4), written once over the period axis.

A sea or rail linehaul lane with a `containers` row ships each period's units either in full
containers, nb[l,t] of them (an integer), at cost_per_container each, or less than container load
(LCL) at lcl_rate_per_m3 per freight tonne. The arc costs (`data/network.py`) already price every
unit at LCL; the units xf[a,t] of arc a that go in full containers save their LCL freight. Both
carry the period's freight multiplier. Without a `containers` table nothing here adds a column or row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..data.network import LINEHAUL
from .columns import INF, add_rows
from .index import ModelIndex
from .flows import flow_terms, over_periods, warehouse_volume_bound
from .rows import RowBuilder


def container_arcs(ix: ModelIndex) -> np.ndarray:
    """Positions of the linehaul arcs on lanes with a containers row."""
    lcl = ix.lanes["lcl_rate"].reindex(ix.arcs["lane"]).to_numpy(dtype=float)
    return np.flatnonzero((ix.arcs["kind"].to_numpy() == LINEHAUL) & ~np.isnan(lcl))


def container_lanes(ix: ModelIndex) -> pd.Index:
    """The lanes that carry a container arc, in the order of their nb columns."""
    return pd.Index(ix.arcs["lane"].to_numpy()[container_arcs(ix)]).unique()


def declare_container_columns(m, ix: ModelIndex, periods: int):
    """nb[l,t]: full containers sent on lane l (position in container_lanes) in period t; xf[a,t]:
    units of container arc a (position in container_arcs) that travel in them."""
    m.cols.declare("nb", range(len(container_lanes(ix))), pyo.NonNegativeIntegers, periods)
    m.cols.declare("xf", range(len(container_arcs(ix))), pyo.NonNegativeReals, periods)


def add_container_rows(m, ix: ModelIndex):
    """Row C1_t: xf[a,t] - x[a,t] <= 0 (no more units in full containers than the arc carries);
    rows C2_t and C3_t per lane: sum_a volume_m3[p] xf[a,t] - capacity_m3 nb[l,t] <= 0 and
    sum_a weight_kg[p] xf[a,t] - capacity_kg nb[l,t] <= 0; row C4_t (`_add_fill_rows`) for the LP."""
    arcs = container_arcs(ix)
    A, T = len(arcs), m.axis.count
    if not A:
        return
    c = m.cols
    b = RowBuilder(A * T)
    for t in range(T):
        b.add(t * A + np.arange(A), c.at("xf", np.arange(A), t), 1.0)
        b.add(*flow_terms(m, t * A + np.arange(A), arcs, -1.0, t))
    add_rows(m, "fcl_within_flow", b, -INF, 0.0)
    lanes = container_lanes(ix)
    L = len(lanes)
    lane_of = lanes.get_indexer(ix.arcs["lane"].to_numpy()[arcs])
    rows = ix.lanes.loc[lanes]
    for name, size, limit in (("container_volume", ix.arcs["volume_m3"].to_numpy()[arcs], rows["container_m3"]),
                              ("container_weight", ix.arcs["weight_kg"].to_numpy()[arcs], rows["container_kg"])):
        b = RowBuilder(L * T)
        for t in range(T):
            b.add(t * L + lane_of, c.at("xf", np.arange(A), t), size)
            b.add(t * L + np.arange(L), c.at("nb", np.arange(L), t), -limit.to_numpy(dtype=float))
        add_rows(m, name, b, -INF, 0.0, [f"{lane}/{period}" for period in m.axis.names for lane in lanes])
    _add_fill_rows(m, ix, arcs, lanes, lane_of)


def most_volume(m, ix: ModelIndex, arcs: np.ndarray, lanes: pd.Index) -> np.ndarray:
    """V[l,t]: the most m3 lane l can send in period t. Row 10 of its warehouse bounds what arrives
    in the period the shipment reaches (capacity_m3 times its share there; for an uncapacitated
    warehouse the valid bound `warehouse_volume_bound`); a shipment past the horizon carries nothing."""
    axis = m.axis
    first = arcs[np.unique(lanes.get_indexer(ix.arcs["lane"].to_numpy()[arcs]), return_index=True)[1]]
    arrival = axis.arrival[pd.Index(axis.line).get_indexer(first)]  # (lanes, T)
    warehouse = ix.arcs["warehouse"].to_numpy()[first]
    capacity = ix.warehouses["capacity_m3"].reindex(warehouse).to_numpy(dtype=float)
    bound = warehouse_volume_bound(m, ix).reindex(warehouse).fillna(0.0).to_numpy(dtype=float)
    share = np.where(arrival >= 0, axis.share[np.maximum(arrival, 0)], 0.0)
    return np.where(np.isnan(capacity)[:, None], np.where(arrival >= 0, bound[:, None], 0.0),
                    np.nan_to_num(capacity)[:, None] * share)


def _add_fill_rows(m, ix: ModelIndex, arcs: np.ndarray, lanes: pd.Index, lane_of: np.ndarray):
    """Row C4_t, per lane and period, with V = V[l,t] (`most_volume`) = capacity_m3 (k + f), k a
    whole number, 0 <= f < 1: sum_a volume_m3[p] xf[a,t] - capacity_m3 f nb[l,t] <= capacity_m3 k (1 - f).
    With C2 and the volume bound it is the convex hull of {(v, n): v <= min(capacity_m3 n, V), n
    integer}: the LP pays for a box that the lane can never fill at the box's own price (k = 0:
    v <= V nb), not at its full-box rate. Written for every lane and period (with f = 0 it only
    says v <= V), so that scenarios that scale demand keep the model's shape."""
    T = m.axis.count
    L = len(lanes)
    room = ix.lanes["container_m3"].reindex(lanes).to_numpy(dtype=float)
    boxes = most_volume(m, ix, arcs, lanes) / room[:, None]  # (lanes, T)
    k = np.floor(boxes + 1e-9)
    f = np.clip(boxes - k, 0.0, None)
    lane_rows, periods = np.nonzero(np.ones((L, T), dtype=bool))
    row_of = np.full((L, T), -1, dtype=np.int64)
    row_of[lane_rows, periods] = np.arange(len(lane_rows))
    volume = ix.arcs["volume_m3"].to_numpy()[arcs]
    b = RowBuilder(len(lane_rows))
    A = len(arcs)
    for t in range(T):
        rows = row_of[lane_of, t]
        on = rows >= 0
        b.add(rows[on], m.cols.at("xf", np.arange(A)[on], t), volume[on])
    b.add(np.arange(len(lane_rows)), m.cols.at("nb", lane_rows, periods), -(room[lane_rows] * f[lane_rows, periods]))
    add_rows(m, "container_fill", b, -INF, room[lane_rows] * k[lane_rows, periods] * (1.0 - f[lane_rows, periods]),
             [f"{lanes[i]}/{m.axis.names[t]}" for i, t in zip(lane_rows, periods)])


def container_cost_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost) in the logistics cost: cost_per_container f[l,t] per container and
    - lcl[a] f[a,t] per unit in full containers (the LCL freight it does not pay), f the freight multiplier."""
    arcs = container_arcs(ix)
    A, T = len(arcs), m.axis.count
    if not A:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    lanes = container_lanes(ix)
    first_arc = arcs[np.unique(lanes.get_indexer(ix.arcs["lane"].to_numpy()[arcs]), return_index=True)[1]]
    k, t = over_periods(T, A)
    n, tn = over_periods(T, len(lanes))
    lcl = ix.arcs["lcl"].to_numpy()[arcs]
    box = ix.lanes["container_cost"].reindex(lanes).to_numpy(dtype=float)
    cols = np.concatenate([m.cols.at("xf", k, t), m.cols.at("nb", n, tn)])
    cost = np.concatenate([-lcl[k] * m.axis.freight[arcs[k], t], box[n] * m.axis.freight[first_arc[n], tn]])
    return cols, cost
