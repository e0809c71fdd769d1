"""Payment methods (docs/model.md, "Payment methods", rows P1-P4), written once over the period axis.

A market's `payment_methods` rows are checkout options beside its default checkout (the one the
market's `payment_loss_rate` and mitigation describe). Offering method j in market m, o[m,j], is a
horizon decision (first-stage in a stochastic plan). When offered, j takes its `share` of the
market's revenue, at its own fee and loss rate instead of the default's, and (cash on delivery)
its share of the orders, of which `refusal_rate` are refused at the door; when not offered, its
exclusive buyers do not buy. Without a `payment_methods` table nothing here adds a column or row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .columns import INF, add_rows
from .index import ModelIndex
from .rows import RowBuilder


def paid_methods(ix: ModelIndex) -> np.ndarray:
    """Rows of `ix.methods` that take a share of their market's revenue (share > 0)."""
    return np.flatnonzero(ix.methods["share"].to_numpy() > 0)


def refused_methods(ix: ModelIndex) -> np.ndarray:
    """Rows of `ix.methods` whose refused orders cost something (refusal_rate and cost > 0)."""
    methods = ix.methods
    return np.flatnonzero((methods["share"].to_numpy() > 0) & (methods["refusal_rate"].to_numpy() > 0)
                          & (methods["refusal_cost_per_order"].to_numpy() > 0))


def refusal_cost_per_paid_order(ix: ModelIndex) -> np.ndarray:
    """Per method row: r / (1 - r) * refusal_cost_per_order, the refusal cost that comes with one
    delivered and paid order (of every 1 / (1 - r) orders sent, r / (1 - r) come back)."""
    r = ix.methods["refusal_rate"].to_numpy()
    return r / (1.0 - r) * ix.methods["refusal_cost_per_order"].to_numpy()


def declare_payment_columns(m, ix: ModelIndex, periods: int):
    """o[j] (offer method row j); in profit mode h[l] >= z_i - o_j for each link l = (pair i,
    method j with exclusive buyers) and g[kj,t] >= s[k,t] - o_j for each channel row k of j's
    market (row P2): the organic and channel demand that j's absence would touch; Rpay[j]
    (revenue paid with j) and Opay[j] (orders paid with j, where refusals cost)."""
    cols = m.cols
    cols.declare("o", range(len(ix.methods)), pyo.Binary)
    cols.declare("h", range(0 if ix.cost_mode else len(ix.method_links)), pyo.NonNegativeReals)
    cols.declare("g", range(0 if ix.cost_mode else len(channel_links(ix))), pyo.NonNegativeReals, periods)
    cols.declare("Rpay", paid_methods(ix), pyo.NonNegativeReals)
    cols.declare("Opay", refused_methods(ix), pyo.NonNegativeReals)


def channel_links(ix: ModelIndex) -> pd.DataFrame:
    """(channel row k, method row j, exclusive_share) for the channels of each market and its
    methods with exclusive buyers."""
    methods = ix.methods
    held = methods.loc[methods["exclusive_share"] > 0, ["market", "exclusive_share"]].reset_index(names="method")
    links = ix.channels[["market"]].reset_index(names="k").merge(held, on="market")
    return links[["k", "method", "exclusive_share"]].reset_index(drop=True)


