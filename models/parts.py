"""Formulation parts: `declare_*` adds variables, each `add_*` one constraint family.

Row numbers refer to MODEL.md section 4. Every family is built vectorised from the sparse
`ModelIndex` as one `LinearRows` block (numpy triplets, no per-row Python work); variables are
ordinary Pyomo `Var` components laid out in one global column order (`Columns`). None of these
functions reads files, solves or prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from ..data.network import LASTMILE, LINEHAUL
from .formulation import Demand, Flow, Formulation, Sourcing
from .index import ModelIndex
from .rows import LinearRows, RowBuilder

INF = np.inf


class Columns:
    """The global column order: each variable component owns a contiguous range of columns."""

    def __init__(self, model):
        self.model = model
        self.start: dict[str, int] = {}
        self.keys: dict[str, pd.Index] = {}
        self.domains: dict[str, object] = {}
        self.vars: list = []

    def declare(self, name: str, keys, domain) -> pyo.Var:
        keys = list(keys)
        var = pyo.Var(keys, domain=domain, dense=True)
        setattr(self.model, name, var)
        self.start[name] = len(self.vars)
        self.keys[name] = pd.Index(keys)
        self.domains[name] = domain
        self.vars.extend(var.values())
        return var

    def at(self, name: str, positions) -> np.ndarray:
        """Columns of `name` by position (0..n-1) in its key list."""
        return self.start[name] + np.asarray(positions, dtype=np.int64)

    def of(self, name: str, keys) -> np.ndarray:
        """Columns of `name` by key."""
        pos = self.keys[name].get_indexer(list(keys))
        if (pos < 0).any():
            raise KeyError(f"unknown keys for {name}")
        return self.start[name] + pos

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
    rows = LinearRows(builder.matrix(len(m.cols)), lb, ub, m.xb_columns)
    rows.row_keys = [str(k) for k in keys] if keys is not None else None
    if m.component(name) is not None:
        m.del_component(name)
    setattr(m, name, rows)


# ---- flows: arc variables or route variables --------------------------------------------------


def flow_terms(m, rows, arcs, coefs):
    """Triplets for sum coef * flow[arc] in the given rows; in path form each arc's flow is the
    sum of the route flows that use it."""
    rows, arcs = np.asarray(rows, dtype=np.int64), np.asarray(arcs, dtype=np.int64)
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), arcs.shape)
    if m.flow_form is Flow.ARC:
        return rows, m.cols.at("x", arcs), coefs
    ptr, routes = m.ix_route_ptr, m.ix_route_ids
    counts = ptr[arcs + 1] - ptr[arcs]
    starts = np.repeat(ptr[arcs], counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(rows, counts), m.cols.at("xr", routes[starts + offsets]), np.repeat(coefs, counts)


def _route_index(ix: ModelIndex):
    """Arc -> routes as CSR (pointer, route ids), for path form."""
    legs = pd.concat([
        pd.DataFrame({"arc": ix.routes["last"].to_numpy(), "route": np.arange(len(ix.routes))}),
        pd.DataFrame({"arc": ix.routes["first"].to_numpy(), "route": np.arange(len(ix.routes))}),
    ])
    legs = legs[legs["arc"] >= 0].sort_values(["arc", "route"], kind="stable")
    counts = np.bincount(legs["arc"].to_numpy(dtype=np.int64), minlength=len(ix.arcs))
    ptr = np.concatenate([[0], np.cumsum(counts)])
    return ptr, legs["route"].to_numpy(dtype=np.int64)


# ---- variables (MODEL.md section 1) ----------------------------------------------------------


def declare_variables(m, ix: ModelIndex, form: Formulation):
    """All columns, in one global order; fixes forced decisions (row 4) and cost-mode sales."""
    m.cols = cols = Columns(m)
    m.ix = ix
    m.flow_form = form.flow
    markets = ix.markets
    cols.declare("e", markets.index, pyo.Binary)
    cols.declare("r", ix.regimes.index, pyo.Binary)
    cols.declare("s", range(len(ix.channels)), pyo.Binary)
    cols.declare("z", range(len(ix.pairs)), pyo.Binary)
    cols.declare("q", range(len(ix.pairs)), pyo.NonNegativeReals)
    if form.demand is Demand.BY_CHANNEL and not ix.cost_mode:
        cols.declare("qb", range(len(ix.pairs)), pyo.NonNegativeReals)
        cols.declare("qc", range(len(ix.potentials)), pyo.NonNegativeReals)
    cols.declare("kappa", range(len(ix.certs)), pyo.Binary)
    cols.declare("y", ix.warehouses.index, pyo.Binary)
    mitigable = markets.index[markets["mitigation_cost"].notna()]
    cols.declare("v", mitigable, pyo.Binary)
    cols.declare("Rv", mitigable, pyo.NonNegativeReals)
    if form.flow is Flow.ARC:
        cols.declare("x", range(len(ix.arcs)), pyo.NonNegativeReals)
    else:
        cols.declare("xr", range(len(ix.routes)), pyo.NonNegativeReals)
        m.ix_route_ptr, m.ix_route_ids = _route_index(ix)
    if form.sourcing is Sourcing.SINGLE:
        cols.declare("a", ix.arcs.index[ix.arcs["kind"] != LINEHAUL], pyo.Binary)
    m.xb_columns = tuple(cols.vars)
    _fix_forced(m, ix)


def _fix_forced(m, ix: ModelIndex):
    for market in ix.markets.index[ix.markets["must_enter"]]:
        m.e[market].fix(1)
    for w in ix.warehouses.index[ix.warehouses["must_open"]]:
        m.y[w].fix(1)
    forced = ix.pairs.index if ix.cost_mode else ix.pairs.index[ix.pairs["must_offer"]]
    for i in forced:
        m.z[i].fix(1)
    if ix.cost_mode:
        for i, d in enumerate(ix.pairs["demand"].to_numpy()):
            m.q[i].fix(float(d))


def _market_pos(m, markets) -> np.ndarray:
    return m.cols.of("e", markets)


# ---- portfolio and market entry (rows 1-3) ---------------------------------------------------


def add_entry_links(m, ix: ModelIndex):
    """Row 1: z[p,m] <= e[m], s[m,c] <= e[m], v[m] <= e[m]."""
    c = m.cols
    n = len(ix.pairs)
    b = RowBuilder(n).add(np.arange(n), c.at("z", np.arange(n)), 1.0).add(np.arange(n), _market_pos(m, ix.pairs["market"]), -1.0)
    add_rows(m, "offer_needs_entry", b, -INF, 0.0)
    k = len(ix.channels)
    b = RowBuilder(k).add(np.arange(k), c.at("s", np.arange(k)), 1.0).add(np.arange(k), _market_pos(m, ix.channels["market"]), -1.0)
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
    """Row 5: q[p,m] - base[p,m] z[p,m] - sum_c pot[p,m,c] s[m,c] <= 0."""
    c, n, pot = m.cols, len(ix.pairs), ix.potentials
    rows = np.arange(n)
    b = (RowBuilder(n).add(rows, c.at("q", rows), 1.0).add(rows, c.at("z", rows), -ix.pairs["base_demand"].to_numpy())
         .add(pot["pair"], c.at("s", pot["k"]), -pot["pot"].to_numpy()))
    add_rows(m, "demand_from_channels", b, -INF, 0.0)


def add_channel_demand_split(m, ix: ModelIndex):
    """Section 6, demand = by_channel: q = qb + sum_c qc, qc <= pot s, qc <= pot z, qb <= base z."""
    c, n, pot = m.cols, len(ix.pairs), ix.potentials
    rows, j = np.arange(n), np.arange(len(pot))
    b = RowBuilder(n).add(rows, c.at("q", rows), 1.0).add(rows, c.at("qb", rows), -1.0).add(pot["pair"], c.at("qc", j), -1.0)
    add_rows(m, "demand_split", b, 0.0, 0.0)
    b = RowBuilder(n).add(rows, c.at("qb", rows), 1.0).add(rows, c.at("z", rows), -ix.pairs["base_demand"].to_numpy())
    add_rows(m, "organic_demand", b, -INF, 0.0)
    b = RowBuilder(len(pot)).add(j, c.at("qc", j), 1.0).add(j, c.at("s", pot["k"]), -pot["pot"].to_numpy())
    add_rows(m, "channel_demand", b, -INF, 0.0)
    b = RowBuilder(len(pot)).add(j, c.at("qc", j), 1.0).add(j, c.at("z", pot["pair"]), -pot["pot"].to_numpy())
    add_rows(m, "channel_demand_offered", b, -INF, 0.0)


def add_demand_bound(m, ix: ModelIndex):
    """Row 6: q[p,m] - U[p,m] z[p,m] <= 0."""
    n = len(ix.pairs)
    rows = np.arange(n)
    b = RowBuilder(n).add(rows, m.cols.at("q", rows), 1.0).add(rows, m.cols.at("z", rows), -ix.pairs["U"].to_numpy())
    add_rows(m, "demand_bound", b, -INF, 0.0)


def add_committed_volume(m, ix: ModelIndex):
    """Row 7: q[p,m] - min_units[p,m] z[p,m] >= 0 (pairs with min_units > 0)."""
    pairs = np.flatnonzero(ix.pairs["min_units"].to_numpy() > 0)
    rows = np.arange(len(pairs))
    b = (RowBuilder(len(pairs)).add(rows, m.cols.at("q", pairs), 1.0)
         .add(rows, m.cols.at("z", pairs), -ix.pairs["min_units"].to_numpy()[pairs]))
    keys = (ix.pairs["product"].to_numpy()[pairs] + "@" + ix.pairs["market"].to_numpy()[pairs]).tolist()
    add_rows(m, "committed_volume", b, 0.0, INF, keys)


# ---- fulfilment (rows 8-12) ----------------------------------------------------------------


def _fulfil(ix: ModelIndex) -> pd.DataFrame:
    arcs = ix.arcs
    return arcs[arcs["kind"] != LINEHAUL]


def add_market_balance(m, ix: ModelIndex):
    """Row 8: sum of direct and last-mile flows of p into m - q[p,m] = 0."""
    n = len(ix.pairs)
    f = _fulfil(ix)
    b = RowBuilder(n).add(*flow_terms(m, f["pair"], f.index, 1.0)).add(np.arange(n), m.cols.at("q", np.arange(n)), -1.0)
    add_rows(m, "market_balance", b, 0.0, 0.0)


def add_warehouse_balance(m, ix: ModelIndex):
    """Row 9: per product and warehouse, linehaul inflow - last-mile outflow = 0 (arc form)."""
    arcs = ix.arcs
    last = arcs[arcs["kind"] == LASTMILE]
    keys = pd.MultiIndex.from_frame(last[["product", "warehouse"]].drop_duplicates())
    line = arcs[arcs["kind"] == LINEHAUL]
    line_row = keys.get_indexer(pd.MultiIndex.from_frame(line[["product", "warehouse"]]))
    keep = line_row >= 0
    b = (RowBuilder(len(keys))
         .add(*flow_terms(m, line_row[keep], line.index[keep], 1.0))
         .add(*flow_terms(m, keys.get_indexer(pd.MultiIndex.from_frame(last[["product", "warehouse"]])), last.index, -1.0)))
    add_rows(m, "warehouse_balance", b, 0.0, 0.0)


def warehouse_volume_bound(ix: ModelIndex) -> pd.Series:
    """Valid upper bound on the inbound volume of w: sum over its last-mile arcs of volume * U."""
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    bound = last["volume_m3"].to_numpy() * ix.pairs["U"].to_numpy()[last["pair"].to_numpy()]
    return pd.Series(bound, index=last["warehouse"].to_numpy()).groupby(level=0).sum()


def add_warehouse_capacity(m, ix: ModelIndex):
    """Row 10: sum_p volume[p] sum_{linehaul into w} h - capacity_m3[w] y[w] <= 0.

    The row is also written for uncapacitated warehouses, with the capacity replaced by the valid
    bound of `warehouse_volume_bound` (MODEL.md section 6): it is the whole of the weak linking,
    and under strong linking it is what makes the per-arc rows deferrable (they are implied by it
    for integer plans, see `add_strong_linking`)."""
    capacity = ix.warehouses["capacity_m3"].copy()
    bound = warehouse_volume_bound(ix).reindex(capacity.index)
    capacity = capacity.fillna(bound).dropna()
    line = ix.arcs[(ix.arcs["kind"] == LINEHAUL) & ix.arcs["warehouse"].isin(capacity.index)]
    row_of = pd.Series(np.arange(len(capacity)), index=capacity.index)
    b = (RowBuilder(len(capacity))
         .add(*flow_terms(m, row_of[line["warehouse"]].to_numpy(), line.index, line["volume_m3"].to_numpy()))
         .add(np.arange(len(capacity)), m.cols.of("y", capacity.index), -capacity.to_numpy()))
    add_rows(m, "warehouse_capacity", b, -INF, 0.0, capacity.index)


def add_strong_linking(m, ix: ModelIndex):
    """Section 6, linking = strong: f[p,l] - U[p,m] y[w] <= 0 for each last-mile arc out of w.

    For integer plans these rows follow from row 10 (written for every warehouse): y[w] = 0 stops
    the linehaul into w and so, by row 9, every last-mile arc out of it; with y[w] = 1 the arc
    carries at most q <= U. They only tighten the LP, so a solver may hold them back and add the
    ones an LP point violates (`deferrable`, the HiGHS back end's root cut loop)."""
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    rows = np.arange(len(last))
    U = ix.pairs["U"].to_numpy()[last["pair"].to_numpy()]
    b = RowBuilder(len(last)).add(*flow_terms(m, rows, last.index, 1.0)).add(rows, m.cols.of("y", last["warehouse"]), -U)
    add_rows(m, "lastmile_needs_open", b, -INF, 0.0)
    m.xb_deferrable = ("lastmile_needs_open",)


def add_lane_capacity(m, ix: ModelIndex):
    """Row 11: sum_p chargeable_kg[p,l] flow[p,l] <= capacity_kg[l]."""
    cap = ix.lanes["capacity_kg"].dropna()
    arcs = ix.arcs[ix.arcs["lane"].isin(cap.index)]
    lanes = pd.Index(arcs["lane"].unique())
    b = RowBuilder(len(lanes)).add(*flow_terms(m, lanes.get_indexer(arcs["lane"]), arcs.index, arcs["chargeable_kg"].to_numpy()))
    add_rows(m, "lane_capacity", b, -INF, cap.reindex(lanes).to_numpy(), lanes)


def add_average_service(m, ix: ModelIndex):
    """Row 12: sum_p sum_{l into m} leadtime[l] flow[p,l] - target[m] sum_p q[p,m] <= 0."""
    target = ix.markets["target_avg_lead_time_days"].dropna()
    f = _fulfil(ix)
    target = target[target.index.isin(f["market"])]
    row_of = pd.Series(np.arange(len(target)), index=target.index)
    f = f[f["market"].isin(target.index)]
    pairs = ix.pairs[ix.pairs["market"].isin(target.index)]
    b = (RowBuilder(len(target))
         .add(*flow_terms(m, row_of[f["market"]].to_numpy(), f.index, f["lead_time"].to_numpy()))
         .add(row_of[pairs["market"]].to_numpy(), m.cols.at("q", pairs.index), -target[pairs["market"]].to_numpy()))
    add_rows(m, "average_service", b, -INF, 0.0, target.index)


def add_service_level(m, ix: ModelIndex):
    """Row 12b (markets with service_days T and service_share X):
    sum_p sum_{l into m, leadtime[l] <= T} flow[p,l] - X sum_p q[p,m] >= 0."""
    levels = ix.markets[["service_days", "service_share"]].dropna()
    f = _fulfil(ix)
    levels = levels[levels.index.isin(ix.pairs["market"])]
    row_of = pd.Series(np.arange(len(levels)), index=levels.index)
    f = f[f["market"].isin(levels.index)]
    fast = f[f["lead_time"].to_numpy() <= levels["service_days"].reindex(f["market"]).to_numpy() + 1e-9]
    pairs = ix.pairs[ix.pairs["market"].isin(levels.index)]
    b = (RowBuilder(len(levels))
         .add(*flow_terms(m, row_of[fast["market"]].to_numpy(), fast.index, 1.0))
         .add(row_of[pairs["market"]].to_numpy(), m.cols.at("q", pairs.index), -levels["service_share"].reindex(pairs["market"]).to_numpy()))
    add_rows(m, "service_level", b, 0.0, INF, levels.index)


def add_single_sourcing(m, ix: ModelIndex):
    """Section 6, sourcing = single: sum_l a[p,m,l] - z[p,m] = 0 and flow[p,l] - U[p,m] a[p,m,l] <= 0."""
    f = _fulfil(ix)
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


def _flow_cost_terms(m, ix: ModelIndex):
    _, cols, vals = flow_terms(m, np.zeros(len(ix.arcs), dtype=np.int64), ix.arcs.index, ix.arcs["unit_cost"].to_numpy())
    return cols, vals


def add_budgets(m, ix: ModelIndex):
    """Rows 13-15: marketing, compliance and logistics budgets (each only if given)."""
    s, c = ix.settings, m.cols
    if s["marketing_budget"] is not None:
        _one_row(m, "marketing_budget", [(c.at("s", np.arange(len(ix.channels))), ix.channels["activation_cost"].to_numpy())],
                 -INF, s["marketing_budget"])
    if s["compliance_budget"] is not None:
        terms = [(c.of("e", ix.markets.index), ix.markets["entry_cost"].to_numpy()),
                 (c.of("r", ix.regimes.index), ix.regimes["compliance_cost"].to_numpy()),
                 (c.at("kappa", np.arange(len(ix.certs))), ix.certs["cost"].to_numpy())]
        _one_row(m, "compliance_budget", terms, -INF, s["compliance_budget"])
    if s["logistics_budget"] is not None:
        _one_row(m, "logistics_budget", [_flow_cost_terms(m, ix)], -INF, s["logistics_budget"])


def add_count_limits(m, ix: ModelIndex):
    """Row 16: sum_w y[w] <= max_warehouses, sum_m e[m] <= max_markets (each only if given)."""
    s, c = ix.settings, m.cols
    if s["max_warehouses"] is not None:
        _one_row(m, "max_warehouses", [(c.of("y", ix.warehouses.index), 1.0)], -INF, s["max_warehouses"])
    if s["max_markets"] is not None:
        _one_row(m, "max_markets", [(c.of("e", ix.markets.index), 1.0)], -INF, s["max_markets"])


# ---- payment risk and currency (rows 17-21) --------------------------------------------------


def revenue_cap(ix: ModelIndex) -> pd.Series:
    """RevMax[m] = sum_p price[p,m] U[p,m] (row 18)."""
    rev = ix.pairs["price"] * ix.pairs["U"]
    return rev.groupby(ix.pairs["market"]).sum()


def add_mitigation(m, ix: ModelIndex):
    """Row 18 with row 17 substituted: Rv[m] - sum_p price q <= 0 and Rv[m] - RevMax[m] v[m] <= 0."""
    c = m.cols
    mit = c.keys["v"]
    row_of = pd.Series(np.arange(len(mit)), index=mit)
    pairs = ix.pairs[ix.pairs["market"].isin(mit)]
    b = (RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("Rv", mit), 1.0)
         .add(row_of[pairs["market"]].to_numpy(), c.at("q", pairs.index), -pairs["price"].to_numpy()))
    add_rows(m, "mitigation_within_revenue", b, -INF, 0.0)
    rev_max = revenue_cap(ix).reindex(mit).fillna(0.0).to_numpy()
    b = RowBuilder(len(mit)).add(np.arange(len(mit)), c.of("Rv", mit), 1.0).add(np.arange(len(mit)), c.of("v", mit), -rev_max)
    add_rows(m, "mitigation_needs_purchase", b, -INF, 0.0)


