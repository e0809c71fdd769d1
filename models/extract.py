"""Read a solved model back into a plan: plain data, no Pyomo objects, one shape for one or many
periods (docs/model.md, "The solution file"): with a `periods` table the per-period records
(channels, portfolio, flows) carry their `period` and the plan has the end-of-period `stock`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from . import containers, privacy
from . import creators as creators_model
from .columns import structure_of
from .formulation import Flow
from .parts import over_periods

ZERO = 1e-9  # values this close to zero are solver noise and are reported as 0


def column_values(m) -> np.ndarray:
    """Every column's value (unset: 0), in column order, with solver noise below ZERO set to 0
    (every column is >= 0)."""
    columns = structure_of(m).columns
    values = np.fromiter((v.value or 0.0 for v in columns), dtype=float, count=len(columns))
    values[np.abs(values) < ZERO] = 0.0
    return values


def _per_period(m, values: np.ndarray, name: str, size: int, periods: int) -> np.ndarray:
    """(periods, size) values of a per-period variable."""
    i, t = over_periods(periods, size)
    return values[m.cols.at(name, i, t)].reshape(periods, size)


def arc_flows(m, values: np.ndarray) -> np.ndarray:
    """(periods, arcs) flow on every arc; in path form (one period) the sum of the route flows
    that use the arc."""
    ix, T = m.ix, m.axis.count
    if m.flow_form is Flow.ARC:
        return _per_period(m, values, "x", len(ix.arcs), T)
    route = values[m.cols.span("xr")]
    flows = np.zeros(len(ix.arcs))
    np.add.at(flows, ix.routes["last"].to_numpy(dtype=int), route)
    first = ix.routes["first"].to_numpy(dtype=int)
    np.add.at(flows, first[first >= 0], route[first >= 0])
    return flows[None, :]


def _chosen(m, values: np.ndarray, name: str) -> list:
    return [k for k, v in zip(m.cols.keys[name], values[m.cols.span(name)]) if v > 0.5]


def extract_plan(m: pyo.ConcreteModel) -> dict:
    """Decisions and flows of a solved model, in the solution-file layout."""
    ix, axis = m.ix, m.axis
    T, names = axis.count, axis.names
    values = column_values(m)
    pairs, channels, certs, arcs, lanes = ix.pairs, ix.channels, ix.certs, ix.arcs, ix.lanes
    n, K = len(pairs), len(channels)
    z = values[m.cols.at("z", np.arange(n))] > 0.5
    q = _per_period(m, values, "q", n, T)
    s = _per_period(m, values, "s", K, T) > 0.5
    flows = arc_flows(m, values)
    boxed = _in_containers(m, values)
    when = (lambda t: {"period": names[t]}) if axis.named else (lambda t: {})  # noqa: E731
    sourced = (lambda a: {"origin": arcs.at[a, "origin"]}) if ix.many_origins else (lambda a: {})  # noqa: E731
    covered = dict(zip(m.cols.keys["Rv"], values[m.cols.span("Rv")]))
    plan = {
        "markets": _chosen(m, values, "e"),
        "regimes": _chosen(m, values, "r"),
        "channels": [{"market": channels.at[k, "market"], "channel": channels.at[k, "channel"], **when(t)}
                     for t, k in zip(*np.nonzero(s))],
        "portfolio": [{"product": pairs.at[i, "product"], "market": pairs.at[i, "market"], "units": float(q[t, i]),
                       "price": float(pairs.at[i, "price"]), **when(t)}
                      for t in range(T) for i in np.flatnonzero(z)],
        "certifications": [{"product": certs.at[k, "product"], "certification": certs.at[k, "certification"]}
                           for k in _chosen(m, values, "kappa")],
        "warehouses": _chosen(m, values, "y"),
        "mitigations": [{"market": mk, "covered_revenue": float(max(covered[mk], 0.0))} for mk in _chosen(m, values, "v")],
        "payment_methods": _payment_methods(m, values),
        "restocked": _restocked(m, values, when),
        "data_transfers": _chosen(m, values, "dt"),
        "data_hosting": _chosen(m, values, "dh"),
        "data_obligations": _data_obligations(m, values),
        "flows": [{"product": arcs.at[a, "product"], "lane": arcs.at[a, "lane"], "kind": arcs.at[a, "kind"],
                   "from": lanes.at[arcs.at[a, "lane"], "from"], "to": lanes.at[arcs.at[a, "lane"], "to"],
                   "units": float(flows[t, a]), **boxed(t, a), **sourced(a), **when(t)}
                  for t, a in zip(*np.nonzero(flows > 0))],
        "containers": _containers(m, values, when),
        "creators": _creators(m, values, when),
        "creator_reach": _creator_reach(m, values, when),
    }
    if axis.named:
        plan["stock"] = _stock(m, values)
    if ix.many_origins:
        plan["origins"] = _open_origins(m, values)
    return plan


def _open_origins(m, values: np.ndarray) -> list[str]:
    """The origins the plan may source from: those without a fixed cost and those opened (src = 1)."""
    origins = m.ix.origins
    opened = set(_chosen(m, values, "src"))
    return [g for g, fixed in zip(origins.index, origins["fixed_cost"]) if fixed <= 0 or g in opened]


def _payment_methods(m, values: np.ndarray) -> list[dict]:
    """The payment methods offered, with the revenue and (where refusals cost) the orders paid with them."""
    methods = m.ix.methods
    paid = dict(zip(m.cols.keys["Rpay"], values[m.cols.span("Rpay")]))
    orders = dict(zip(m.cols.keys["Opay"], values[m.cols.span("Opay")]))
    out = []
    for j in _chosen(m, values, "o"):
        record = {"market": methods.at[j, "market"], "method": methods.at[j, "method"], "revenue": float(paid.get(j, 0.0))}
        if j in orders:
            record["orders"] = float(orders[j])
        out.append(record)
    return out


def _data_obligations(m, values: np.ndarray) -> list[dict]:
    """The data-protection obligations the plan meets (docs/model.md, row D2), with the regime's
    buyers over the horizon that set them off."""
    ix = m.ix
    met = [int(b) for b in _chosen(m, values, "dw")]
    if not met:
        return []
    links = privacy.regime_orders(ix)
    q = _per_period(m, values, "q", len(ix.pairs), m.axis.count).sum(axis=0)
    orders = pd.Series(q[links["pair"].to_numpy(dtype=np.int64)] * links["per_unit"].to_numpy()).groupby(
        links["regime"].to_numpy()).sum()
    duties = ix.obligations
    return [{"regime": duties.at[b, "regime"], "obligation": duties.at[b, "obligation"],
             "buyers": float(orders.get(duties.at[b, "regime"], 0.0) / duties.at[b, "orders_per_buyer"])} for b in met]


def _in_containers(m, values: np.ndarray):
    """(t, arc) -> {"in_containers": units} for the arcs of container lanes (docs/model.md,
    "Containers"); {} for every other arc."""
    arcs = containers.container_arcs(m.ix)
    xf = _per_period(m, values, "xf", len(arcs), m.axis.count)
    position = {int(a): k for k, a in enumerate(arcs)}
    return lambda t, a: {"in_containers": float(xf[t, position[a]])} if a in position else {}


def _containers(m, values: np.ndarray, when) -> list[dict]:
    """Full containers per lane (and period), with the m3 and kg they carry."""
    ix, T = m.ix, m.axis.count
    lanes, arcs = containers.container_lanes(ix), containers.container_arcs(ix)
    if not len(lanes):
        return []
    nb = _per_period(m, values, "nb", len(lanes), T)
    xf = _per_period(m, values, "xf", len(arcs), T)
    lane_of = lanes.get_indexer(ix.arcs["lane"].to_numpy()[arcs])
    volume = np.stack([np.bincount(lane_of, weights=xf[t] * ix.arcs["volume_m3"].to_numpy()[arcs], minlength=len(lanes))
                       for t in range(T)])
    weight = np.stack([np.bincount(lane_of, weights=xf[t] * ix.arcs["weight_kg"].to_numpy()[arcs], minlength=len(lanes))
                       for t in range(T)])
    return [{"lane": lanes[k], **_label(ix.lanes.at[lanes[k], "container"]), "count": int(round(nb[t, k])),
             "m3": float(volume[t, k]), "kg": float(weight[t, k]), **when(t)}
            for t, k in zip(*np.nonzero(nb > 0.5))]


def _creators(m, values: np.ndarray, when) -> list[dict]:
    """Campaigns booked per creator (and period), with the engaged people they reach and their fees
    (docs/model.md, "Creators")."""
    creators, T = m.ix.creators, m.axis.count
    K = creators_model.booked_creators(m.ix)
    if not K:
        return []
    b = _per_period(m, values, "b", K, T)
    return [{"creator": creators.at[k, "creator"], "market": creators.at[k, "market"],
             "channel": creators.at[k, "channel"], "campaigns": int(round(b[t, k])),
             "booked_reach": float(round(b[t, k]) * creators.at[k, "per_campaign"]),
             "fees": float(round(b[t, k]) * creators.at[k, "fee"]), **when(t)}
            for t, k in zip(*np.nonzero(b > 0.5))]


def _creator_reach(m, values: np.ndarray, when) -> list[dict]:
    """Per (market, channel, category) group (and period) with campaigns booked: the people its
    creators reach counted with repeats and the distinct people, Rc."""
    ix, T = m.ix, m.axis.count
    J = creators_model.reached_groups(ix)
    if not J:
        return []
    b = _per_period(m, values, "b", len(ix.creators), T).round()
    members = ix.creator_members
    k, j = members["creator"].to_numpy(dtype=np.int64), members["group"].to_numpy(dtype=np.int64)
    reach = ix.creators["per_campaign"].to_numpy()[k]
    booked = np.stack([np.bincount(j, weights=b[t, k] * reach, minlength=J) for t in range(T)])
    distinct = _per_period(m, values, "Rc", J, T)
    groups = ix.creator_groups
    return [{"market": groups.at[g, "market"], "channel": groups.at[g, "channel"], "category": groups.at[g, "category"],
             "booked_reach": float(booked[t, g]), "distinct_reach": float(distinct[t, g]), **when(t)}
            for t, g in zip(*np.nonzero(booked > 0))]


def _label(value) -> dict:
    """{"container": the type} where the containers row names one, else {}."""
    return {"container": value} if isinstance(value, str) and value else {}


def _restocked(m, values: np.ndarray, when) -> list[dict]:
    """Returned units restocked per product, market, warehouse (and period): docs/model.md, "Returns"."""
    options, T = m.ix.restock, m.axis.count
    if not len(options):
        return []
    rs = _per_period(m, values, "rs", len(options), T)
    pairs = m.ix.pairs
    return [{"product": pairs.at[options.at[k, "pair"], "product"], "market": pairs.at[options.at[k, "pair"], "market"],
             "warehouse": options.at[k, "warehouse"], "units": float(rs[t, k]), **when(t)}
            for t, k in zip(*np.nonzero(rs > 0))]


def _stock(m, values: np.ndarray) -> list[dict]:
    """End-of-period stock, as the model's own stock columns hold it (docs/model.md, row 9_t)."""
    axis, G, T = m.axis, len(m.axis.stock_keys), m.axis.count
    if T == 1 or not G:
        return []
    stock = _per_period(m, values, "stock", G, T - 1)
    keys = axis.stock_keys
    origin = (lambda g: {"origin": keys[g][2]}) if m.ix.many_origins else (lambda g: {})  # noqa: E731
    return [{"product": keys[g][0], "warehouse": keys[g][1], **origin(g), "period": axis.names[t], "units": float(stock[t, g])}
            for t, g in zip(*np.nonzero(stock > 0))]


