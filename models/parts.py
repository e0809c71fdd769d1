"""Formulation parts: each `declare_*` adds variables, each `add_*` one constraint family.

Row numbers refer to MODEL.md section 4. Every function receives the Pyomo model `m` and the
sparse `ModelIndex` `ix`; none reads files, solves or prints.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from ..data.network import LASTMILE, LINEHAUL
from .formulation import Demand, Flow, Formulation, Linking, Sourcing
from .index import ModelIndex


def linear(coefs, variables):
    """sum_i coefs[i] * variables[i] as one flat Pyomo LinearExpression (fast to build and compile)."""
    coefs, variables = list(coefs), list(variables)
    if not variables:
        return 0.0
    return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables)


def flow_sum(m, arcs, coefs=None):
    """sum_a coef[a] * flow[a] over arc positions; flows are arc variables or route sums (path form)."""
    if coefs is None:
        coefs = np.ones(len(arcs))
    if m.flow_form is Flow.ARC:
        return linear(coefs, (m.x[a] for a in arcs))
    routes_of_arc = m.ix.routes_of_arc
    route_coefs, route_vars = [], []
    for a, c in zip(arcs, coefs):
        for r in routes_of_arc.get(a, ()):
            route_coefs.append(c)
            route_vars.append(m.xr[r])
    return linear(route_coefs, route_vars)


# ---- variables (MODEL.md section 1) ----------------------------------------------------------


def declare_decisions(m, ix: ModelIndex):
    """Binary e[m], r[g], s[m,c], z[p,m], kappa[p,k], y[w], v[m]; fixes forced decisions (row 4)."""
    markets = ix.markets
    m.e = pyo.Var(list(markets.index), domain=pyo.Binary)
    m.r = pyo.Var(list(ix.regimes.index), domain=pyo.Binary)
    m.s = pyo.Var(range(len(ix.channels)), domain=pyo.Binary)
    m.z = pyo.Var(range(len(ix.pairs)), domain=pyo.Binary)
    m.kappa = pyo.Var(range(len(ix.certs)), domain=pyo.Binary)
    m.y = pyo.Var(list(ix.warehouses.index), domain=pyo.Binary)
    mitigable = list(markets.index[markets["mitigation_cost"].notna()])
    m.v = pyo.Var(mitigable, domain=pyo.Binary)
    m.Rv = pyo.Var(mitigable, domain=pyo.NonNegativeReals)
    for market in markets.index[markets["must_enter"]]:
        m.e[market].fix(1)
    for w in ix.warehouses.index[ix.warehouses["must_open"]]:
        m.y[w].fix(1)
    forced = ix.pairs.index[ix.pairs["must_offer"]] if not ix.cost_mode else ix.pairs.index
    for i in forced:
        m.z[i].fix(1)


def declare_sales(m, ix: ModelIndex, form: Formulation):
    """q[p,m] >= 0; in cost mode fixed to demand (rows 5-7 replaced, section 4)."""
    m.q = pyo.Var(range(len(ix.pairs)), domain=pyo.NonNegativeReals)
    if ix.cost_mode:
        for i, d in enumerate(ix.pairs["demand"].to_numpy()):
            m.q[i].fix(float(d))
    elif form.demand is Demand.BY_CHANNEL:
        m.qc = pyo.Var(range(len(ix.potentials)), domain=pyo.NonNegativeReals)
        m.qb = pyo.Var(range(len(ix.pairs)), domain=pyo.NonNegativeReals)


def declare_flows(m, ix: ModelIndex, form: Formulation):
    """Arc flows d/h/f as one vector x over arcs (arc form), or route flows xr (path form)."""
    m.flow_form = form.flow
    m.ix = ix
    if form.flow is Flow.ARC:
        m.x = pyo.Var(range(len(ix.arcs)), domain=pyo.NonNegativeReals)
    else:
        m.xr = pyo.Var(range(len(ix.routes)), domain=pyo.NonNegativeReals)
    if form.sourcing is Sourcing.SINGLE:
        fulfil = ix.arcs.index[ix.arcs["kind"] != LINEHAUL]
        m.a = pyo.Var(list(fulfil), domain=pyo.Binary)


# ---- portfolio and market entry (rows 1-3) ---------------------------------------------------


def add_entry_links(m, ix: ModelIndex):
    """Row 1: z[p,m] <= e[m], s[m,c] <= e[m], v[m] <= e[m]."""
    pair_market = ix.pairs["market"].to_numpy()
    m.offer_needs_entry = pyo.Constraint(range(len(ix.pairs)), rule=lambda m, i: m.z[i] <= m.e[pair_market[i]])
    ch_market = ix.channels["market"].to_numpy()
    m.channel_needs_entry = pyo.Constraint(range(len(ix.channels)), rule=lambda m, k: m.s[k] <= m.e[ch_market[k]])
    m.mitigation_needs_entry = pyo.Constraint(list(m.v.index_set()), rule=lambda m, mk: m.v[mk] <= m.e[mk])


def add_regime_links(m, ix: ModelIndex):
    """Row 2: e[m] <= r[g] for the data-protection regime g of m."""
    regime = ix.markets["regime"].dropna()
    m.entry_needs_regime = pyo.Constraint(list(regime.index), rule=lambda m, mk: m.e[mk] <= m.r[regime[mk]])


def add_certification_links(m, ix: ModelIndex):
    """Row 3: z[p,m] <= kappa[p,k] for each certification k that m requires for p's category."""
    links = list(zip(ix.cert_links["pair"].tolist(), ix.cert_links["cert"].tolist()))
    m.offer_needs_certification = pyo.Constraint(links, rule=lambda m, i, k: m.z[i] <= m.kappa[k])


