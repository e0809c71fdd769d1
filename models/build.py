"""The recipe: assemble the MODEL.md formulation from its parts for a chosen `Formulation`."""

from __future__ import annotations

import functools

import pyomo.environ as pyo

from ..data.instance import Instance
from ..data.presolve import presolve as presolve_network
from . import parts
from .cuts import active_separators
from .formulation import Demand, Flow, Formulation, Linking, Sourcing
from .index import build_index

STRATEGIC = ("e", "r", "s", "y", "v")  # markets, regimes, channels, warehouses, mitigation: rounded first


def build_model(instance: Instance, form: Formulation | None = None, presolve: bool = True) -> pyo.ConcreteModel:
    """Return the Pyomo model of `instance` (rows 1-21 and the section-5 objective); with a
    `periods` table, the multi-period model (models/seasonal.py).

    With `presolve`, dominated arcs and never-profitable pairs are removed first (data/presolve.py);
    the report is kept on the model as `presolve_report`."""
    form = form or Formulation()
    if instance.seasonal:
        from .seasonal import build_seasonal_model

        return build_seasonal_model(instance, form)  # no presolve: transit times and periods change what dominates
    network, report = instance.network, None
    if presolve:
        network, report = presolve_network(instance.network, instance.settings)
    ix = build_index(instance, with_routes=form.flow is Flow.PATH, network=network)
    m = pyo.ConcreteModel(name=instance.name)
    m.formulation = form
    m.presolve_report = report

    parts.declare_variables(m, ix, form)

    parts.add_entry_links(m, ix)
    parts.add_regime_links(m, ix)
    parts.add_certification_links(m, ix)
    if not ix.cost_mode:
        if form.demand is Demand.BY_CHANNEL:
            parts.add_channel_demand_split(m, ix)
        else:
            parts.add_channel_demand(m, ix)
        parts.add_demand_bound(m, ix)
        parts.add_committed_volume(m, ix)

    parts.add_market_balance(m, ix)
    if form.flow is Flow.ARC:
        parts.add_warehouse_balance(m, ix)
    parts.add_warehouse_capacity(m, ix)
    if form.linking is Linking.STRONG:
        parts.add_strong_linking(m, ix)
    parts.add_lane_capacity(m, ix)
    parts.add_average_service(m, ix)
    parts.add_service_level(m, ix)
    if form.sourcing is Sourcing.SINGLE:
        parts.add_single_sourcing(m, ix)

    parts.add_budgets(m, ix)
    parts.add_count_limits(m, ix)
    parts.add_mitigation(m, ix)
    parts.add_payment_risk_cap(m, ix)
    parts.add_concentration(m, ix)
    parts.add_objective(m, ix)
    m.xb_separators = functools.partial(active_separators, m)  # asked at solve time
    m.xb_strategic = m.cols.mask(STRATEGIC)
    return m
