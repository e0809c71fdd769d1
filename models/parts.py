"""Formulation parts over the period axis: `declare_variables` adds the columns, each `add_*` one
constraint family.

Row numbers are those of docs/model.md ("Constraints" and "Periods"). Every family is written
once for any number of periods (`models/axis.py`): per-period columns (channels `s`, sales `q`,
flows `x`, stock) have one block per period, and a family's rows for period t use that period's
columns and data; horizon rows sum over the periods. With one period every family gives exactly
the one-period rows of docs/model.md. Each family is built vectorised from the sparse
`ModelIndex` as one `LinearRows` block (numpy triplets, no per-row Python work). None of these
functions reads files, solves or prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from ..data.network import LASTMILE, LINEHAUL, STOCK_KEY
from .axis import PeriodAxis
from .columns import INF, Columns, ModelStructure, add_rows, structure_of
from .containers import container_cost_terms, declare_container_columns
from .creators import (
    creator_demand_terms,
    creator_fee_terms,
    creator_sales_terms,
    declare_creator_columns,
    plain_sales_bound,
)
from .flows import (
    all_period_flows,
    all_period_sales,
    carried_demand_terms,
    flow_terms,
    fulfilment_arcs,
    over_periods,
    route_index,
    warehouse_volume_bound,
)
from .formulation import Demand, Flow, Formulation, Sourcing
from .index import ModelIndex
from .payments import (
    declare_payment_columns,
    default_checkout_terms,
    exclusive_terms,
    loss_shift,
    method_share_terms,
    paid_methods,
    payment_objective,
)
from .origins import declare_origin_columns, goods_cost_terms, origin_fixed_terms
from .privacy import data_cost_terms, declare_data_columns
from .returns import declare_return_columns, restock_volume_terms, returns_objective
from .rows import RowBuilder

PER_PERIOD = ("s", "q", "x")  # decided anew in every period; the rest hold for the horizon


# ---- variables (docs/model.md, "Decisions and sparse sets") -----------------------------------


def declare_variables(m, ix: ModelIndex, axis: PeriodAxis, form: Formulation):
    """All columns, in one global order; fixes forced decisions (row 4), cost-mode sales and
    linehaul that would arrive after the horizon."""
    m.cols = cols = Columns(m)
    m.ix, m.axis, m.flow_form = ix, axis, form.flow
    T, markets = axis.count, ix.markets
    cols.declare("e", markets.index, pyo.Binary)
    cols.declare("r", ix.regimes.index, pyo.Binary)
    cols.declare("s", range(len(ix.channels)), pyo.Binary, T)
    cols.declare("z", range(len(ix.pairs)), pyo.Binary)
    cols.declare("q", range(len(ix.pairs)), pyo.NonNegativeReals, T)
    if form.demand is Demand.BY_CHANNEL and not ix.cost_mode:
        cols.declare("qb", range(len(ix.pairs)), pyo.NonNegativeReals)
        cols.declare("qc", range(len(ix.potentials)), pyo.NonNegativeReals)
    cols.declare("carry", range(len(axis.carry)), pyo.NonNegativeReals, T - 1)
    cols.declare("kappa", range(len(ix.certs)), pyo.Binary)
    cols.declare("y", ix.warehouses.index, pyo.Binary)
    declare_origin_columns(m, ix)
    mitigable = markets.index[markets["mitigation_cost"].notna()]
    cols.declare("v", mitigable, pyo.Binary)
    cols.declare("Rv", mitigable, pyo.NonNegativeReals)
    declare_payment_columns(m, ix, T)
    declare_data_columns(m, ix)
    if form.flow is Flow.ARC:
        cols.declare("x", range(len(ix.arcs)), pyo.NonNegativeReals, T)
    else:
        cols.declare("xr", range(len(ix.routes)), pyo.NonNegativeReals)
        m.ix_route_ptr, m.ix_route_ids = route_index(ix)
    cols.declare("stock", range(len(axis.stock_keys)), pyo.NonNegativeReals, T - 1)
    declare_return_columns(m, ix, T)
    declare_container_columns(m, ix, T)
    declare_creator_columns(m, ix, T)
    if form.sourcing is Sourcing.SINGLE:
        cols.declare("a", ix.arcs.index[ix.arcs["kind"] != LINEHAUL], pyo.Binary)
    m.structure = ModelStructure(tuple(cols.vars), cols)
    _fix_forced(m, ix, axis)


def _fix_forced(m, ix: ModelIndex, axis: PeriodAxis):
    for market in ix.markets.index[ix.markets["must_enter"]]:
        m.e[market].fix(1)
    for w in ix.warehouses.index[ix.warehouses["must_open"]]:
        m.y[w].fix(1)
    forced = ix.pairs.index if ix.cost_mode else ix.pairs.index[ix.pairs["must_offer"]]
    for i in forced:
        m.z[i].fix(1)
    n, A = len(ix.pairs), len(ix.arcs)
    if ix.cost_mode:
        for (i, t), demand in np.ndenumerate(axis.U):
            m.q[t * n + i].fix(float(demand))
    for row, t in np.argwhere(axis.arrival < 0):
        m.x[t * A + axis.line[row]].fix(0.0)


# ---- portfolio and market entry (rows 1-3) ---------------------------------------------------


def add_entry_links(m, ix: ModelIndex):
    """Row 1 (1_t for channels): z[p,m] <= e[m], s[m,c,t] <= e[m], v[m] <= e[m]."""
    c = m.cols
    n = len(ix.pairs)
    b = RowBuilder(n).add(np.arange(n), c.at("z", np.arange(n)), 1.0).add(np.arange(n), c.of("e", ix.pairs["market"]), -1.0)
    add_rows(m, "offer_needs_entry", b, -INF, 0.0)
    k, t = over_periods(m.axis.count, len(ix.channels))
    rows = np.arange(len(k))
    b = RowBuilder(len(k)).add(rows, c.at("s", k, t), 1.0).add(rows, c.of("e", ix.channels["market"].to_numpy()[k]), -1.0)
    add_rows(m, "channel_needs_entry", b, -INF, 0.0)
    mit = c.keys["v"]
    b = RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("v", mit), 1.0).add(np.arange(len(mit)), c.of("e", mit), -1.0)
    add_rows(m, "mitigation_needs_entry", b, -INF, 0.0)


def add_regime_links(m, ix: ModelIndex):
    """Row 2: e[m] <= r[g] for the data-protection regime g of m."""
    regime = ix.markets["regime"].dropna()
    n = len(regime)
    b = RowBuilder(n).add(np.arange(n), m.cols.of("e", regime.index), 1.0).add(np.arange(n), m.cols.of("r", regime), -1.0)
    add_rows(m, "entry_needs_regime", b, -INF, 0.0)


def add_certification_links(m, ix: ModelIndex):
    """Row 3: z[p,m] <= kappa[p,k] for each certification k that m requires for p's category."""
    links = ix.cert_links
    n = len(links)
    b = (RowBuilder(n).add(np.arange(n), m.cols.at("z", links["pair"]), 1.0)
         .add(np.arange(n), m.cols.at("kappa", links["cert"]), -1.0))
    add_rows(m, "offer_needs_certification", b, -INF, 0.0)


