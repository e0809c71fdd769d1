"""Explain an infeasible instance: which settings, relaxed alone, make it feasible again.

Each group below names a planner-facing setting and the constraint families (or forced decisions)
that implement it. For every group present in the model, the model is rebuilt with that group
relaxed and solved for feasibility only; the groups whose relaxation restores feasibility are the
ones "most likely responsible".
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo

from ..data.instance import Instance
from ..models.build import build_model
from ..models.formulation import Formulation, Sourcing
from ..solvers import SolveOptions, get_solver


@dataclass(frozen=True)
class Group:
    label: str
    constraints: tuple[str, ...] = ()
    unfix: tuple[str, ...] = ()


GROUPS = [
    Group("settings.marketing_budget", ("marketing_budget",)),
    Group("settings.compliance_budget", ("compliance_budget",)),
    Group("settings.logistics_budget", ("logistics_budget",)),
    Group("settings.max_warehouses", ("max_warehouses",)),
    Group("settings.max_markets", ("max_markets",)),
    Group("settings.max_payment_loss_rate", ("payment_risk_cap",)),
    Group("markets.max_revenue_share (concentration caps)", ("revenue_concentration",)),
    Group("markets.target_avg_lead_time_days (service targets)", ("average_service",)),
    Group("warehouses.capacity_m3 (warehouse capacities)", ("warehouse_capacity",)),
    Group("lanes.capacity_kg (lane capacities)", ("lane_capacity",)),
    Group("product_markets.min_units (committed volumes)", ("committed_volume",)),
    Group("forced decisions (markets.must_enter, warehouses.must_open, product_markets.must_offer)", unfix=("e", "y", "z")),
]


def _present(model, group: Group) -> bool:
    for name in group.constraints:
        component = model.component(name)
        if component is not None and len(component) > 0:
            return True
    for name in group.unfix:
        var = model.component(name)
        if var is not None and any(v.fixed for v in var.values()):
            return True
    return False


def _relax(model, groups: list[Group], cost_mode: bool):
    for group in groups:
        for name in group.constraints:
            if model.component(name) is not None:
                model.component(name).deactivate()
        for name in group.unfix:
            if cost_mode and name == "z":
                continue  # in cost mode z = 1 is the demand itself, not a planner's choice
            for v in model.component(name).values():
                v.unfix()
    model.objective.deactivate()
    model.feasibility = pyo.Objective(expr=0.0)


def _feasible(instance: Instance, form: Formulation, groups: list[Group], time_limit: float) -> bool:
    model = build_model(instance, form)
    _relax(model, groups, instance.objective == "cost")
    result = get_solver("highs").solve(model, SolveOptions(time_limit=time_limit, mip_gap=1.0))
    return result.has_solution


def single_source_blockers(instance: Instance, limit: int = 5) -> list[str]:
    """Pairs whose whole volume fits no single lane's warehouse (and that have no direct lane)."""
    net = instance.network
    arcs = net.fulfilment_arcs
    capacity = net.warehouses["capacity_m3"]
    pairs = net.pairs
    blockers = []
    for pair, group in arcs.groupby("pair"):
        if (group["kind"] == "direct").any():
            continue
        need = pairs.at[pair, "U"] * pairs.at[pair, "volume_m3"]
        caps = capacity.reindex(group["warehouse"]).fillna(float("inf"))
        if need > caps.max() + 1e-9:
            blockers.append(f"{pairs.at[pair, 'product']}@{pairs.at[pair, 'market']} needs {need:,.6g} m3; "
                            f"the largest warehouse that can serve it holds {caps.max():,.6g} m3")
    return blockers[:limit] + ([f"... and {len(blockers) - limit} more"] if len(blockers) > limit else [])


def diagnose_infeasibility(instance: Instance, form: Formulation | None = None, time_limit: float = 20.0) -> dict:
    """{'responsible': [labels], 'present': [labels], 'all_relaxed_feasible': bool, 'single_source': [..]}."""
    form = form or Formulation()
    blockers = single_source_blockers(instance) if form.sourcing is Sourcing.SINGLE else []
    model = build_model(instance, form)
    present = [g for g in GROUPS if _present(model, g)]
    responsible = [g.label for g in present if _feasible(instance, form, [g], time_limit)]
    all_relaxed = bool(responsible) or (bool(present) and _feasible(instance, form, present, time_limit))
    return {"responsible": responsible, "present": [g.label for g in present], "all_relaxed_feasible": all_relaxed,
            "single_source": blockers}


def explain(diagnosis: dict) -> str:
    lines = ["No feasible plan exists for this instance."]
    if diagnosis.get("single_source"):
        lines.append("Under sourcing=single each product-market must be served by one lane, but:")
        lines += [f"  - {text}" for text in diagnosis["single_source"]]
    if diagnosis["responsible"]:
        lines.append("Relaxing any one of these settings makes it feasible (most likely responsible):")
        lines += [f"  - {label}" for label in diagnosis["responsible"]]
    elif diagnosis["all_relaxed_feasible"]:
        lines.append("No single setting is responsible; together these limits leave no feasible plan:")
        lines += [f"  - {label}" for label in diagnosis["present"]]
    elif diagnosis["present"]:
        lines.append("It stays infeasible even with all limits relaxed; check the data (demands, capacities, lanes).")
    else:
        lines.append("The instance sets no limits; check the data (demands, capacities, lanes).")
    return "\n".join(lines)