HORIZON_DECISIONS = ("e", "r", "z", "kappa", "y", "v", "o", "dt", "dh", "dw", "src")  # markets, regimes, portfolio, certifications, warehouses, mitigation, payment methods, data protection, origins


def horizon_decision_columns(m: pyo.ConcreteModel, plan: dict) -> tuple[np.ndarray, np.ndarray]:
    """The columns of the horizon decisions (markets, regimes, portfolio, certifications,
    warehouses, mitigation, payment methods, data protection, origins) and their values in `plan` (a plan in `extract_plan`'s layout, e.g. of
    another model of the same tables): 1 where the plan takes the decision, 0 elsewhere. The
    inverse of `extract_plan` for those decisions; channels, sales and flows are left out."""
    ix = m.ix
    chosen = {
        "e": m.cols.keys["e"].isin(plan["markets"]),
        "r": m.cols.keys["r"].isin(plan["regimes"]),
        "z": _pairs_in(ix.pairs, ((r["product"], r["market"]) for r in plan["portfolio"])),
        "kappa": _pairs_in(ix.certs, ((r["product"], r["certification"]) for r in plan["certifications"]),
                           ("product", "certification")),
        "y": m.cols.keys["y"].isin(plan["warehouses"]),
        "v": m.cols.keys["v"].isin([r["market"] for r in plan["mitigations"]]),
        "o": _pairs_in(ix.methods, ((r["market"], r["method"]) for r in plan.get("payment_methods", [])), ("market", "method")),
        "dt": m.cols.keys["dt"].isin(plan.get("data_transfers", [])),
        "dh": m.cols.keys["dh"].isin(plan.get("data_hosting", [])),
        "src": m.cols.keys["src"].isin(plan.get("origins", [])),
        "dw": _pairs_in(ix.obligations, ((r["regime"], r["obligation"]) for r in plan.get("data_obligations", [])),
                        ("regime", "obligation")),
    }
    columns = np.concatenate([m.cols.span(name) for name in HORIZON_DECISIONS])
    values = np.concatenate([np.asarray(chosen[name], dtype=float) for name in HORIZON_DECISIONS])
    return columns, values