def exclusive_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(pair, period, column, coefficient) of the exclusive buyers lost in each period t, which
    row 5_t adds to the sales (row P2): sum_j excl_j (base_i W[i,t] h[ij] + sum_k pot_ik W[i,t] g[kj,t])
    over the links (pair i, method j); h = z and g = s when j is not offered, 0 when it is."""
    links, W, T = ix.method_links, m.axis.W, m.axis.count
    if ix.cost_mode or not len(links):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    pair = links["pair"].to_numpy(dtype=np.int64)
    base = ix.pairs["base_demand"].to_numpy()
    pot = ix.potentials
    chans = channel_links(ix).reset_index(names="g")
    terms = pd.DataFrame({"pair": pot["pair"].to_numpy(dtype=np.int64), "k": pot["k"].to_numpy(dtype=np.int64),
                          "pot": pot["pot"].to_numpy()}).merge(chans, on="k")
    pairs = np.concatenate([pair, terms["pair"].to_numpy(dtype=np.int64)])
    size = np.concatenate([links["exclusive_share"].to_numpy() * base[pair],
                           terms["exclusive_share"].to_numpy() * terms["pot"].to_numpy()])
    h_cols, g_pos = m.cols.at("h", np.arange(len(links))), terms["g"].to_numpy(dtype=np.int64)
    t = np.repeat(np.arange(T), len(pairs))
    cols = np.concatenate([np.concatenate([h_cols, m.cols.at("g", g_pos, period)]) for period in range(T)])
    return np.tile(pairs, T), t, cols, np.tile(size, T) * W[np.tile(pairs, T), t]


def add_method_links(m, ix: ModelIndex):
    """Row P1: o[m,j] <= e[m]; o[m,j] >= e[m] where the method is must_offer, or (cost mode, whose
    fixed demand includes every buyer) has exclusive buyers."""
    methods, c = ix.methods, m.cols
    n = len(methods)
    rows = np.arange(n)
    b = RowBuilder(n).add(rows, c.at("o", rows), 1.0).add(rows, c.of("e", methods["market"]), -1.0)
    add_rows(m, "method_needs_entry", b, -INF, 0.0)
    must = methods["must_offer"].to_numpy(dtype=bool)
    if ix.cost_mode:
        must = must | (methods["exclusive_share"].to_numpy() > 0)
    forced = np.flatnonzero(must)
    rows = np.arange(len(forced))
    b = (RowBuilder(len(forced)).add(rows, c.at("o", forced), 1.0)
         .add(rows, c.of("e", methods["market"].to_numpy()[forced]), -1.0))
    add_rows(m, "method_must_offer", b, 0.0, INF, (methods["market"] + "/" + methods["method"]).to_numpy()[forced])


def add_exclusive_buyers(m, ix: ModelIndex):
    """Row P2: h[l] - z_i + o_j >= 0 for each link l = (pair i, method j),
    and g[kj,t] - s[k,t] + o_j >= 0 for each channel k of j's market and period t. With j not
    offered, h = z and g = s at least, so row 5_t loses the exclusive share excl_j of the period's
    new demand N = base W z + sum_k pot W s; offered, h = g = 0 and nothing is lost. Written per
    channel, the loss is the channel-by-channel (disaggregated) linearisation of excl (1 - o) N,
    whose LP relaxation is far tighter than one row in N: a fractional o_j cannot hide the loss
    of the channels that run at full strength."""
    if ix.cost_mode or not len(ix.method_links):
        return
    c, T = m.cols, m.axis.count
    links = ix.method_links
    L = len(links)
    rows = np.arange(L)
    b = (RowBuilder(L).add(rows, c.at("h", rows), 1.0).add(rows, c.at("z", links["pair"]), -1.0)
         .add(rows, c.at("o", links["method"]), 1.0))
    add_rows(m, "exclusive_buyers_of_offers", b, 0.0, INF)
    chans = channel_links(ix)
    G = len(chans)
    k, j = chans["k"].to_numpy(dtype=np.int64), chans["method"].to_numpy(dtype=np.int64)
    b = RowBuilder(G * T)
    for t in range(T):
        rows = t * G + np.arange(G)
        b.add(rows, c.at("g", np.arange(G), t), 1.0).add(rows, c.at("s", k, t), -1.0).add(rows, c.at("o", j), 1.0)
    add_rows(m, "exclusive_buyers_of_channels", b, 0.0, INF)


def _market_totals(m, ix: ModelIndex, rows: np.ndarray, markets: np.ndarray, per_unit: np.ndarray) -> tuple:
    """Triplets of sum_t sum_{p in market} per_unit[i] q[i,t] in the given rows (one per method)."""
    links = pd.DataFrame({"row": rows, "market": markets}).merge(
        pd.DataFrame({"market": ix.pairs["market"].to_numpy(), "pair": np.arange(len(ix.pairs))}), on="market")
    row, pair = links["row"].to_numpy(dtype=np.int64), links["pair"].to_numpy(dtype=np.int64)
    T = m.axis.count
    t = np.repeat(np.arange(T), len(pair))
    return np.tile(row, T), m.cols.at("q", np.tile(pair, T), t), np.tile(per_unit[pair], T)


def _share_of_market(m, ix: ModelIndex, name: str, chosen: np.ndarray, per_unit: np.ndarray, family: str):
    """Rows P3/P4 for the variable `name` over method rows `chosen`:
    X_j = share_j * sum_t sum_p per_unit q[p,m,t] when o_j = 1, else 0, as
    X_j - share_j S <= 0, share_j S - X_j + share_j Smax o_j <= share_j Smax, X_j - share_j Smax o_j <= 0,
    with S the market's total and Smax = sum_p per_unit sum_t U[p,m,t] its bound."""
    methods, c = ix.methods, m.cols
    k = len(chosen)
    if not k:
        return
    share = methods["share"].to_numpy()[chosen]
    markets = methods["market"].to_numpy()[chosen]
    bound = pd.Series(per_unit * m.axis.U.sum(axis=1)).groupby(ix.pairs["market"].to_numpy()).sum()
    smax = share * bound.reindex(markets).fillna(0.0).to_numpy()
    rows = np.arange(k)
    x = c.of(name, chosen)
    r, cc, v = _market_totals(m, ix, rows, markets, per_unit)
    b = RowBuilder(k).add(rows, x, 1.0).add(r, cc, -share[r] * v)
    add_rows(m, f"{family}_within_share", b, -INF, 0.0)
    b = RowBuilder(k).add(r, cc, share[r] * v).add(rows, x, -1.0).add(rows, c.at("o", chosen), smax)
    add_rows(m, f"{family}_share_when_offered", b, -INF, smax)
    b = RowBuilder(k).add(rows, x, 1.0).add(rows, c.at("o", chosen), -smax)
    add_rows(m, f"{family}_needs_offer", b, -INF, 0.0)


