"""Data transfer and localisation (docs/model.md, "Data transfer and localisation", rows D1-D2),
written once over the period axis.

A regime with a `data_transfer` row governs where the customer data of its markets may live: each
entered market either sends its data out under the regime's transfer mechanism (dt[g], one
cost covering every market of the regime, unless the regime says `must_localise`) or hosts it in
the market (dh[m], where a `hosting_cost` is given). A `data_obligations` row applies once the
regime's buyers over the horizon exceed its threshold (dw[b]). All three are horizon decisions.
Without the two tables nothing here adds a column or row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .columns import INF, add_rows
from .creators import creator_sales_terms, plain_sales_bound
from .index import ModelIndex
from .rows import RowBuilder


def transferable_regimes(ix: ModelIndex) -> pd.Index:
    """Regimes whose customer data may leave the market under a transfer mechanism."""
    return ix.transfers.index[~ix.transfers["must_localise"].to_numpy(dtype=bool)]


def hostable_markets(ix: ModelIndex) -> pd.Index:
    """Markets that may host their customer data locally (their regime gives a hosting_cost)."""
    return ix.data_markets.index[ix.data_markets["can_host"].to_numpy(dtype=bool)]


def regime_orders(ix: ModelIndex) -> pd.DataFrame:
    """(pair, per_unit = 1 / units_per_order, regime) for every pair under a regime with obligations."""
    regime = ix.markets["regime"].reindex(ix.pairs["market"]).to_numpy()
    pairs = np.flatnonzero(pd.Series(regime).isin(ix.obligations["regime"]).to_numpy())
    return pd.DataFrame({"pair": pairs, "per_unit": 1.0 / ix.pairs["units_per_order"].to_numpy()[pairs],
                         "regime": regime[pairs]})


def most_orders(m, ix: ModelIndex) -> pd.Series:
    """Omax[g] = sum_{p,m in g} sum_t U[p,m,t] / units_per_order[p]: the most orders regime g can take."""
    orders = regime_orders(ix)
    most = m.axis.U[orders["pair"].to_numpy(dtype=np.int64)].sum(axis=1) * orders["per_unit"].to_numpy()
    return pd.Series(most).groupby(orders["regime"].to_numpy()).sum()


def declare_data_columns(m, ix: ModelIndex):
    """dt[g] (transfer mechanism of regime g), dh[m] (market m hosts its data), dw[b] (obligation b
    met), for every obligation, reachable or not, so that scenarios that scale demand keep the
    model's shape (an unreachable one has a row that always holds and a cost that keeps dw at 0)."""
    cols = m.cols
    cols.declare("dt", transferable_regimes(ix), pyo.Binary)
    cols.declare("dh", hostable_markets(ix), pyo.Binary)
    cols.declare("dw", range(len(ix.obligations)), pyo.Binary)


def add_data_transfer_rows(m, ix: ModelIndex):
    """Row D1: e[m] - dt[g(m)] - dh[m] <= 0 for each market m under a regime g with a
    data_transfer row (dt absent where the regime must localise, dh where no hosting is offered);
    row D2: sum_t sum_{p,m in g} q[p,m,t] / units_per_order[p] - (Omax[g] - T_b) dw[b] <= T_b for
    each obligation b of regime g, T_b = buyer_threshold_b * orders_per_buyer_b."""
    c, markets = m.cols, ix.data_markets
    n = len(markets)
    if n:
        rows = np.arange(n)
        b = RowBuilder(n).add(rows, c.of("e", markets.index), 1.0)
        send = np.flatnonzero(markets["can_transfer"].to_numpy(dtype=bool))
        b.add(send, c.of("dt", markets["regime"].to_numpy()[send]), -1.0)
        host = np.flatnonzero(markets["can_host"].to_numpy(dtype=bool))
        b.add(host, c.of("dh", markets.index[host]), -1.0)
        add_rows(m, "data_transfer_or_hosting", b, -INF, 0.0, markets.index)
    _add_obligation_rows(m, ix)


def _add_obligation_rows(m, ix: ModelIndex):
    """Row D2 (see add_data_transfer_rows), one row per obligation; where the regime's markets
    cannot reach the threshold, Omax[g] - T_b is taken as 0 and the row always holds."""
    duties = ix.obligations
    B = len(duties)
    if not B:
        return
    threshold = duties["threshold"].to_numpy()
    slack = np.maximum(most_orders(m, ix).reindex(duties["regime"]).fillna(0.0).to_numpy() - threshold, 0.0)
    links = pd.DataFrame({"row": np.arange(B), "regime": duties["regime"].to_numpy()}).merge(regime_orders(ix), on="regime")
    T = m.axis.count
    row, pair = links["row"].to_numpy(dtype=np.int64), links["pair"].to_numpy(dtype=np.int64)
    b = RowBuilder(B)
    b.add(np.tile(row, T), m.cols.at("q", np.tile(pair, T), np.repeat(np.arange(T), len(pair))),
          np.tile(links["per_unit"].to_numpy(), T))
    b.add(np.arange(B), m.cols.at("dw", np.arange(B)), -slack)
    add_rows(m, "data_obligation_applies", b, -INF, threshold,
             (duties["regime"] + "/" + duties["obligation"]).to_numpy())
    _add_obligations_with_creators(m, ix, links, threshold)


def _add_obligations_with_creators(m, ix: ModelIndex, links: pd.DataFrame, threshold: np.ndarray):
    """Row CR6 (creators selling): row D2 with Omax0, the most orders without the creators' part
    of U, and their part as sum_t sum_p (1 / units_per_order) C[p,m,t] (models/creators.py, row CR3)."""
    plain = plain_sales_bound(m, ix)
    if plain is None:
        return
    B, T = len(threshold), m.axis.count
    row, pair = links["row"].to_numpy(dtype=np.int64), links["pair"].to_numpy(dtype=np.int64)
    per_unit = links["per_unit"].to_numpy()
    most = np.bincount(row, weights=plain[pair].sum(axis=1) * per_unit, minlength=B)
    k = np.tile(np.arange(len(row)), T)
    t = np.repeat(np.arange(T), len(row))
    b = (RowBuilder(B).add(row[k], m.cols.at("q", pair[k], t), per_unit[k])
         .add(np.arange(B), m.cols.at("dw", np.arange(B)), -np.maximum(most - threshold, 0.0))
         .add(*creator_sales_terms(m, ix, row[k], pair[k], t, per_unit[k])))
    add_rows(m, "data_obligation_applies_or_creators", b, -INF, threshold)


def data_cost_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost) of data protection: transfer_cost dt + hosting_cost dh + cost dw."""
    c = m.cols
    regimes, hosts = c.keys["dt"], c.keys["dh"]
    duties = ix.obligations
    cols = np.concatenate([c.of("dt", regimes), c.of("dh", hosts), c.at("dw", np.arange(len(duties)))])
    cost = np.concatenate([ix.transfers["transfer_cost"].reindex(regimes).to_numpy(dtype=float),
                           ix.data_markets["hosting_cost"].reindex(hosts).to_numpy(dtype=float),
                           duties["cost"].to_numpy(dtype=float)])
    return cols.astype(np.int64), cost
