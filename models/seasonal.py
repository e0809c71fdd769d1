"""The multi-period model (docs/model.md, "Periods"): markets, regimes, certifications,
warehouses, the portfolio and mitigation hold for the horizon; channels run per period (a
campaign calendar); sales, flows and warehouse stock are per period.

Columns of a per-period variable are laid out period by period (`t * n + i`). Rows, with W[i,t]
the pair's demand share of period t (data/seasons.py), len_t the period's share of the horizon:

- 1_t   s[k,t] <= e[m]                                          (and z <= e, v <= e as before)
- 5_t   q[i,t] <= base_i W[i,t] z_i + sum_k pot_ik W[i,t] s[k,t]
                  + sum_{k: rho_k > 0} rho_k qc[ik,t-1] + retention_m q[i,t-1]
        qc[ik,t] <= pot_ik W[i,t] s[k,t],  sum_k qc[ik,t] <= q[i,t]   (channel sales carried over)
- 6_t   q[i,t] <= Ucap[i,t] z_i, Ucap the same recursion with every channel on
- 7     sum_t q[i,t] >= min_units_i z_i
- 8_t   sum of direct and last-mile flows of pair i in t = q[i,t]
- 9_t   stock[g,t-1] + arrivals[g,t] = last-mile flows of g in t + stock[g,t]   (g = product, warehouse;
        a linehaul shipment sent in t arrives in the period holding day start_t + transit; no stock
        before the first period or after the last)
- 10_t  sum_g volume (stock[g,t-1] + arrivals[g,t]) <= capacity_m3 len_t y_w
- 11_t  chargeable kg on a lane in t <= capacity_kg len_t
- 12, 12b, 13-21 over the horizon (sums over t); channel activation costs len_t per period run.

One period of the whole horizon gives exactly the one-period model's rows and objective.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..data.instance import Instance
from ..data.network import LASTMILE, LINEHAUL
from ..data.seasons import arrival_periods, demand_shares, freight_multipliers, seasons_of
from . import parts
from .formulation import Demand, Flow, Formulation, Linking, Sourcing
from .index import build_index
from .parts import INF, Columns, add_rows
from .rows import RowBuilder

STRATEGIC = ("e", "r", "s", "y", "v")


class SeasonalError(ValueError):
    """A formulation option the multi-period model does not offer."""


def _check_formulation(form: Formulation):
    if form.flow is not Flow.ARC or form.sourcing is not Sourcing.SPLIT or form.demand is not Demand.AGGREGATED:
        raise SeasonalError("multi-period plans use flow=arc, sourcing=split, demand=aggregated "
                            f"(asked: {form}); linking may be strong or weak")


class Layout:
    """Per-period column and row positions."""

    def __init__(self, cols: Columns, periods: int):
        self.cols, self.T = cols, periods

    def at(self, name: str, positions, t) -> np.ndarray:
        size = len(self.cols.keys[name]) // (self.T if name not in ("qc", "stock") else max(self.T - 1, 1))
        return self.cols.start[name] + np.asarray(t, dtype=np.int64) * size + np.asarray(positions, dtype=np.int64)


def build_seasonal_model(instance: Instance, form: Formulation | None = None) -> pyo.ConcreteModel:
    form = form or Formulation()
    _check_formulation(form)
    seasons = seasons_of(instance.tables, instance.settings)
    ix = build_index(instance)
    m = pyo.ConcreteModel(name=instance.name)
    m.formulation, m.presolve_report, m.ix, m.seasons = form, None, ix, seasons
    T = seasons.count
    data = _period_data(instance, ix, seasons)
    m.period_data = data
    _declare(m, ix, data, T)
    lay = m.layout = Layout(m.cols, T)

    _entry_links(m, ix, lay)
    parts.add_regime_links(m, ix)
    parts.add_certification_links(m, ix)
    if not ix.cost_mode:
        _demand(m, ix, data, lay)
        _committed_volume(m, ix, lay)
    _market_balance(m, ix, lay)
    _stock_balance(m, ix, data, lay)
    _warehouse_capacity(m, ix, data, lay)
    if form.linking is Linking.STRONG:
        _strong_linking(m, ix, data, lay)
    _lane_capacity(m, ix, data, lay)
    _service(m, ix, lay)
    _budgets(m, ix, data, lay)
    parts.add_count_limits(m, ix)
    _revenue_rows(m, ix, data, lay)
    _objective(m, ix, data, lay)
    m.xb_strategic = m.cols.mask(STRATEGIC)
    return m


# ---- data --------------------------------------------------------------------------------------


def _period_data(instance: Instance, ix, seasons) -> dict:
    """Shares, demand bounds, arrivals and unit costs per period, as numpy arrays."""
    pairs, arcs, T = ix.pairs, ix.arcs, seasons.count
    W = demand_shares(seasons, instance.tables, pairs)  # (n, T)
    pot = ix.potentials
    rho = ix.channels["rho"].to_numpy()[pot["k"].to_numpy()] if len(pot) else np.zeros(0)
    carry = np.flatnonzero(rho > 0)  # potential rows whose channel sales carry over
    retention = ix.markets["retention"].reindex(pairs["market"]).to_numpy()
    n = len(pairs)
    bound = np.zeros((n, T))
    if ix.cost_mode:
        bound = pairs["demand"].to_numpy()[:, None] * W
    else:
        pot_sum = np.bincount(pot["pair"].to_numpy(dtype=np.int64), weights=pot["pot"].to_numpy(), minlength=n)
        carry_pot = np.bincount(pot["pair"].to_numpy(dtype=np.int64)[carry], weights=(rho * pot["pot"].to_numpy())[carry],
                                minlength=n)
        base = (pairs["base_demand"].to_numpy() + pot_sum)[:, None] * W
        for t in range(T):
            bound[:, t] = base[:, t]
            if t > 0:
                bound[:, t] += carry_pot * W[:, t - 1] + retention * bound[:, t - 1]
    modes = ix.lanes["mode"].reindex(arcs["lane"]).reset_index(drop=True)
    freight = freight_multipliers(seasons, instance.tables, modes)  # (A, T)
    unit = (arcs["transport"].to_numpy()[:, None] * freight + (arcs["holding"] + arcs["handling"] + arcs["duty"]).to_numpy()[:, None])
    line = np.flatnonzero(arcs["kind"].to_numpy() == LINEHAUL)
    transit = ix.lanes["transit_days"].reindex(arcs["lane"].to_numpy()[line]).to_numpy()
    last = arcs[arcs["kind"] == LASTMILE]
    stock_keys = pd.MultiIndex.from_frame(last[["product", "warehouse"]].drop_duplicates())
    return {"W": W, "U": bound, "carry": carry, "rho": rho, "retention": retention, "unit_cost": unit,
            "line": line, "arrival": arrival_periods(seasons, transit), "stock_keys": stock_keys,
            "share": seasons.length_share, "length_days": seasons.periods["length_days"].to_numpy()}


def _declare(m, ix, data, T: int):
    m.cols = cols = Columns(m)
    n, K, A = len(ix.pairs), len(ix.channels), len(ix.arcs)
    markets = ix.markets
    cols.declare("e", markets.index, pyo.Binary)
    cols.declare("r", ix.regimes.index, pyo.Binary)
    cols.declare("s", range(K * T), pyo.Binary)
    cols.declare("z", range(n), pyo.Binary)
    cols.declare("q", range(n * T), pyo.NonNegativeReals)
    cols.declare("qc", range(len(data["carry"]) * max(T - 1, 1)), pyo.NonNegativeReals)
    cols.declare("kappa", range(len(ix.certs)), pyo.Binary)
    cols.declare("y", ix.warehouses.index, pyo.Binary)
    mitigable = markets.index[markets["mitigation_cost"].notna()]
    cols.declare("v", mitigable, pyo.Binary)
    cols.declare("Rv", mitigable, pyo.NonNegativeReals)
    cols.declare("x", range(A * T), pyo.NonNegativeReals)
    cols.declare("stock", range(len(data["stock_keys"]) * max(T - 1, 1)), pyo.NonNegativeReals)
    m.xb_columns = tuple(cols.vars)
    for market in markets.index[markets["must_enter"]]:
        m.e[market].fix(1)
    for w in ix.warehouses.index[ix.warehouses["must_open"]]:
        m.y[w].fix(1)
    for i in (ix.pairs.index if ix.cost_mode else ix.pairs.index[ix.pairs["must_offer"]]):
        m.z[i].fix(1)
    if ix.cost_mode:
        for (i, t), value in np.ndenumerate(data["U"]):
            m.q[t * n + i].fix(float(value))
    never = np.argwhere(data["arrival"] < 0)  # linehaul sent too late to arrive within the horizon
    for row, t in never:
        m.x[t * A + data["line"][row]].fix(0.0)
    if T == 1:
        for var in list(m.qc.values()) + list(m.stock.values()):
            var.fix(0.0)


# ---- rows ----------------------------------------------------------------------------------------


def _periods(T: int, size: int):
    """(row or position, period) arrays over all periods, period-major."""
    return np.tile(np.arange(size), T), np.repeat(np.arange(T), size)


def _entry_links(m, ix, lay):
    c, T = m.cols, lay.T
    n, K = len(ix.pairs), len(ix.channels)
    b = RowBuilder(n).add(np.arange(n), c.at("z", np.arange(n)), 1.0).add(np.arange(n), c.of("e", ix.pairs["market"]), -1.0)
    add_rows(m, "offer_needs_entry", b, -INF, 0.0)
    k, t = _periods(T, K)
    rows = np.arange(K * T)
    b = RowBuilder(K * T).add(rows, lay.at("s", k, t), 1.0).add(rows, c.of("e", ix.channels["market"].to_numpy()[k]), -1.0)
    add_rows(m, "channel_needs_entry", b, -INF, 0.0)
    mit = c.keys["v"]
    b = RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("v", mit), 1.0).add(np.arange(len(mit)), c.of("e", mit), -1.0)
    add_rows(m, "mitigation_needs_entry", b, -INF, 0.0)


def _demand(m, ix, data, lay):
    """Rows 5_t (with carry-over), the channel-sales rows, and 6_t."""
    c, T = m.cols, lay.T
    n = len(ix.pairs)
    W, U = data["W"], data["U"]
    pot = ix.potentials
    pp, pk, pv = pot["pair"].to_numpy(dtype=np.int64), pot["k"].to_numpy(dtype=np.int64), pot["pot"].to_numpy()
    i, t = _periods(T, n)
    rows = np.arange(n * T)
    b = RowBuilder(n * T).add(rows, lay.at("q", i, t), 1.0)
    b.add(rows, c.at("z", i), -ix.pairs["base_demand"].to_numpy()[i] * W[i, t])
    for period in range(T):
        b.add(period * n + pp, lay.at("s", pk, period), -pv * W[pp, period])
    carry = data["carry"]
    for period in range(1, T):
        b.add(period * n + pp[carry], lay.at("qc", np.arange(len(carry)), period - 1), -data["rho"][carry])
        b.add(period * n + np.arange(n), lay.at("q", np.arange(n), period - 1), -data["retention"])
    add_rows(m, "demand_from_channels", b, -INF, 0.0, [f"{p}@{mk}/{lay_name}" for lay_name in m.seasons.names
                                                         for p, mk in zip(ix.pairs["product"], ix.pairs["market"])])
    if len(carry) and T > 1:
        j, tc = _periods(T - 1, len(carry))
        rows = np.arange(len(j))
        b = (RowBuilder(len(j)).add(rows, lay.at("qc", j, tc), 1.0)
             .add(rows, lay.at("s", pk[carry][j], tc), -pv[carry][j] * W[pp[carry][j], tc]))
        add_rows(m, "channel_sales", b, -INF, 0.0)
        pairs_with = np.unique(pp[carry])
        row_of = pd.Series(np.arange(len(pairs_with)), index=pairs_with)
        rows_t = lambda period: period * len(pairs_with) + row_of[pp[carry]].to_numpy()  # noqa: E731
        b = RowBuilder(len(pairs_with) * (T - 1))
        for period in range(T - 1):
            b.add(rows_t(period), lay.at("qc", np.arange(len(carry)), period), 1.0)
            b.add(period * len(pairs_with) + np.arange(len(pairs_with)), lay.at("q", pairs_with, period), -1.0)
        add_rows(m, "channel_sales_within_sales", b, -INF, 0.0)
    b = RowBuilder(n * T).add(rows_all := np.arange(n * T), lay.at("q", i, t), 1.0).add(rows_all, c.at("z", i), -U[i, t])
    add_rows(m, "demand_bound", b, -INF, 0.0)


def _committed_volume(m, ix, lay):
    """Row 7: sum_t q[i,t] - min_units z >= 0."""
    pairs = np.flatnonzero(ix.pairs["min_units"].to_numpy() > 0)
    rows = np.arange(len(pairs))
    b = RowBuilder(len(pairs)).add(rows, m.cols.at("z", pairs), -ix.pairs["min_units"].to_numpy()[pairs])
    for period in range(lay.T):
        b.add(rows, lay.at("q", pairs, period), 1.0)
    keys = (ix.pairs["product"].to_numpy()[pairs] + "@" + ix.pairs["market"].to_numpy()[pairs]).tolist()
    add_rows(m, "committed_volume", b, 0.0, INF, keys)


def _fulfil(ix) -> pd.DataFrame:
    return ix.arcs[ix.arcs["kind"] != LINEHAUL]


def _market_balance(m, ix, lay):
    n, f = len(ix.pairs), _fulfil(ix)
    b = RowBuilder(n * lay.T)
    for period in range(lay.T):
        b.add(period * n + f["pair"].to_numpy(), lay.at("x", f.index, period), 1.0)
        b.add(period * n + np.arange(n), lay.at("q", np.arange(n), period), -1.0)
    add_rows(m, "market_balance", b, 0.0, 0.0)


def _arrivals(ix, data, lay, b: RowBuilder, rows_of_arc, coef):
    """Add coef * (linehaul shipments arriving in t) to row rows_of_arc(arc, t), for every t."""
    line = data["line"]
    for period in range(lay.T):
        arrive = data["arrival"][:, period]
        ok = arrive >= 0
        arcs = line[ok]
        b.add(rows_of_arc(arcs, arrive[ok]), lay.at("x", arcs, period), coef[ok] if np.ndim(coef) else coef)


def _stock_balance(m, ix, data, lay):
    """Row 9_t per (product, warehouse) and period."""
    keys, T, arcs = data["stock_keys"], lay.T, ix.arcs
    G = len(keys)
    key_of = keys.get_indexer(pd.MultiIndex.from_frame(arcs[["product", "warehouse"]]))
    b = RowBuilder(G * T)
    # every linehaul arc feeds a (product, warehouse) with a last mile out (data/network.py)
    _arrivals(ix, data, lay, b, lambda a, arrive: arrive * G + key_of[a], 1.0)
    last = np.flatnonzero(arcs["kind"].to_numpy() == LASTMILE)
    for period in range(T):
        b.add(period * G + key_of[last], lay.at("x", last, period), -1.0)
        if period > 0:
            b.add(period * G + np.arange(G), lay.at("stock", np.arange(G), period - 1), 1.0)
        if period < T - 1:
            b.add(period * G + np.arange(G), lay.at("stock", np.arange(G), period), -1.0)
    add_rows(m, "warehouse_balance", b, 0.0, 0.0)


def _warehouse_volume_bound(ix, data) -> pd.Series:
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    bound = last["volume_m3"].to_numpy() * data["U"].sum(axis=1)[last["pair"].to_numpy()]
    return pd.Series(bound, index=last["warehouse"].to_numpy()).groupby(level=0).sum()


def _warehouse_capacity(m, ix, data, lay):
    """Row 10_t: volume of stock carried in plus arrivals <= capacity_m3 len_t y (an
    uncapacitated warehouse: the volume of all its horizon demand)."""
    T = lay.T
    capacity = ix.warehouses["capacity_m3"]
    uncapped = _warehouse_volume_bound(ix, data).reindex(capacity.index)
    share = np.where(capacity.notna().to_numpy()[:, None], capacity.fillna(0).to_numpy()[:, None] * data["share"][None, :],
                     uncapped.fillna(0).to_numpy()[:, None])
    keep = capacity.notna() | uncapped.notna()
    whs = capacity.index[keep]
    row_of = pd.Series(np.arange(len(whs)), index=whs)
    nw = len(whs)
    arcs = ix.arcs
    line = data["line"]
    wh_of_line = arcs["warehouse"].to_numpy()[line]
    in_rows = row_of.reindex(wh_of_line).to_numpy()
    ok = ~np.isnan(in_rows)
    volume = arcs["volume_m3"].to_numpy()
    b = RowBuilder(nw * T)
    for period in range(T):
        arrive = data["arrival"][:, period]
        sel = ok & (arrive >= 0)
        b.add(arrive[sel] * nw + in_rows[sel].astype(np.int64), lay.at("x", line[sel], period), volume[line[sel]])
    keys = data["stock_keys"]
    stock_rows = row_of.reindex(keys.get_level_values("warehouse")).to_numpy()
    vol_p = ix.arcs.drop_duplicates("product").set_index("product")["volume_m3"].reindex(keys.get_level_values("product")).to_numpy()
    good = ~np.isnan(stock_rows)
    for period in range(1, T):
        b.add(period * nw + stock_rows[good].astype(np.int64), lay.at("stock", np.flatnonzero(good), period - 1), vol_p[good])
    caps = share[keep.to_numpy()]
    for period in range(T):
        b.add(period * nw + np.arange(nw), m.cols.of("y", whs), -caps[:, period])
    add_rows(m, "warehouse_capacity", b, -INF, 0.0, [f"{w}/{p}" for p in m.seasons.names for w in whs])


def _strong_linking(m, ix, data, lay):
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    L = len(last)
    b = RowBuilder(L * lay.T)
    for period in range(lay.T):
        rows = period * L + np.arange(L)
        b.add(rows, lay.at("x", last.index, period), 1.0)
        b.add(rows, m.cols.of("y", last["warehouse"]), -data["U"][last["pair"].to_numpy(), period])
    add_rows(m, "lastmile_needs_open", b, -INF, 0.0)


def _lane_capacity(m, ix, data, lay):
    cap = ix.lanes["capacity_kg"].dropna()
    arcs = ix.arcs[ix.arcs["lane"].isin(cap.index)]
    lanes = pd.Index(arcs["lane"].unique())
    nl = len(lanes)
    b = RowBuilder(nl * lay.T)
    for period in range(lay.T):
        b.add(period * nl + lanes.get_indexer(arcs["lane"]), lay.at("x", arcs.index, period), arcs["chargeable_kg"].to_numpy())
    ub = np.concatenate([cap.reindex(lanes).to_numpy() * share for share in data["share"]]) if nl else np.zeros(0)
    add_rows(m, "lane_capacity", b, -INF, ub, [f"{lane}/{p}" for p in m.seasons.names for lane in lanes])


def _service(m, ix, lay):
    """Rows 12 and 12b over the horizon."""
    f = _fulfil(ix)
    target = ix.markets["target_avg_lead_time_days"].dropna()
    target = target[target.index.isin(f["market"])]
    row_of = pd.Series(np.arange(len(target)), index=target.index)
    ft = f[f["market"].isin(target.index)]
    pairs = ix.pairs[ix.pairs["market"].isin(target.index)]
    b = RowBuilder(len(target))
    levels = ix.markets[["service_days", "service_share"]].dropna()
    levels = levels[levels.index.isin(ix.pairs["market"])]
    level_of = pd.Series(np.arange(len(levels)), index=levels.index)
    fl = f[f["market"].isin(levels.index)]
    fast = fl[fl["lead_time"].to_numpy() <= levels["service_days"].reindex(fl["market"]).to_numpy() + 1e-9]
    lpairs = ix.pairs[ix.pairs["market"].isin(levels.index)]
    bl = RowBuilder(len(levels))
    for period in range(lay.T):
        b.add(row_of[ft["market"]].to_numpy(), lay.at("x", ft.index, period), ft["lead_time"].to_numpy())
        b.add(row_of[pairs["market"]].to_numpy(), lay.at("q", pairs.index, period), -target[pairs["market"]].to_numpy())
        bl.add(level_of[fast["market"]].to_numpy(), lay.at("x", fast.index, period), 1.0)
        bl.add(level_of[lpairs["market"]].to_numpy(), lay.at("q", lpairs.index, period),
               -levels["service_share"].reindex(lpairs["market"]).to_numpy())
    add_rows(m, "average_service", b, -INF, 0.0, target.index)
    add_rows(m, "service_level", bl, 0.0, INF, levels.index)


def _money_terms(m, ix, data, lay):
    """(cols, coefs) of the logistics cost: flows at their period's unit cost, plus stock holding."""
    A, T = len(ix.arcs), lay.T
    a, t = _periods(T, A)
    cols = [lay.at("x", a, t)]
    vals = [data["unit_cost"][a, t]]
    G = len(data["stock_keys"])
    if T > 1 and G:
        g, ts = _periods(T - 1, G)
        unit_cost = ix.pairs.drop_duplicates("product").set_index("product")["unit_cost"]
        uc = unit_cost.reindex(data["stock_keys"].get_level_values("product")).to_numpy()
        holding = uc[g] * ix.settings["holding_rate"] * data["length_days"][ts + 1] / 365.0
        cols.append(lay.at("stock", g, ts))
        vals.append(holding)
    return np.concatenate(cols), np.concatenate(vals)