# ---- demand (rows 5-7) -------------------------------------------------------------------------


def add_channel_demand(m, ix: ModelIndex):
    """Row 5_t: q[i,t] + lost[i,t] - base_i W[i,t] z_i - sum_k pot_ik W[i,t] s[k,t]
    - sum_{k carried} rho_k carry[ik,t-1] - retention_m q[i,t-1] - creators[i,t] <= 0
    (one period: q - base z - sum_c pot s - creators <= 0; lost: the exclusive buyers of the
    payment methods not offered, row P2, `exclusive_terms`; creators: the buyers the booked
    creators bring, `creator_demand_terms`)."""
    c, axis, T = m.cols, m.axis, m.axis.count
    n, pot = len(ix.pairs), ix.potentials
    pp, pk, pv = pot["pair"].to_numpy(dtype=np.int64), pot["k"].to_numpy(dtype=np.int64), pot["pot"].to_numpy()
    i, t = over_periods(T, n)
    rows = np.arange(n * T)
    b = (RowBuilder(n * T).add(rows, c.at("q", i, t), 1.0)
         .add(rows, c.at("z", i), -ix.pairs["base_demand"].to_numpy()[i] * axis.W[i, t]))
    j, tj = over_periods(T, len(pot))
    b.add(tj * n + pp[j], c.at("s", pk[j], tj), -pv[j] * axis.W[pp[j], tj])
    carried_cols, carried_coefs, carried_pos = carried_demand_terms(m, n)
    b.add(carried_pos, carried_cols, -carried_coefs)
    lost_pair, lost_t, lost_cols, lost_coefs = exclusive_terms(m, ix)
    b.add(lost_t * n + lost_pair, lost_cols, lost_coefs)
    crea_pair, crea_t, crea_cols, crea_coefs = creator_demand_terms(m, ix)
    b.add(crea_t * n + crea_pair, crea_cols, -crea_coefs)
    add_rows(m, "demand_from_channels", b, -INF, 0.0)


