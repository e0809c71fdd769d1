"""Read a solved Pyomo model back into a plan: plain data, no Pyomo objects."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from .formulation import Flow

ZERO = 1e-9  # values this close to zero are solver noise and are reported as 0


def _values(var, keys) -> np.ndarray:
    values = np.fromiter((var[k].value or 0.0 for k in keys), dtype=float, count=len(keys))
    values[np.abs(values) < ZERO] = 0.0
    return values


def _chosen(var) -> list:
    return [k for k in var.index_set() if (var[k].value or 0.0) > 0.5]


def arc_flows(m) -> np.ndarray:
    """Flow on every arc; in path form the sum of the route flows that use the arc."""
    ix = m.ix
    if m.flow_form is Flow.ARC:
        return _values(m.x, range(len(ix.arcs)))
    route = _values(m.xr, range(len(ix.routes)))
    flows = np.zeros(len(ix.arcs))
    np.add.at(flows, ix.routes["last"].to_numpy(dtype=int), route)
    first = ix.routes["first"].to_numpy(dtype=int)
    np.add.at(flows, first[first >= 0], route[first >= 0])
    return flows


def extract_plan(m: pyo.ConcreteModel) -> dict:
    """Decisions and flows of a solved model, in the solution-file layout (docs/solution.md)."""
    if hasattr(m, "seasons"):
        from .seasonal import extract_seasonal_plan

        return extract_seasonal_plan(m)
    ix = m.ix
    pairs, channels, certs, arcs = ix.pairs, ix.channels, ix.certs, ix.arcs
    z = _values(m.z, range(len(pairs))) > 0.5
    q = _values(m.q, range(len(pairs)))
    flows = arc_flows(m)
    used = flows > 0
    lanes = ix.lanes
    return {
        "markets": _chosen(m.e),
        "regimes": _chosen(m.r),
        "channels": [{"market": channels.at[k, "market"], "channel": channels.at[k, "channel"]} for k in _chosen(m.s)],
        "portfolio": [
            {"product": p, "market": mk, "units": float(u), "price": float(price)}
            for p, mk, u, price in zip(pairs["product"][z], pairs["market"][z], q[z], pairs["price"][z])
        ],
        "certifications": [
            {"product": certs.at[k, "product"], "certification": certs.at[k, "certification"]} for k in _chosen(m.kappa)
        ],
        "warehouses": _chosen(m.y),
        "mitigations": [{"market": mk, "covered_revenue": float(max(m.Rv[mk].value or 0.0, 0.0))} for mk in _chosen(m.v)],
        "flows": [
            {
                "product": p, "lane": lane, "kind": kind,
                "from": lanes.at[lane, "from"], "to": lanes.at[lane, "to"], "units": float(u),
            }
            for p, lane, kind, u in zip(arcs["product"][used], arcs["lane"][used], arcs["kind"][used], flows[used])
        ],
    }