def _budgets(m, ix, data, lay):
    s, c = ix.settings, m.cols
    K = len(ix.channels)
    if s["marketing_budget"] is not None:
        k, t = _periods(lay.T, K)
        act = ix.channels["activation_cost"].to_numpy()[k] * data["share"][t]
        b = RowBuilder(1).add(np.zeros(len(k), dtype=np.int64), lay.at("s", k, t), act)
        add_rows(m, "marketing_budget", b, -INF, s["marketing_budget"], ["all"])
    if s["compliance_budget"] is not None:
        b = RowBuilder(1)
        for cols, vals in ((c.of("e", ix.markets.index), ix.markets["entry_cost"].to_numpy()),
                           (c.of("r", ix.regimes.index), ix.regimes["compliance_cost"].to_numpy()),
                           (c.at("kappa", np.arange(len(ix.certs))), ix.certs["cost"].to_numpy())):
            b.add(np.zeros(len(cols), dtype=np.int64), cols, vals)
        add_rows(m, "compliance_budget", b, -INF, s["compliance_budget"], ["all"])
    if s["logistics_budget"] is not None:
        cols, vals = _money_terms(m, ix, data, lay)
        b = RowBuilder(1).add(np.zeros(len(cols), dtype=np.int64), cols, vals)
        add_rows(m, "logistics_budget", b, -INF, s["logistics_budget"], ["all"])