def add_carried_channel_sales(m, ix: ModelIndex):
    """Periods: the sales of t attributed to the channels whose word of mouth carries over,
    carry[ik,t] <= pot_ik W[i,t] s[k,t] and sum_k carry[ik,t] <= q[i,t], for t before the last."""
    axis, c = m.axis, m.cols
    carry, T = axis.carry, axis.count
    if not len(carry) or T == 1:
        return
    pot = ix.potentials
    pp, pk, pv = pot["pair"].to_numpy(dtype=np.int64)[carry], pot["k"].to_numpy(dtype=np.int64)[carry], pot["pot"].to_numpy()[carry]
    j, t = over_periods(T - 1, len(carry))
    rows = np.arange(len(j))
    b = RowBuilder(len(j)).add(rows, c.at("carry", j, t), 1.0).add(rows, c.at("s", pk[j], t), -pv[j] * axis.W[pp[j], t])
    add_rows(m, "channel_sales", b, -INF, 0.0)
    pairs_with = np.unique(pp)
    row_of = pd.Series(np.arange(len(pairs_with)), index=pairs_with).reindex(pp).to_numpy()
    g, tg = over_periods(T - 1, len(pairs_with))
    b = (RowBuilder(len(g)).add(t * len(pairs_with) + row_of[j], c.at("carry", j, t), 1.0)
         .add(np.arange(len(g)), c.at("q", pairs_with[g], tg), -1.0))
    add_rows(m, "channel_sales_within_sales", b, -INF, 0.0)


def add_channel_demand_split(m, ix: ModelIndex):
    """Formulation demand = by_channel (one period): q + lost = qb + sum_c qc + creators,
    qc <= pot s, qc <= pot z, qb <= base z (lost: row P2, `exclusive_terms`; creators:
    `creator_demand_terms`)."""
    c, n, pot = m.cols, len(ix.pairs), ix.potentials
    rows, j = np.arange(n), np.arange(len(pot))
    b = RowBuilder(n).add(rows, c.at("q", rows), 1.0).add(rows, c.at("qb", rows), -1.0).add(pot["pair"], c.at("qc", j), -1.0)
    lost_pair, _, lost_cols, lost_coefs = exclusive_terms(m, ix)
    b.add(lost_pair, lost_cols, lost_coefs)
    crea_pair, _, crea_cols, crea_coefs = creator_demand_terms(m, ix)
    b.add(crea_pair, crea_cols, -crea_coefs)
    add_rows(m, "demand_split", b, 0.0, 0.0)
    b = RowBuilder(n).add(rows, c.at("qb", rows), 1.0).add(rows, c.at("z", rows), -ix.pairs["base_demand"].to_numpy())
    add_rows(m, "organic_demand", b, -INF, 0.0)
    b = RowBuilder(len(pot)).add(j, c.at("qc", j), 1.0).add(j, c.at("s", pot["k"]), -pot["pot"].to_numpy())
    add_rows(m, "channel_demand", b, -INF, 0.0)
    b = RowBuilder(len(pot)).add(j, c.at("qc", j), 1.0).add(j, c.at("z", pot["pair"]), -pot["pot"].to_numpy())
    add_rows(m, "channel_demand_offered", b, -INF, 0.0)


def add_demand_bound(m, ix: ModelIndex):
    """Row 6_t: q[i,t] - U[i,t] z_i <= 0."""
    i, t = over_periods(m.axis.count, len(ix.pairs))
    rows = np.arange(len(i))
    b = RowBuilder(len(i)).add(rows, m.cols.at("q", i, t), 1.0).add(rows, m.cols.at("z", i), -m.axis.U[i, t])
    add_rows(m, "demand_bound", b, -INF, 0.0)


def add_committed_volume(m, ix: ModelIndex):
    """Row 7: sum_t q[p,m,t] - min_units[p,m] z[p,m] >= 0 (pairs with min_units > 0)."""
    pairs = np.flatnonzero(ix.pairs["min_units"].to_numpy() > 0)
    rows = np.arange(len(pairs))
    b = (RowBuilder(len(pairs)).add(*all_period_sales(m, rows, pairs, 1.0))
         .add(rows, m.cols.at("z", pairs), -ix.pairs["min_units"].to_numpy()[pairs]))
    keys = (ix.pairs["product"].to_numpy()[pairs] + "@" + ix.pairs["market"].to_numpy()[pairs]).tolist()
    add_rows(m, "committed_volume", b, 0.0, INF, keys)


# ---- fulfilment (rows 8-12) ----------------------------------------------------------------