def add_payment_risk_cap(m, ix: ModelIndex):
    """Row 20 with rows 17 and 19 substituted:
    sum_m loss[m] Rev[m] - (loss[m] - mitigated[m]) Rv[m] - cap * sum_m Rev[m] <= 0."""
    cap = ix.settings["max_payment_loss_rate"]
    if cap is None:
        return
    c, markets = m.cols, ix.markets
    loss = markets["payment_loss_rate"].reindex(ix.pairs["market"]).to_numpy()
    mit = c.keys["v"]
    relief = (markets["payment_loss_rate"] - markets["mitigated_loss_rate"]).reindex(mit).to_numpy()
    terms = [(c.at("q", np.arange(len(ix.pairs))), ix.pairs["price"].to_numpy() * (loss - cap)), (c.of("Rv", mit), -relief)]
    _one_row(m, "payment_risk_cap", terms, -INF, 0.0)


def add_concentration(m, ix: ModelIndex):
    """Row 21: Rev[m] - max_revenue_share[m] sum_m' Rev[m'] <= 0 (markets with a share cap)."""
    share = ix.markets["max_revenue_share"].dropna()
    b = RowBuilder(len(share))
    pairs, price = ix.pairs, ix.pairs["price"].to_numpy()
    q_cols = m.cols.at("q", np.arange(len(pairs)))
    for row, (market, cap) in enumerate(share.items()):
        own = (pairs["market"] == market).to_numpy()
        b.add(np.full(len(pairs), row), q_cols, price * (own - cap))
    add_rows(m, "revenue_concentration", b, -INF, 0.0, share.index)