def _q_all(lay, positions, coefs):
    """Columns and coefficients of sum_t coef * q[i,t] for the given pair positions."""
    positions = np.asarray(positions, dtype=np.int64)
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), positions.shape)
    cols = np.concatenate([lay.at("q", positions, t) for t in range(lay.T)])
    return cols, np.tile(coefs, lay.T)


def _revenue_rows(m, ix, data, lay):
    """Rows 18, 20, 21 with revenue summed over the periods."""
    c, markets, pairs = m.cols, ix.markets, ix.pairs
    mit = c.keys["v"]
    row_of = pd.Series(np.arange(len(mit)), index=mit)
    mp = pairs[pairs["market"].isin(mit)]
    qcols, qvals = _q_all(lay, mp.index, -mp["price"].to_numpy())
    b = (RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("Rv", mit), 1.0)
         .add(np.tile(row_of[mp["market"]].to_numpy(), lay.T), qcols, qvals))
    add_rows(m, "mitigation_within_revenue", b, -INF, 0.0)
    rev_max = pd.Series(pairs["price"].to_numpy() * data["U"].sum(axis=1)).groupby(pairs["market"].to_numpy()).sum()
    b = (RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("Rv", mit), 1.0)
         .add(np.arange(len(mit)), c.of("v", mit), -rev_max.reindex(mit).fillna(0.0).to_numpy()))
    add_rows(m, "mitigation_needs_purchase", b, -INF, 0.0)
    cap = ix.settings["max_payment_loss_rate"]
    if cap is not None:
        loss = markets["payment_loss_rate"].reindex(pairs["market"]).to_numpy()
        relief = (markets["payment_loss_rate"] - markets["mitigated_loss_rate"]).reindex(mit).to_numpy()
        qcols, qvals = _q_all(lay, np.arange(len(pairs)), pairs["price"].to_numpy() * (loss - cap))
        b = RowBuilder(1).add(np.zeros(len(qcols), dtype=np.int64), qcols, qvals).add(np.zeros(len(mit), dtype=np.int64), c.of("Rv", mit), -relief)
        add_rows(m, "payment_risk_cap", b, -INF, 0.0, ["all"])
    share = markets["max_revenue_share"].dropna()
    b = RowBuilder(len(share))
    price = pairs["price"].to_numpy()
    for row, (market, limit) in enumerate(share.items()):
        own = (pairs["market"] == market).to_numpy()
        qcols, qvals = _q_all(lay, np.arange(len(pairs)), price * (own - limit))
        b.add(np.full(len(qcols), row), qcols, qvals)
    add_rows(m, "revenue_concentration", b, -INF, 0.0, share.index)