# ---- demand (rows 5-7) -------------------------------------------------------------------------


def add_channel_demand(m, ix: ModelIndex):
    """Row 5: q[p,m] <= base[p,m] z[p,m] + sum_c pot[p,m,c] s[m,c]."""
    base = ix.pairs["base_demand"].to_numpy()
    pot, k = ix.potentials["pot"].to_numpy(), ix.potentials["k"].to_numpy()
    groups = ix.potentials_of_pair

    def rule(m, i):
        rows = groups.get(i, [])
        return m.q[i] <= base[i] * m.z[i] + linear(pot[rows], (m.s[k[j]] for j in rows))

    m.demand_from_channels = pyo.Constraint(range(len(ix.pairs)), rule=rule)


def add_channel_demand_split(m, ix: ModelIndex):
    """Section 6, demand = by_channel: q = qb + sum_c qc, qc <= pot s, qc <= pot z, qb <= base z."""
    base = ix.pairs["base_demand"].to_numpy()
    pot, k, pair = (ix.potentials[c].to_numpy() for c in ("pot", "k", "pair"))
    groups = ix.potentials_of_pair
    n = range(len(ix.pairs))
    m.demand_split = pyo.Constraint(
        n, rule=lambda m, i: m.q[i] == m.qb[i] + linear(np.ones(len(groups.get(i, []))), (m.qc[j] for j in groups.get(i, [])))
    )
    m.organic_demand = pyo.Constraint(n, rule=lambda m, i: m.qb[i] <= base[i] * m.z[i])
    rows = range(len(ix.potentials))
    m.channel_demand = pyo.Constraint(rows, rule=lambda m, j: m.qc[j] <= pot[j] * m.s[k[j]])
    m.channel_demand_offered = pyo.Constraint(rows, rule=lambda m, j: m.qc[j] <= pot[j] * m.z[pair[j]])


def add_demand_bound(m, ix: ModelIndex):
    """Row 6: q[p,m] <= U[p,m] z[p,m]."""
    U = ix.pairs["U"].to_numpy()
    m.demand_bound = pyo.Constraint(range(len(ix.pairs)), rule=lambda m, i: m.q[i] <= U[i] * m.z[i])


