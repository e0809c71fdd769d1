"""The recipe: assemble the model of docs/model.md from its parts for a chosen `Formulation`, over
the instance's period axis (one period without a `periods` table)."""

from __future__ import annotations

import functools

import pyomo.environ as pyo

from ..data.instance import Instance
from ..data.presolve import presolve as presolve_network
from . import containers, creators, origins, parts, payments, privacy, returns
from .axis import period_axis
from .columns import structure_of
from .cuts import active_separators
from .formulation import Demand, Flow, Formulation, Linking, Sourcing
from .index import build_index

STRATEGIC = ("e", "r", "s", "y", "v", "o", "dt", "dh", "b", "src")  # markets, regimes, channels, warehouses, mitigation, payment methods, data transfer and hosting, creators, origins: rounded first
FIRST_STAGE = ("e", "r", "kappa", "y", "z", "s", "o", "dt", "dh", "b", "src")  # decided before the uncertainty resolves (docs/uncertainty.md)


class FormulationError(ValueError):
    """A formulation option the instance cannot take (the message says which and why)."""


def check_formulation(instance: Instance, form: Formulation):
    """Several periods take the default demand, flow and sourcing options (linking either way):
    the others are refused, naming them."""
    if instance.seasonal and len(instance.tables["periods"]) > 1 and (
            form.flow is not Flow.ARC or form.sourcing is not Sourcing.SPLIT or form.demand is not Demand.AGGREGATED):
        raise FormulationError("multi-period plans use flow=arc, sourcing=split, demand=aggregated "
                               f"(asked: {form}); linking may be strong or weak")


def build_model(instance: Instance, form: Formulation | None = None, presolve: bool = True) -> pyo.ConcreteModel:
    """The Pyomo model of `instance` (rows 1-21, the period rows, and the objective).

    With `presolve` and one period, dominated arcs and never-profitable pairs are removed first
    (data/presolve.py); the report is kept on the model as `presolve_report`. Several periods are
    built without it: a cheaper but slower linehaul, or a lane with a peak surcharge, is not
    dominated any more."""
    form = form or Formulation()
    check_formulation(instance, form)
    network, report = instance.network, None
    if presolve and not instance.seasonal:
        network, report = presolve_network(instance.network, instance.settings)
    ix = build_index(instance, with_routes=form.flow is Flow.PATH, network=network)
    m = pyo.ConcreteModel(name=instance.name)
    m.formulation = form
    m.presolve_report = report
    parts.declare_variables(m, ix, period_axis(instance, ix), form)
    _portfolio_rows(m, ix, form)
    _fulfilment_rows(m, ix, form)
    _money_and_risk_rows(m, ix)
    parts.add_objective(m, ix)
    structure = structure_of(m)
    structure.separators = functools.partial(active_separators, m)  # asked at solve time
    structure.strategic = m.cols.mask(STRATEGIC)
    return m


def _portfolio_rows(m, ix, form: Formulation):
    """Rows 1-3, D1-D2 and, in profit mode, 5-7 with the carry-over rows of several periods and
    the creators' rows CR1-CR2."""
    parts.add_entry_links(m, ix)
    payments.add_method_links(m, ix)
    parts.add_regime_links(m, ix)
    privacy.add_data_transfer_rows(m, ix)
    parts.add_certification_links(m, ix)
    if ix.cost_mode:
        return
    if form.demand is Demand.BY_CHANNEL:
        parts.add_channel_demand_split(m, ix)
    else:
        parts.add_channel_demand(m, ix)
        parts.add_carried_channel_sales(m, ix)
    payments.add_exclusive_buyers(m, ix)
    creators.add_creator_rows(m, ix)
    parts.add_demand_bound(m, ix)
    parts.add_committed_volume(m, ix)


def _fulfilment_rows(m, ix, form: Formulation):
    """Rows 8-12b, C1-C4, O1, CR3-CR4, strong linking and single sourcing as the formulation asks."""
    parts.add_market_balance(m, ix)
    if form.flow is Flow.ARC:
        parts.add_warehouse_balance(m, ix)
    parts.add_warehouse_capacity(m, ix)
    returns.add_restock_rows(m, ix)
    if form.linking is Linking.STRONG:
        parts.add_strong_linking(m, ix)
    creators.add_creator_sales_bounds(m, ix, form.linking is Linking.STRONG)
    parts.add_lane_capacity(m, ix)
    containers.add_container_rows(m, ix)
    origins.add_origin_rows(m, ix)
    parts.add_average_service(m, ix)
    parts.add_service_level(m, ix)
    if form.sourcing is Sourcing.SINGLE:
        parts.add_single_sourcing(m, ix)


def _money_and_risk_rows(m, ix):
    """Rows 13-21 and the payment methods' shares (P3, P4)."""
    payments.add_method_shares(m, ix)
    parts.add_budgets(m, ix)
    parts.add_count_limits(m, ix)
    parts.add_mitigation(m, ix)
    parts.add_payment_risk_cap(m, ix)
    parts.add_concentration(m, ix)