def objective_vector(m, ix, data, lay) -> np.ndarray:
    c, pairs, markets = m.cols, ix.pairs, ix.markets
    vec = np.zeros(len(c))
    price = pairs["price"].to_numpy()
    lost = (markets["payment_loss_rate"] + markets["fx_cost_rate"]).reindex(pairs["market"]).to_numpy()
    revenue_weight = 0.0 if ix.cost_mode else 1.0
    qcols, qvals = _q_all(lay, np.arange(len(pairs)), price * (revenue_weight - lost) - pairs["unit_cost"].to_numpy())
    np.add.at(vec, qcols, qvals)
    mit = c.keys["v"]
    relief = (markets["payment_loss_rate"] - markets["mitigated_loss_rate"]).reindex(mit).to_numpy()
    np.add.at(vec, c.of("Rv", mit), relief)
    np.add.at(vec, c.of("v", mit), -markets["mitigation_cost"].reindex(mit).to_numpy())
    cols, vals = _money_terms(m, ix, data, lay)
    np.add.at(vec, cols, -vals)
    np.add.at(vec, c.of("y", ix.warehouses.index), -ix.warehouses["fixed_cost"].to_numpy())
    k, t = _periods(lay.T, len(ix.channels))
    np.add.at(vec, lay.at("s", k, t), -ix.channels["activation_cost"].to_numpy()[k] * data["share"][t])
    np.add.at(vec, c.at("z", np.arange(len(pairs))), -pairs["listing_cost"].to_numpy())
    np.add.at(vec, c.of("e", markets.index), -markets["entry_cost"].to_numpy())
    np.add.at(vec, c.of("r", ix.regimes.index), -ix.regimes["compliance_cost"].to_numpy())
    np.add.at(vec, c.at("kappa", np.arange(len(ix.certs))), -ix.certs["cost"].to_numpy())
    return vec


