"""Creators (docs/model.md, "Creators", rows CR1-CR4; CR5 and CR6 sit beside rows 18 and D2 in
parts.py and privacy.py), written once over the period axis.

A creators row is a creator the seller can book on a channel of a market, up to
campaigns_per_period campaigns a period, b[k,t] (an integer), each at its fee and reaching
a_k engaged real people. The creators of one (market, channel, category) group share the
channel's creator_pool: the distinct people they reach, Rc[j,t], follow the concave reach curve
of data/creators.py, and each of them buys coef units of each product of the category in the
market, scaled by the period's demand intensity (its share of the pair's demand over its share of
the horizon; 1 with one period). Without a `creators` table nothing here adds a column or row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..data.creators import CreatorSets, most_reach, reach_lines
from ..data.network import LASTMILE
from .columns import INF, add_rows, structure_of
from .flows import flow_terms, over_periods
from .index import ModelIndex
from .rows import RowBuilder


def booked_creators(ix: ModelIndex) -> int:
    """How many creators rows have a b column (none in cost mode: fixed demand needs no creators)."""
    return 0 if ix.cost_mode else len(ix.creators)


def reached_groups(ix: ModelIndex) -> int:
    """How many creator groups have an Rc column (none in cost mode)."""
    return 0 if ix.cost_mode else len(ix.creator_groups)


def declare_creator_columns(m, ix: ModelIndex, periods: int):
    """b[k,t]: campaigns of creator row k in period t; Rc[j,t]: distinct people the creators of
    group j reach in t."""
    m.cols.declare("b", range(booked_creators(ix)), pyo.NonNegativeIntegers, periods)
    m.cols.declare("Rc", range(reached_groups(ix)), pyo.NonNegativeReals, periods)


def demand_intensity(m) -> np.ndarray:
    """(pairs, T): W[i,t] / len_t, the pair's demand in t against an average period (1 with one period)."""
    return m.axis.W / m.axis.share[None, :]


def add_creator_rows(m, ix: ModelIndex):
    """Row CR1_t: b[k,t] - most_k s[c(k),t] <= 0 (a creator posts while the seller's channel
    runs, at most campaigns_per_period times). Row CR2_t, one per line l of the reach curve:
    Rc[j,t] - slope_l sum_{k in j} a_k b[k,t] <= intercept_l N_j (the distinct people reached,
    at most the piecewise-linear curve of the booked reach)."""
    K, J = booked_creators(ix), reached_groups(ix)
    if not K:
        return
    c, T, creators = m.cols, m.axis.count, ix.creators
    k, t = over_periods(T, K)
    rows = np.arange(K * T)
    b = (RowBuilder(K * T).add(rows, c.at("b", k, t), 1.0)
         .add(rows, c.at("s", creators["k"].to_numpy(dtype=np.int64)[k], t), -creators["most"].to_numpy(dtype=float)[k]))
    add_rows(m, "creator_needs_channel", b, -INF, 0.0, (creators["creator"].to_numpy()[k] + _at(m, t)))
    slope, intercept = reach_lines()
    L = len(slope)
    member_k = ix.creator_members["creator"].to_numpy(dtype=np.int64)
    member_j = ix.creator_members["group"].to_numpy(dtype=np.int64)
    reach = creators["per_campaign"].to_numpy()[member_k]
    pool = ix.creator_groups["creator_pool"].to_numpy(dtype=float)
    b = RowBuilder(J * L * T)
    for period in range(T):
        for line in range(L):
            first = (period * L + line) * J
            b.add(first + np.arange(J), c.at("Rc", np.arange(J), period), 1.0)
            b.add(first + member_j, c.at("b", member_k, period), -slope[line] * reach)
    add_rows(m, "creator_reach_curve", b, -INF, np.tile(np.repeat(intercept, J) * np.tile(pool, L), T))
    _add_reach_needs_channel(m, ix)


def _add_reach_needs_channel(m, ix: ModelIndex):
    """Row CR2b_t: Rc[j,t] - Rmax_j s[c(j),t] <= 0, with Rmax_j the distinct people of group j with
    every campaign booked. Implied by CR1-CR2 for integer s; in the LP, where CR1 lets a channel
    run at a fraction s with its creators booked at that fraction of their campaigns, the concave
    curve gives more than s Rmax, and this row takes that away."""
    groups, c, T = ix.creator_groups, m.cols, m.axis.count
    J = len(groups)
    channel = ix.channels[["market", "channel"]].reset_index(names="k")
    k = groups[["market", "channel"]].merge(channel, on=["market", "channel"], how="left")["k"].to_numpy(dtype=np.int64)
    j, t = over_periods(T, J)
    rows = np.arange(J * T)
    b = RowBuilder(J * T).add(rows, c.at("Rc", j, t), 1.0).add(rows, c.at("s", k[j], t), -creator_most_reach(ix)[j])
    add_rows(m, "creator_reach_needs_channel", b, -INF, 0.0)


def _at(m, t: np.ndarray) -> np.ndarray:
    """'/period' suffixes for row keys of several periods (as parts.py names them), '' with one."""
    return np.array([f"/{m.axis.names[p]}" for p in t]) if m.axis.many else np.full(len(t), "")