def _pairs_in(table, keys, names=("product", "market")) -> np.ndarray:
    """Mask of the rows of `table` whose (names) pair is among `keys`."""
    wanted = set(keys)
    return np.fromiter((k in wanted for k in zip(table[names[0]], table[names[1]])), dtype=bool, count=len(table))


SHARED_DECISIONS = ("e", "r", "y", "v", "o", "dt", "dh", "src")  # the horizon decisions no product owns


def shared_decision_columns(m: pyo.ConcreteModel, plan: dict) -> tuple[np.ndarray, np.ndarray]:
    """The columns of the decisions every product shares (markets, regimes, warehouses,
    mitigation, payment methods, data transfer and hosting, origins; the channels, in a one-period
    model) and their values in `plan`, a plan of another model of the same markets, channels and
    warehouses (e.g. a sample of the products). The portfolio, certifications, creators' bookings
    and data obligations are left out: they depend on the products offered."""
    if m.axis.count != 1:
        raise ValueError("the shared decisions with the channels are for one-period models")
    columns, values = horizon_decision_columns(m, plan)
    shared = np.isin(columns, np.concatenate([m.cols.span(name) for name in SHARED_DECISIONS]))
    return np.concatenate([columns[shared], m.cols.span("s")]), np.concatenate([values[shared], _channels_run(m, plan)])


def all_year_campaign_columns(m: pyo.ConcreteModel, plan: dict) -> tuple[np.ndarray, np.ndarray]:
    """The campaign calendar's columns s[m,c,t] of every period and their values when each
    channel the one-period `plan` runs (e.g. the whole-horizon aggregate's) runs all year."""
    return m.cols.span("s"), np.tile(_channels_run(m, plan), m.axis.count)


def _channels_run(m: pyo.ConcreteModel, plan: dict) -> np.ndarray:
    """1.0 for each of the model's channels (market, channel) that `plan` runs, else 0.0."""
    channels = m.ix.channels
    chosen = {(r["market"], r["channel"]) for r in plan["channels"]}
    return np.fromiter((key in chosen for key in zip(channels["market"], channels["channel"])), dtype=float,
                       count=len(channels))