def add_committed_volume(m, ix: ModelIndex):
    """Row 7: q[p,m] >= min_units[p,m] z[p,m] (only pairs with min_units > 0)."""
    min_units = ix.pairs["min_units"].to_numpy()
    rows = [i for i in range(len(ix.pairs)) if min_units[i] > 0]
    m.committed_volume = pyo.Constraint(rows, rule=lambda m, i: m.q[i] >= min_units[i] * m.z[i])


# ---- fulfilment (rows 8-12) ----------------------------------------------------------------


def add_market_balance(m, ix: ModelIndex):
    """Row 8: sum of direct and last-mile flows of p into m = q[p,m]."""
    groups = ix.fulfil_of_pair
    m.market_balance = pyo.Constraint(range(len(ix.pairs)), rule=lambda m, i: flow_sum(m, groups.get(i, [])) == m.q[i])


def add_warehouse_balance(m, ix: ModelIndex):
    """Row 9: per product and warehouse, linehaul inflow = last-mile outflow (arc form only)."""
    line, last = ix.linehaul_of_stock, ix.lastmile_of_stock
    keys = list(last)
    m.warehouse_balance = pyo.Constraint(
        keys, rule=lambda m, p, w: flow_sum(m, line.get((p, w), [])) == flow_sum(m, last[(p, w)])
    )


def warehouse_volume_bound(ix: ModelIndex) -> dict:
    """Valid upper bound on the inbound volume of w: sum over its last-mile arcs of volume * U."""
    U = ix.pairs["U"].to_numpy()
    vol, pair = ix.arcs["volume_m3"].to_numpy(), ix.arcs["pair"].to_numpy()
    return {w: float(np.sum(vol[arcs] * U[pair[arcs]])) for w, arcs in ix.lastmile_of_warehouse.items()}


def add_warehouse_capacity(m, ix: ModelIndex, form: Formulation):
    """Row 10: sum_p volume[p] sum_{linehaul into w} h <= capacity_m3[w] y[w].

    Weak linking also writes the row for uncapacitated warehouses, with the capacity replaced by
    the valid bound of `warehouse_volume_bound` (MODEL.md section 6).
    """
    capacity = ix.warehouses["capacity_m3"]
    vol = ix.arcs["volume_m3"].to_numpy()
    bound = warehouse_volume_bound(ix) if form.linking is Linking.WEAK else {}
    rhs = {}
    for w in ix.warehouses.index:
        if not math.isnan(capacity[w]):
            rhs[w] = float(capacity[w])
        elif w in bound:
            rhs[w] = bound[w]
    groups = ix.linehaul_of_warehouse

    def rule(m, w):
        arcs = groups.get(w, [])
        return flow_sum(m, arcs, vol[arcs]) <= rhs[w] * m.y[w]

    m.warehouse_capacity = pyo.Constraint(list(rhs), rule=rule)


def add_strong_linking(m, ix: ModelIndex):
    """Section 6, linking = strong: f[p,l] <= U[p,m] y[w] for each last-mile arc out of w."""
    U = ix.pairs["U"].to_numpy()
    last = ix.arcs[ix.arcs["kind"] == LASTMILE]
    pair, wh = last["pair"].to_dict(), last["warehouse"].to_dict()
    m.lastmile_needs_open = pyo.Constraint(list(last.index), rule=lambda m, a: flow_sum(m, [a]) <= U[pair[a]] * m.y[wh[a]])


def add_lane_capacity(m, ix: ModelIndex):
    """Row 11: sum_p chargeable_kg[p,l] flow[p,l] <= capacity_kg[l]."""
    kg = ix.arcs["chargeable_kg"].to_numpy()
    cap = ix.lanes["capacity_kg"]
    groups = ix.arcs_of_capacitated_lane
    m.lane_capacity = pyo.Constraint(list(groups), rule=lambda m, l: flow_sum(m, groups[l], kg[groups[l]]) <= float(cap[l]))