def _objective(m, ix, data, lay):
    parts.attach_objective(m, ix, objective_vector(m, ix, data, lay))


# ---- extraction ------------------------------------------------------------------------------------


def extract_seasonal_plan(m) -> dict:
    """The plan with per-period channels, sales, flows and end-of-period stock."""
    from .extract import ZERO

    ix, lay, names = m.ix, m.layout, m.seasons.names
    T = lay.T
    values = np.fromiter((v.value or 0.0 for v in m.xb_columns), dtype=float, count=len(m.xb_columns))
    values[values < ZERO] = 0.0  # every column is >= 0: a slightly negative value is solver tolerance
    pairs, channels, certs, arcs, lanes = ix.pairs, ix.channels, ix.certs, ix.arcs, ix.lanes
    n, K, A = len(pairs), len(channels), len(arcs)
    z = values[m.cols.at("z", np.arange(n))] > 0.5
    q = values[lay.at("q", np.tile(np.arange(n), T), np.repeat(np.arange(T), n))].reshape(T, n)
    s = values[lay.at("s", np.tile(np.arange(K), T), np.repeat(np.arange(T), K))].reshape(T, K) > 0.5
    x = values[lay.at("x", np.tile(np.arange(A), T), np.repeat(np.arange(T), A))].reshape(T, A)
    chosen = lambda name: [k for k, v in zip(m.cols.keys[name], values[m.cols.mask([name])]) if v > 0.5]  # noqa: E731
    G = len(m.period_data["stock_keys"])
    stock = []
    if T > 1 and G:
        sv = values[lay.at("stock", np.tile(np.arange(G), T - 1), np.repeat(np.arange(T - 1), G))].reshape(T - 1, G)
        keys = m.period_data["stock_keys"]
        stock = [{"product": keys[g][0], "warehouse": keys[g][1], "period": names[t], "units": float(sv[t, g])}
                 for t, g in zip(*np.nonzero(sv > 0))]
    rv = dict(zip(m.cols.keys["Rv"], values[m.cols.mask(["Rv"])]))
    return {
        "markets": chosen("e"),
        "regimes": chosen("r"),
        "channels": [{"market": channels.at[k, "market"], "channel": channels.at[k, "channel"], "period": names[t]}
                     for t, k in zip(*np.nonzero(s))],
        "portfolio": [{"product": pairs.at[i, "product"], "market": pairs.at[i, "market"], "units": float(q[t, i]),
                       "price": float(pairs.at[i, "price"]), "period": names[t]}
                      for t in range(T) for i in np.flatnonzero(z)],
        "certifications": [{"product": certs.at[k, "product"], "certification": certs.at[k, "certification"]}
                           for k in np.flatnonzero(values[m.cols.mask(["kappa"])] > 0.5)],
        "warehouses": chosen("y"),
        "mitigations": [{"market": mk, "covered_revenue": float(max(rv.get(mk, 0.0), 0.0))} for mk in chosen("v")],
        "flows": [{"product": arcs.at[a, "product"], "lane": arcs.at[a, "lane"], "kind": arcs.at[a, "kind"],
                   "from": lanes.at[arcs.at[a, "lane"], "from"], "to": lanes.at[arcs.at[a, "lane"], "to"],
                   "units": float(x[t, a]), "period": names[t]}
                  for t, a in zip(*np.nonzero(x > 0))],
        "stock": stock,
    }


__all__ = ["build_seasonal_model", "extract_seasonal_plan", "SeasonalError"]