def add_market_balance(m, ix: ModelIndex):
    """Row 8_t: direct and last-mile flows of pair i in t - q[i,t] = 0."""
    n, f, T = len(ix.pairs), fulfilment_arcs(ix), m.axis.count
    b = RowBuilder(n * T)
    for t in range(T):
        b.add(*flow_terms(m, t * n + f["pair"].to_numpy(), f.index, 1.0, t))
        b.add(t * n + np.arange(n), m.cols.at("q", np.arange(n), t), -1.0)
    add_rows(m, "market_balance", b, 0.0, 0.0)


def add_warehouse_balance(m, ix: ModelIndex):
    """Row 9_t, per product, warehouse and origin: stock[t-1] + linehaul arriving in t - last-mile flows
    of t - stock[t] = 0 (arc form; a shipment sent in t arrives in the period its transit
    reaches; no stock before the first period or after the last; one period: linehaul in = last
    mile out)."""
    axis, c, arcs, T = m.axis, m.cols, ix.arcs, m.axis.count
    keys, G = axis.stock_keys, len(axis.stock_keys)
    key_of = keys.get_indexer(pd.MultiIndex.from_frame(arcs[STOCK_KEY]))
    line = axis.line
    keep = key_of[line] >= 0  # a linehaul arc feeds a (product, warehouse, origin) with a last mile out
    b = RowBuilder(G * T)
    for t in range(T):
        arrive = axis.arrival[:, t]
        ok = keep & (arrive >= 0)
        b.add(arrive[ok] * G + key_of[line[ok]], c.at("x", line[ok], t), 1.0)
    last = np.flatnonzero(arcs["kind"].to_numpy() == LASTMILE)
    for t in range(T):
        b.add(t * G + key_of[last], c.at("x", last, t), -1.0)
        if t > 0:
            b.add(t * G + np.arange(G), c.at("stock", np.arange(G), t - 1), 1.0)
        if t < T - 1:
            b.add(t * G + np.arange(G), c.at("stock", np.arange(G), t), -1.0)
    add_rows(m, "warehouse_balance", b, 0.0, 0.0)


def _period_keys(ids, axis: PeriodAxis) -> list:
    """Row keys of a per-period capacity family: the id, with `/period` when there are several."""
    ids = list(ids)
    return ids if not axis.many else [f"{key}/{name}" for name in axis.names for key in ids]


def add_warehouse_capacity(m, ix: ModelIndex):
    """Row 10_t: sum_p volume[p] (stock[p,w,t-1] + linehaul arriving in t + returns restocked in t)
    - capacity_m3[w] len_t y[w] <= 0 (one period: sum_p volume[p] (sum_{linehaul into w} h + rs)
    - capacity_m3[w] y[w] <= 0; restocked returns, row RT3, count where a capacity is given).

    The row is also written for uncapacitated warehouses, with the capacity replaced by the valid
    bound of `warehouse_volume_bound` in every period: it is the whole of the weak linking, and
    under strong linking it is what makes the per-arc rows deferrable (they are implied by it
    for integer plans, see `add_strong_linking`)."""
    axis, c, T = m.axis, m.cols, m.axis.count
    capacity = ix.warehouses["capacity_m3"]
    bound = warehouse_volume_bound(m, ix).reindex(capacity.index)
    limited = capacity.notna() | bound.notna()
    whs = capacity.index[limited]
    nw = len(whs)
    per_period = np.where(capacity[limited].notna().to_numpy()[:, None],
                          capacity[limited].fillna(0).to_numpy()[:, None] * axis.share[None, :],
                          bound[limited].fillna(0).to_numpy()[:, None])
    row_of = pd.Series(np.arange(nw), index=whs)
    line = axis.line
    in_row = row_of.reindex(ix.arcs["warehouse"].to_numpy()[line]).to_numpy()
    into = ~np.isnan(in_row)
    volume = ix.arcs["volume_m3"].to_numpy()
    b = RowBuilder(nw * T)
    for t in range(T):
        arrive = axis.arrival[:, t]
        ok = into & (arrive >= 0)
        b.add(*flow_terms(m, arrive[ok] * nw + in_row[ok].astype(np.int64), line[ok], volume[line[ok]], t))
    keys = axis.stock_keys
    stock_row = row_of.reindex(keys.get_level_values("warehouse")).to_numpy()
    held = ~np.isnan(stock_row)
    stock_volume = ix.arcs.drop_duplicates("product").set_index("product")["volume_m3"].reindex(
        keys.get_level_values("product")).to_numpy()
    for t in range(1, T):
        b.add(t * nw + stock_row[held].astype(np.int64), c.at("stock", np.flatnonzero(held), t - 1), stock_volume[held])
    w, t_rs, rs_cols, rs_volume = restock_volume_terms(m, ix)
    rs_row = row_of.reindex(w).to_numpy()
    capacitated = ~np.isnan(rs_row) & capacity.reindex(w).notna().to_numpy()
    b.add(t_rs[capacitated] * nw + rs_row[capacitated].astype(np.int64), rs_cols[capacitated], rs_volume[capacitated])
    for t in range(T):
        b.add(t * nw + np.arange(nw), c.of("y", whs), -per_period[:, t])
    add_rows(m, "warehouse_capacity", b, -INF, 0.0, _period_keys(whs, axis))