def add_average_service(m, ix: ModelIndex):
    """Row 12: sum_p sum_{l into m} leadtime[l] flow[p,l] <= target[m] sum_p q[p,m]."""
    target = ix.markets["target_avg_lead_time_days"].dropna()
    lead = ix.arcs["lead_time"].to_numpy()
    arcs, pairs = ix.fulfil_of_market, ix.pairs_of_market
    markets = [mk for mk in target.index if mk in arcs]

    def rule(m, mk):
        a = arcs[mk]
        return flow_sum(m, a, lead[a]) <= float(target[mk]) * linear(np.ones(len(pairs[mk])), (m.q[i] for i in pairs[mk]))

    m.average_service = pyo.Constraint(markets, rule=rule)


def add_single_sourcing(m, ix: ModelIndex):
    """Section 6, sourcing = single: sum_l a[p,m,l] = z[p,m] and flow[p,l] <= U[p,m] a[p,m,l]."""
    U = ix.pairs["U"].to_numpy()
    groups = ix.fulfil_of_pair
    pair = ix.arcs["pair"].to_numpy()
    m.one_lane_per_offer = pyo.Constraint(
        range(len(ix.pairs)), rule=lambda m, i: linear(np.ones(len(groups.get(i, []))), (m.a[a] for a in groups.get(i, []))) == m.z[i]
    )
    m.flow_needs_lane_choice = pyo.Constraint(list(m.a.index_set()), rule=lambda m, a: flow_sum(m, [a]) <= U[pair[a]] * m.a[a])


# ---- money and counts (rows 13-16) --------------------------------------------------------


def marketing_cost(m, ix: ModelIndex):
    return linear(ix.channels["activation_cost"].to_numpy(), (m.s[k] for k in range(len(ix.channels))))


def compliance_cost(m, ix: ModelIndex):
    markets, regimes, certs = ix.markets, ix.regimes, ix.certs
    return (
        linear(markets["entry_cost"].to_numpy(), (m.e[mk] for mk in markets.index))
        + linear(regimes["compliance_cost"].to_numpy(), (m.r[g] for g in regimes.index))
        + linear(certs["cost"].to_numpy(), (m.kappa[k] for k in range(len(certs))))
    )


def logistics_cost(m, ix: ModelIndex):
    """Lane, holding, handling and duty cost of all flows (section 5 flow terms)."""
    return flow_sum(m, range(len(ix.arcs)), ix.arcs["unit_cost"].to_numpy())


def add_budgets(m, ix: ModelIndex):
    """Rows 13-15: marketing, compliance and logistics budgets (each only if given)."""
    s = ix.settings
    if s["marketing_budget"] is not None:
        m.marketing_budget = pyo.Constraint(expr=marketing_cost(m, ix) <= s["marketing_budget"])
    if s["compliance_budget"] is not None:
        m.compliance_budget = pyo.Constraint(expr=compliance_cost(m, ix) <= s["compliance_budget"])
    if s["logistics_budget"] is not None:
        m.logistics_budget = pyo.Constraint(expr=logistics_cost(m, ix) <= s["logistics_budget"])


def add_count_limits(m, ix: ModelIndex):
    """Row 16: sum_w y[w] <= max_warehouses, sum_m e[m] <= max_markets (each only if given)."""
    s = ix.settings
    if s["max_warehouses"] is not None:
        m.max_warehouses = pyo.Constraint(expr=sum(m.y[w] for w in m.y) <= s["max_warehouses"])
    if s["max_markets"] is not None:
        m.max_markets = pyo.Constraint(expr=sum(m.e[mk] for mk in m.e) <= s["max_markets"])


# ---- payment risk and currency (rows 17-21) --------------------------------------------------