# ---- objective (section 5) -----------------------------------------------------------------


def objective_vector(m, ix: ModelIndex) -> np.ndarray:
    """Profit per unit of each column (section 5); the cost objective is revenue - profit."""
    c, pairs, markets = m.cols, ix.pairs, ix.markets
    vec = np.zeros(len(c))
    price = pairs["price"].to_numpy()
    lost = (markets["payment_loss_rate"] + markets["fx_cost_rate"]).reindex(pairs["market"]).to_numpy()
    revenue_weight = 0.0 if ix.cost_mode else 1.0
    vec[c.at("q", np.arange(len(pairs)))] = price * (revenue_weight - lost) - pairs["unit_cost"].to_numpy()
    mit = c.keys["v"]
    relief = (markets["payment_loss_rate"] - markets["mitigated_loss_rate"]).reindex(mit).to_numpy()
    np.add.at(vec, c.of("Rv", mit), relief)
    np.add.at(vec, c.of("v", mit), -markets["mitigation_cost"].reindex(mit).to_numpy())
    _, cols, vals = flow_terms(m, np.zeros(len(ix.arcs), dtype=np.int64), ix.arcs.index, ix.arcs["unit_cost"].to_numpy())
    np.add.at(vec, cols, -vals)
    np.add.at(vec, c.of("y", ix.warehouses.index), -ix.warehouses["fixed_cost"].to_numpy())
    np.add.at(vec, c.at("s", np.arange(len(ix.channels))), -ix.channels["activation_cost"].to_numpy())
    np.add.at(vec, c.at("z", np.arange(len(pairs))), -pairs["listing_cost"].to_numpy())
    np.add.at(vec, c.of("e", markets.index), -markets["entry_cost"].to_numpy())
    np.add.at(vec, c.of("r", ix.regimes.index), -ix.regimes["compliance_cost"].to_numpy())
    np.add.at(vec, c.at("kappa", np.arange(len(ix.certs))), -ix.certs["cost"].to_numpy())
    return vec


def add_objective(m, ix: ModelIndex):
    """Section 5: maximise profit, or minimise cost (= revenue - profit) in cost mode."""
    attach_objective(m, ix, objective_vector(m, ix))


def attach_objective(m, ix: ModelIndex, vec: np.ndarray):
    """The objective from a profit-per-column vector: maximised, or negated and minimised in
    cost mode; the vector is kept for the HiGHS hand-off."""
    if ix.cost_mode:
        vec = -vec
    m.objective_vector = vec
    nz = np.flatnonzero(vec)
    expr = LinearExpression(constant=0.0, linear_coefs=vec[nz].tolist(), linear_vars=[m.xb_columns[j] for j in nz])
    m.objective = pyo.Objective(expr=expr, sense=pyo.minimize if ix.cost_mode else pyo.maximize)