def add_strong_linking(m, ix: ModelIndex):
    """Formulation linking = strong: f[p,l,t] - U[p,m,t] y[w] <= 0 for each last-mile arc out of w.

    For integer plans these rows follow from row 10 (written for every warehouse): y[w] = 0 stops
    the linehaul into w and so, by row 9, every last-mile arc out of it; with y[w] = 1 the arc
    carries at most q <= U. They only tighten the LP, so a solver may hold them back and add the
    ones an LP point violates (the structure's `deferrable`, the HiGHS back end's root cut loop)."""
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    L, T = len(last), m.axis.count
    b = RowBuilder(L * T)
    for t in range(T):
        rows = t * L + np.arange(L)
        b.add(*flow_terms(m, rows, last.index, 1.0, t))
        b.add(rows, m.cols.of("y", last["warehouse"]), -m.axis.U[last["pair"].to_numpy(), t])
    add_rows(m, "lastmile_needs_open", b, -INF, 0.0)
    structure_of(m).deferrable += ("lastmile_needs_open",)


def add_lane_capacity(m, ix: ModelIndex):
    """Row 11_t: sum_p chargeable_kg[p,l] flow[p,l,t] <= capacity_kg[l] len_t."""
    cap = ix.lanes["capacity_kg"].dropna()
    arcs = ix.arcs[ix.arcs["lane"].isin(cap.index)]
    lanes = pd.Index(arcs["lane"].unique())
    nl, T = len(lanes), m.axis.count
    b = RowBuilder(nl * T)
    for t in range(T):
        b.add(*flow_terms(m, t * nl + lanes.get_indexer(arcs["lane"]), arcs.index, arcs["chargeable_kg"].to_numpy(), t))
    limit = cap.reindex(lanes).to_numpy()
    ub = limit if T == 1 else np.concatenate([limit * share for share in m.axis.share])
    add_rows(m, "lane_capacity", b, -INF, ub, _period_keys(lanes, m.axis))


def add_average_service(m, ix: ModelIndex):
    """Row 12 over the horizon: sum_t sum_p sum_{l into m} leadtime[l] flow[p,l,t] - target[m] sum_t sum_p q[p,m,t] <= 0."""
    target = ix.markets["target_avg_lead_time_days"].dropna()
    f = fulfilment_arcs(ix)
    target = target[target.index.isin(f["market"])]
    row_of = pd.Series(np.arange(len(target)), index=target.index)
    f = f[f["market"].isin(target.index)]
    pairs = ix.pairs[ix.pairs["market"].isin(target.index)]
    b = (RowBuilder(len(target))
         .add(*all_period_flows(m, row_of[f["market"]].to_numpy(), f.index, f["lead_time"].to_numpy()))
         .add(*all_period_sales(m, row_of[pairs["market"]].to_numpy(), pairs.index, -target[pairs["market"]].to_numpy())))
    add_rows(m, "average_service", b, -INF, 0.0, target.index)


def add_service_level(m, ix: ModelIndex):
    """Row 12b over the horizon (markets with service_days T and service_share X):
    sum_t sum_p sum_{l into m, leadtime[l] <= T} flow[p,l,t] - X sum_t sum_p q[p,m,t] >= 0."""
    levels = ix.markets[["service_days", "service_share"]].dropna()
    f = fulfilment_arcs(ix)
    levels = levels[levels.index.isin(ix.pairs["market"])]
    row_of = pd.Series(np.arange(len(levels)), index=levels.index)
    f = f[f["market"].isin(levels.index)]
    fast = f[f["lead_time"].to_numpy() <= levels["service_days"].reindex(f["market"]).to_numpy() + 1e-9]
    pairs = ix.pairs[ix.pairs["market"].isin(levels.index)]
    b = (RowBuilder(len(levels))
         .add(*all_period_flows(m, row_of[fast["market"]].to_numpy(), fast.index, 1.0))
         .add(*all_period_sales(m, row_of[pairs["market"]].to_numpy(), pairs.index,
                                -levels["service_share"].reindex(pairs["market"]).to_numpy())))
    add_rows(m, "service_level", b, 0.0, INF, levels.index)