def declare_revenue(m, ix: ModelIndex):
    """Row 17: Rev[m] = sum_p price[p,m] q[p,m], and row 19's Loss[m], as expressions."""
    price = ix.pairs["price"].to_numpy()
    groups = ix.pairs_of_market
    markets = ix.markets
    m.Rev = pyo.Expression(list(markets.index), rule=lambda m, mk: linear(price[groups.get(mk, [])], (m.q[i] for i in groups.get(mk, []))))
    loss = markets["payment_loss_rate"]
    relief = markets["payment_loss_rate"] - markets["mitigated_loss_rate"]

    def loss_rule(m, mk):
        expr = float(loss[mk]) * m.Rev[mk]
        if mk in m.Rv:
            expr = expr - float(relief[mk]) * m.Rv[mk]
        return expr

    m.Loss = pyo.Expression(list(markets.index), rule=loss_rule)


def revenue_cap(ix: ModelIndex) -> dict:
    """RevMax[m] = sum_p price[p,m] U[p,m] (row 18)."""
    rev = ix.pairs["price"] * ix.pairs["U"]
    return rev.groupby(ix.pairs["market"]).sum().to_dict()


def add_mitigation(m, ix: ModelIndex):
    """Row 18: Rv[m] <= Rev[m], Rv[m] <= RevMax[m] v[m]."""
    rev_max = revenue_cap(ix)
    markets = list(m.v.index_set())
    m.mitigation_within_revenue = pyo.Constraint(markets, rule=lambda m, mk: m.Rv[mk] <= m.Rev[mk])
    m.mitigation_needs_purchase = pyo.Constraint(markets, rule=lambda m, mk: m.Rv[mk] <= rev_max.get(mk, 0.0) * m.v[mk])


def add_payment_risk_cap(m, ix: ModelIndex):
    """Row 20: sum_m Loss[m] <= max_payment_loss_rate sum_m Rev[m] (only if given)."""
    cap = ix.settings["max_payment_loss_rate"]
    if cap is not None:
        m.payment_risk_cap = pyo.Constraint(expr=sum(m.Loss[mk] for mk in m.Loss) <= cap * sum(m.Rev[mk] for mk in m.Rev))


def add_concentration(m, ix: ModelIndex):
    """Row 21: Rev[m] <= max_revenue_share[m] sum_m' Rev[m'] (markets with a share cap)."""
    share = ix.markets["max_revenue_share"].dropna()
    total = sum(m.Rev[mk] for mk in m.Rev)
    m.revenue_concentration = pyo.Constraint(list(share.index), rule=lambda m, mk: m.Rev[mk] <= float(share[mk]) * total)


# ---- objective (section 5) -----------------------------------------------------------------


def cost_terms(m, ix: ModelIndex):
    """Every section-5 term except revenue, as one expression: the `cost` objective."""
    pairs, markets = ix.pairs, ix.markets
    goods = linear(pairs["unit_cost"].to_numpy(), (m.q[i] for i in range(len(pairs))))
    fixed = linear(ix.warehouses["fixed_cost"].to_numpy(), (m.y[w] for w in ix.warehouses.index))
    listing = linear(pairs["listing_cost"].to_numpy(), (m.z[i] for i in range(len(pairs))))
    mitigable = markets.loc[list(m.v.index_set())]
    mitigation = linear(mitigable["mitigation_cost"].to_numpy(), (m.v[mk] for mk in mitigable.index))
    fx = sum(float(markets.at[mk, "fx_cost_rate"]) * m.Rev[mk] for mk in markets.index if markets.at[mk, "fx_cost_rate"] > 0)
    loss = sum(m.Loss[mk] for mk in markets.index if markets.at[mk, "payment_loss_rate"] > 0)
    return goods + logistics_cost(m, ix) + fixed + marketing_cost(m, ix) + listing + compliance_cost(m, ix) + mitigation + loss + fx


def add_objective(m, ix: ModelIndex):
    """Section 5: maximise profit = revenue - costs, or minimise costs in cost mode."""
    if ix.cost_mode:
        m.objective = pyo.Objective(expr=cost_terms(m, ix), sense=pyo.minimize)
    else:
        revenue = sum(m.Rev[mk] for mk in m.Rev)
        m.objective = pyo.Objective(expr=revenue - cost_terms(m, ix), sense=pyo.maximize)