def add_method_shares(m, ix: ModelIndex):
    """Rows P3 (revenue paid with j: Rpay_j = share_j Rev[m] o_j) and P4 (orders paid with j:
    Opay_j = share_j Ord[m] o_j, Ord[m] = sum_t sum_p q / units_per_order)."""
    price = ix.pairs["price"].to_numpy()
    _share_of_market(m, ix, "Rpay", paid_methods(ix), price, "method_revenue")
    orders = 1.0 / ix.pairs["units_per_order"].to_numpy()
    _share_of_market(m, ix, "Opay", refused_methods(ix), orders, "method_orders")


def default_checkout_terms(m, ix: ModelIndex, markets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(market position in `markets`, Rpay column, 1) for the methods of those markets: the
    revenue they take off the default checkout (row 18: Rv[m] <= Rev[m] - sum_j Rpay[m,j])."""
    paid = paid_methods(ix)
    markets = pd.Index(markets)
    pos = markets.get_indexer(ix.methods["market"].to_numpy()[paid])
    keep = pos >= 0
    return pos[keep], m.cols.of("Rpay", paid[keep]), np.ones(int(keep.sum()))


def method_share_terms(m, ix: ModelIndex, markets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(market position in `markets`, o column, share) of the paid methods of those markets."""
    paid = paid_methods(ix)
    pos = pd.Index(markets).get_indexer(ix.methods["market"].to_numpy()[paid])
    keep = pos >= 0
    return pos[keep], m.cols.at("o", paid[keep]), ix.methods["share"].to_numpy()[paid[keep]]


def loss_shift(ix: ModelIndex) -> np.ndarray:
    """Per paid method: loss_j - payment_loss_rate[m], the change in expected payment loss per
    unit of revenue moved from the default checkout to j (row 19)."""
    paid = paid_methods(ix)
    market_loss = ix.markets["payment_loss_rate"].reindex(ix.methods["market"].to_numpy()[paid]).to_numpy()
    return ix.methods["loss_rate"].to_numpy()[paid] - market_loss


def payment_objective(m, ix: ModelIndex, vec: np.ndarray):
    """Objective terms (profit per column): - integration_cost o - (fee_j + loss_j - loss_m) Rpay
    - r / (1 - r) refusal_cost_per_order Opay."""
    c, methods = m.cols, ix.methods
    np.add.at(vec, c.at("o", np.arange(len(methods))), -methods["integration_cost"].to_numpy())
    paid = paid_methods(ix)
    np.add.at(vec, c.of("Rpay", paid), -(methods["fee_rate"].to_numpy()[paid] + loss_shift(ix)))
    refused = refused_methods(ix)
    np.add.at(vec, c.of("Opay", refused), -refusal_cost_per_paid_order(ix)[refused])