def creator_demand_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(pair, period, column, coefficient) of the creators' demand in row 5_t:
    sum_j coef_ij intensity[i,t] Rc[j,t] over the pair's groups."""
    links = ix.creator_links
    if not reached_groups(ix) or not len(links):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    pair, group = links["pair"].to_numpy(dtype=np.int64), links["group"].to_numpy(dtype=np.int64)
    j, t = over_periods(m.axis.count, len(links))
    coef = links["coef"].to_numpy()[j] * demand_intensity(m)[pair[j], t]
    return pair[j], t, m.cols.at("Rc", group[j], t), coef


def creator_fee_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost) of the creators' fees: fee_k per campaign booked, in the marketing spend."""
    k, t = over_periods(m.axis.count, booked_creators(ix))
    return m.cols.at("b", k, t), ix.creators["fee"].to_numpy(dtype=float)[k]


def creator_most_reach(ix: ModelIndex) -> np.ndarray:
    """Rmax[j]: the distinct people group j reaches in a period with every campaign of its
    creators booked (the bound the channel-demand cuts lift with, models/cuts.py)."""
    return most_reach(CreatorSets(ix.creators, ix.creator_groups, ix.creator_members, ix.creator_links))


def plain_sales_bound(m, ix: ModelIndex) -> np.ndarray | None:
    """U0[i,t] = U[i,t] without the creators' part (models/axis.py), where the valid inequalities
    below apply (creators that sell, in profit mode), else None."""
    if not reached_groups(ix) or not len(ix.creator_links):
        return None
    return m.axis.U_plain


def creator_sales_terms(m, ix: ModelIndex, rows: np.ndarray, pairs: np.ndarray, periods: np.ndarray,
                        weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, coefficient) of -w_k C[i,t] in row rows[k] for its pair i = pairs[k] and
    period t = periods[k] (w = 1 without `weights`), with C the most the creators add to i's sales
    bound in t: C[i,t] = sum_j coef_ij intensity[i,t] Rc[j,t] + retention_i C[i,t-1] (their
    buyers of t, and the repeat buyers of the ones before)."""
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
    links = pd.DataFrame({"row": rows, "pair": pairs, "t": periods, "w": w}).merge(ix.creator_links, on="pair")
    row, pair = links["row"].to_numpy(dtype=np.int64), links["pair"].to_numpy(dtype=np.int64)
    t, group = links["t"].to_numpy(dtype=np.int64), links["group"].to_numpy(dtype=np.int64)
    coef = links["w"].to_numpy() * links["coef"].to_numpy()
    intensity, retention = demand_intensity(m), m.axis.retention[pair]
    out_rows, out_cols, out_coefs = [], [], []
    for before in range(m.axis.count):
        here = before <= t
        out_rows.append(row[here])
        out_cols.append(m.cols.at("Rc", group[here], before))
        out_coefs.append(-coef[here] * intensity[pair[here], before] * retention[here] ** (t[here] - before))
    return np.concatenate(out_rows), np.concatenate(out_cols), np.concatenate(out_coefs)


def add_creator_sales_bounds(m, ix: ModelIndex, strong: bool):
    """Rows 6 and 12b with the creators' part of U as their variable bound, beside the rows with
    the full U (valid inequalities that keep the LP from using that part without booking a
    creator), for the pairs creators sell and every period t:
    row CR3_t: q[i,t] - U0[i,t] z_i - C[i,t] <= 0, and, under strong linking,
    row CR4_t: f[a,t] - U0[i,t] y[w] - C[i,t] <= 0 for each last-mile arc a of i out of w
    (C: `creator_sales_terms`). Valid: with z (or y) = 0 the left side is <= 0; with 1, row 5_t
    bounds q[i,t] (and so f[a,t]) by U0[i,t] + C[i,t], by induction over the periods. The same
    holds for every row whose big-M is a sum of U (rows 18 and D2 take it too).

    Implied for integer plans (z = 0 stops q by row 6, y = 0 stops f by rows 10 and 9, and 1 is
    row 5's own bound), they only tighten the LP, so both families are deferrable, as the strong
    linking is: on a very large model the lean root LP holds them back and the cut loop adds the
    violated ones (size l with every mechanic: the root LP in 54 s instead of more than 225 s)."""
    plain = plain_sales_bound(m, ix)
    if plain is None:
        return
    c, T = m.cols, m.axis.count
    sold = np.unique(ix.creator_links["pair"].to_numpy(dtype=np.int64))
    k, t = over_periods(T, len(sold))
    rows = np.arange(len(k))
    b = (RowBuilder(len(k)).add(rows, c.at("q", sold[k], t), 1.0).add(rows, c.at("z", sold[k]), -plain[sold[k], t])
         .add(*creator_sales_terms(m, ix, rows, sold[k], t)))
    add_rows(m, "creator_sales_within_offer", b, -INF, 0.0)
    structure_of(m).deferrable += ("creator_sales_within_offer",)
    if not strong:
        return
    arcs = ix.arcs
    last = arcs[(arcs["kind"] == LASTMILE) & arcs["pair"].isin(sold)]
    L = len(last)
    b = RowBuilder(L * T)
    for period in range(T):
        rows, pair_of = period * L + np.arange(L), last["pair"].to_numpy(dtype=np.int64)
        (b.add(*flow_terms(m, rows, last.index, 1.0, period))
         .add(rows, c.of("y", last["warehouse"]), -plain[pair_of, period])
         .add(*creator_sales_terms(m, ix, rows, pair_of, np.full(L, period))))
    add_rows(m, "creator_sales_need_open", b, -INF, 0.0)
    structure_of(m).deferrable += ("creator_sales_need_open",)