def add_single_sourcing(m, ix: ModelIndex):
    """Formulation sourcing = single (one period): sum_l a[p,m,l] - z[p,m] = 0 and flow[p,l] - U[p,m] a[p,m,l] <= 0."""
    f = fulfilment_arcs(ix)
    n = len(ix.pairs)
    b = RowBuilder(n).add(f["pair"], m.cols.of("a", f.index), 1.0).add(np.arange(n), m.cols.at("z", np.arange(n)), -1.0)
    add_rows(m, "one_lane_per_offer", b, 0.0, 0.0)
    rows = np.arange(len(f))
    U = ix.pairs["U"].to_numpy()[f["pair"].to_numpy()]
    b = RowBuilder(len(f)).add(*flow_terms(m, rows, f.index, 1.0)).add(rows, m.cols.of("a", f.index), -U)
    add_rows(m, "flow_needs_lane_choice", b, -INF, 0.0)


# ---- money and counts (rows 13-16) --------------------------------------------------------


def _one_row(m, name, terms, lb, ub):
    b = RowBuilder(1)
    for cols, vals in terms:
        cols = np.asarray(cols, dtype=np.int64)
        b.add(np.zeros(len(cols), dtype=np.int64), cols, vals)
    add_rows(m, name, b, lb, ub, ["all"])


def logistics_cost_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost per unit) of the logistics cost: every arc's flow in every period at that
    period's unit cost (transport, holding, handling, duty), stock carried from t into t+1
    held at its unit cost at its origin * holding_rate * length_days[t+1] / 365, and full containers with the LCL
    freight their units do not pay (models/containers.py)."""
    axis, T, A = m.axis, m.axis.count, len(ix.arcs)
    cols, vals = [], []
    for t in range(T):
        _, c, v = flow_terms(m, np.zeros(A, dtype=np.int64), ix.arcs.index, axis.unit_cost[:, t], t)
        cols.append(c)
        vals.append(v)
    G = len(axis.stock_keys)
    if T > 1 and G:
        g, t = over_periods(T - 1, G)
        line = ix.arcs[ix.arcs["kind"] == LINEHAUL].drop_duplicates(STOCK_KEY).set_index(STOCK_KEY)
        held = line["cost_at_origin"].reindex(axis.stock_keys).to_numpy()
        cols.append(m.cols.at("stock", g, t))
        vals.append(held[g] * ix.settings["holding_rate"] * axis.length_days[t + 1] / 365.0)
    c, v = container_cost_terms(m, ix)
    return np.concatenate([*cols, c]), np.concatenate([*vals, v])


def marketing_terms(m, ix: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """(columns, cost) of the marketing spend: each channel run in each period at activation_cost
    len_t, and each creator campaign at its fee (`creator_fee_terms`)."""
    k, t = over_periods(m.axis.count, len(ix.channels))
    fee_cols, fees = creator_fee_terms(m, ix)
    return (np.concatenate([m.cols.at("s", k, t), fee_cols]),
            np.concatenate([ix.channels["activation_cost"].to_numpy()[k] * m.axis.share[t], fees]))


def add_budgets(m, ix: ModelIndex):
    """Rows 13-15: marketing, compliance (with the data-protection costs of rows D1-D2) and
    logistics budgets (each only if given)."""
    s, c = ix.settings, m.cols
    if s["marketing_budget"] is not None:
        _one_row(m, "marketing_budget", [marketing_terms(m, ix)], -INF, s["marketing_budget"])
    if s["compliance_budget"] is not None:
        terms = [(c.of("e", ix.markets.index), ix.markets["entry_cost"].to_numpy()),
                 (c.of("r", ix.regimes.index), ix.regimes["compliance_cost"].to_numpy()),
                 (c.at("kappa", np.arange(len(ix.certs))), ix.certs["cost"].to_numpy()),
                 data_cost_terms(m, ix)]
        _one_row(m, "compliance_budget", terms, -INF, s["compliance_budget"])
    if s["logistics_budget"] is not None:
        _one_row(m, "logistics_budget", [logistics_cost_terms(m, ix)], -INF, s["logistics_budget"])


def add_count_limits(m, ix: ModelIndex):
    """Row 16: sum_w y[w] <= max_warehouses, sum_m e[m] <= max_markets (each only if given)."""
    s, c = ix.settings, m.cols
    if s["max_warehouses"] is not None:
        _one_row(m, "max_warehouses", [(c.of("y", ix.warehouses.index), 1.0)], -INF, s["max_warehouses"])
    if s["max_markets"] is not None:
        _one_row(m, "max_markets", [(c.of("e", ix.markets.index), 1.0)], -INF, s["max_markets"])


# ---- payment risk and currency (rows 17-21) --------------------------------------------------


def revenue_cap(m, ix: ModelIndex) -> pd.Series:
    """RevMax[m] = sum_p price[p,m] sum_t U[p,m,t] (row 18)."""
    rev = ix.pairs["price"] * m.axis.U.sum(axis=1)
    return rev.groupby(ix.pairs["market"]).sum()


def add_mitigation(m, ix: ModelIndex):
    """Row 18 with row 17 substituted: Rv[m] + sum_j Rpay[m,j] - sum_t sum_p price q <= 0 (the
    default checkout's revenue: what the payment methods do not take) and Rv[m] - RevMax[m] v[m] <= 0;
    in markets with payment methods also Rv - RevMax (1 - sum_j share_j) v + RevMax sum_j share_j o_j
    <= RevMax sum_j share_j: with v = 1 it bounds Rv by the default checkout's most revenue,
    RevMax (1 - the shares of the methods offered), with v = 0 it is implied, so it is valid and
    tightens the LP where a fractional v covered revenue the methods take."""
    c = m.cols
    mit = c.keys["v"]
    row_of = pd.Series(np.arange(len(mit)), index=mit)
    pairs = ix.pairs[ix.pairs["market"].isin(mit)]
    b = (RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("Rv", mit), 1.0)
         .add(*all_period_sales(m, row_of[pairs["market"]].to_numpy(), pairs.index, -pairs["price"].to_numpy()))
         .add(*default_checkout_terms(m, ix, mit)))
    add_rows(m, "mitigation_within_revenue", b, -INF, 0.0)
    rev_max = revenue_cap(m, ix).reindex(mit).fillna(0.0).to_numpy()
    b = RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("Rv", mit), 1.0).add(np.arange(len(mit)), c.of("v", mit), -rev_max)
    add_rows(m, "mitigation_needs_purchase", b, -INF, 0.0)
    _add_mitigation_with_creators(m, ix, row_of, pairs)
    method_row, method_col, method_share = method_share_terms(m, ix, mit)
    with_methods = np.unique(method_row)
    taken = np.bincount(method_row, weights=method_share, minlength=len(mit))[with_methods]  # sum_j share_j
    local = pd.Series(np.arange(len(with_methods)), index=with_methods).reindex(method_row).to_numpy()
    rows = np.arange(len(with_methods))
    b = (RowBuilder(len(with_methods)).add(rows, c.of("Rv", mit[with_methods]), 1.0)
         .add(rows, c.of("v", mit[with_methods]), -rev_max[with_methods] * (1.0 - taken))
         .add(local, method_col, rev_max[method_row] * method_share))
    add_rows(m, "mitigation_of_default_checkout", b, -INF, rev_max[with_methods] * taken)


def _add_mitigation_with_creators(m, ix: ModelIndex, row_of: pd.Series, pairs: pd.DataFrame):
    """Row CR5 (creators selling): Rv[m] - RevMax0[m] v[m] - sum_t sum_p price C[p,m,t] <= 0,
    RevMax0 from the sales bounds without the creators' part and C their part (models/creators.py,
    row CR3)."""
    plain = plain_sales_bound(m, ix)
    if plain is None or not len(row_of):
        return
    c, mit, T = m.cols, row_of.index, m.axis.count
    price = pairs["price"].to_numpy()
    rev_plain = (pd.Series(price * plain[pairs.index].sum(axis=1)).groupby(pairs["market"].to_numpy()).sum()
                 .reindex(mit).fillna(0.0))
    k, t = over_periods(T, len(pairs))
    rows = np.arange(len(mit))
    b = (RowBuilder(len(mit)).add(rows, c.of("Rv", mit), 1.0).add(rows, c.of("v", mit), -rev_plain.to_numpy())
         .add(*creator_sales_terms(m, ix, row_of[pairs["market"]].to_numpy()[k], pairs.index.to_numpy()[k], t, price[k])))
    add_rows(m, "mitigation_needs_purchase_or_creators", b, -INF, 0.0)


def payment_loss_terms(m, ix: ModelIndex) -> list[tuple[np.ndarray, np.ndarray]]:
    """(columns, coefficients) of the expected payment loss, rows 17 and 19 substituted:
    sum_m loss[m] Rev[m] - (loss[m] - mitigated[m]) Rv[m] + sum_j (loss_j - loss[m]) Rpay_j."""
    c, markets = m.cols, ix.markets
    loss = markets["payment_loss_rate"].reindex(ix.pairs["market"]).to_numpy()
    mit = c.keys["v"]
    relief = (markets["payment_loss_rate"] - markets["mitigated_loss_rate"]).reindex(mit).to_numpy()
    _, q_cols, q_vals = all_period_sales(m, np.zeros(len(ix.pairs)), np.arange(len(ix.pairs)), ix.pairs["price"].to_numpy() * loss)
    return [(q_cols, q_vals), (c.of("Rv", mit), -relief), (c.of("Rpay", paid_methods(ix)), loss_shift(ix))]


def add_payment_risk_cap(m, ix: ModelIndex):
    """Row 20: payment_loss_terms - cap * sum_m Rev[m] <= 0."""
    cap = ix.settings["max_payment_loss_rate"]
    if cap is None:
        return
    _, q_cols, q_vals = all_period_sales(m, np.zeros(len(ix.pairs)), np.arange(len(ix.pairs)), -cap * ix.pairs["price"].to_numpy())
    _one_row(m, "payment_risk_cap", [*payment_loss_terms(m, ix), (q_cols, q_vals)], -INF, 0.0)


def add_concentration(m, ix: ModelIndex):
    """Row 21: Rev[m] - max_revenue_share[m] sum_m' Rev[m'] <= 0 (markets with a share cap)."""
    share = ix.markets["max_revenue_share"].dropna()
    b = RowBuilder(len(share))
    pairs, price = ix.pairs, ix.pairs["price"].to_numpy()
    for row, (market, cap) in enumerate(share.items()):
        own = (pairs["market"] == market).to_numpy()
        b.add(*all_period_sales(m, np.full(len(pairs), row), np.arange(len(pairs)), price * (own - cap)))
    add_rows(m, "revenue_concentration", b, -INF, 0.0, share.index)


# ---- objective (docs/model.md, "Objective") ----------------------------------------------------


def objective_vector(m, ix: ModelIndex) -> np.ndarray:
    """Profit per unit of each column; the cost objective is revenue - profit."""
    c, pairs, markets = m.cols, ix.pairs, ix.markets
    vec = np.zeros(len(c))
    price = pairs["price"].to_numpy()
    lost = (markets["payment_loss_rate"] + markets["fx_cost_rate"]).reindex(pairs["market"]).to_numpy()
    revenue_weight = 0.0 if ix.cost_mode else 1.0
    _, q_cols, q_vals = all_period_sales(m, np.zeros(len(pairs)), np.arange(len(pairs)),
                                         price * (revenue_weight - lost) - pairs["unit_cost"].to_numpy())
    np.add.at(vec, q_cols, q_vals)
    mit = c.keys["v"]
    relief = (markets["payment_loss_rate"] - markets["mitigated_loss_rate"]).reindex(mit).to_numpy()
    np.add.at(vec, c.of("Rv", mit), relief)
    np.add.at(vec, c.of("v", mit), -markets["mitigation_cost"].reindex(mit).to_numpy())
    cols, vals = logistics_cost_terms(m, ix)
    np.add.at(vec, cols, -vals)
    np.add.at(vec, c.of("y", ix.warehouses.index), -ix.warehouses["fixed_cost"].to_numpy())
    cols, vals = marketing_terms(m, ix)
    np.add.at(vec, cols, -vals)
    np.add.at(vec, c.at("z", np.arange(len(pairs))), -pairs["listing_cost"].to_numpy())
    np.add.at(vec, c.of("e", markets.index), -markets["entry_cost"].to_numpy())
    np.add.at(vec, c.of("r", ix.regimes.index), -ix.regimes["compliance_cost"].to_numpy())
    np.add.at(vec, c.at("kappa", np.arange(len(ix.certs))), -ix.certs["cost"].to_numpy())
    cols, vals = data_cost_terms(m, ix)
    np.add.at(vec, cols, -vals)
    for cols, vals in (goods_cost_terms(m, ix), origin_fixed_terms(m, ix)):
        np.add.at(vec, cols, -vals)
    payment_objective(m, ix, vec)
    returns_objective(m, ix, vec)
    return vec


def add_objective(m, ix: ModelIndex):
    """Maximise profit, or minimise cost (= revenue - profit) in cost mode."""
    attach_objective(m, ix, objective_vector(m, ix))


def attach_objective(m, ix: ModelIndex, vec: np.ndarray):
    """The objective from a profit-per-column vector: maximised, or negated and minimised in
    cost mode; the vector is kept for the HiGHS hand-off."""
    if ix.cost_mode:
        vec = -vec
    m.objective_vector = vec
    nz = np.flatnonzero(vec)
    columns = structure_of(m).columns
    expr = LinearExpression(constant=0.0, linear_coefs=vec[nz].tolist(), linear_vars=[columns[j] for j in nz])
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize if ix.cost_mode else pyo.maximize)
