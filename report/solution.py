"""A `Run` as files: the solution document (solution.json), CSV tables and an optional workbook."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..check import MONEY_TERMS
from ..data.atomic import atomic_path
from ..data.cells import write_csv, write_workbook
from ..pipeline import Run
from .creators import creators_table
from .freight import containers_table
from .origins import origins_table
from .words import regime_orders
from .workbook import NUMBER_FORMATS, workbook_tables

SOLUTION_FORMAT = 1
COST_TERMS = [t for t in MONEY_TERMS if t != "revenue"]


def _clean(value):
    """JSON-safe values: numpy scalars become Python ones, NaN/inf become null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def kpis(run: Run) -> dict:
    ev = run.evaluation
    terms = ev.terms
    return {
        "revenue": terms["revenue"],
        "costs": {k: terms.get(k, 0.0) for k in COST_TERMS},
        "total_cost": terms["total_cost"],
        "profit": terms["profit"],
        "lead_time_days_by_market": ev.lead_time_by_market,
        "payment_loss_rate": ev.payment_loss_rate,
        "warehouse_utilisation": ev.utilisation,
    }


def solution_document(run: Run, words: list[str] | None = None) -> dict:
    """solution.json's content; `words` (the plan in words, report/words.py) is kept when given."""
    r = run.result
    origin = run.instance.scenario
    doc = {
        "format": SOLUTION_FORMAT,
        "instance": origin.base if origin else run.instance.name,
        "source": run.instance.source,
        "objective_kind": run.instance.objective,
        "status": r.status.value,
        "has_plan": run.has_plan,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
    }
    if origin is not None:
        doc["scenario"] = {"name": origin.name, "file": origin.file}
    if run.has_plan:
        decisions = {k: v for k, v in run.plan.items() if k != "flows"}
        ev = run.evaluation
        doc.update(
            decisions=decisions,
            flows=run.plan["flows"],
            kpis=kpis(run),
            check={
                "feasible": ev.feasible,
                "objective_matches": ev.objective_matches,
                "recomputed_objective": ev.objective,
                "violations": [vars(v) for v in ev.violations],
            },
        )
        if run.marginal is not None:
            currency = run.instance.settings["currency"]
            frame = run.marginal.assign(unit=run.marginal["unit"].str.replace("{cur}", currency, regex=False))
            doc["marginal_values"] = {"note": run.marginal_note, "limits": frame.to_dict("records")}
        if words is not None:
            doc["in_words"] = words
    doc["run"] = run.facts()
    return _clean(doc)


def plan_tables(run: Run) -> dict[str, pd.DataFrame]:
    """The plan as flat tables (one CSV file or workbook sheet each)."""
    plan, inst = run.plan, run.instance
    ev = run.evaluation
    seasonal = "stock" in plan  # a multi-period plan: records carry their period
    period = ["period"] if seasonal else []
    portfolio = pd.DataFrame(plan["portfolio"], columns=["product", "market", *period, "units", "price"])
    portfolio["revenue"] = portfolio["units"] * portfolio["price"]
    by_market = portfolio.groupby("market")[["units", "revenue"]].sum()
    markets = inst.table("markets")[["market", "name"]].copy()
    covered = {m["market"]: m["covered_revenue"] for m in plan["mitigations"]}
    markets["entered"] = markets["market"].isin(plan["markets"])
    markets["units"] = markets["market"].map(by_market["units"]).fillna(0.0)
    markets["revenue"] = markets["market"].map(by_market["revenue"]).fillna(0.0)
    markets["avg_lead_time_days"] = markets["market"].map(ev.lead_time_by_market)
    markets["mitigation_covered_revenue"] = markets["market"].map(covered)
    warehouses = inst.table("warehouses")[["warehouse", "name", "capacity_m3"]].copy()
    boxed = ["in_containers"] if not inst.tables["containers"].empty else []
    sourced = ["origin"] if not inst.tables["origins"].empty else []
    flows = pd.DataFrame(plan["flows"], columns=["product", "lane", "kind", "from", "to", *sourced, *period, "units", *boxed])
    volume = inst.table("products").set_index("product")["volume_m3"]
    restocked = pd.DataFrame(plan.get("restocked", []), columns=["product", "warehouse", "units"])
    inbound = pd.concat([flows.loc[flows["kind"] == "linehaul", ["product", "to", "units"]],
                         restocked.rename(columns={"warehouse": "to"})[["product", "to", "units"]]])
    inbound = inbound.assign(m3=lambda f: f["units"] * f["product"].map(volume))  # linehaul in and returns restocked
    warehouses["open"] = warehouses["warehouse"].isin(plan["warehouses"])
    warehouses["inbound_m3"] = warehouses["warehouse"].map(inbound.groupby("to")["m3"].sum()).fillna(0.0)
    warehouses["utilisation"] = warehouses["warehouse"].map(ev.utilisation)  # inbound_m3 / capacity_m3
    if seasonal:  # the period whose stock and arrivals use the most of its share of the capacity
        warehouses["peak_period"] = warehouses["warehouse"].map({w: t for w, (_, t) in ev.peak_utilisation.items()})
        warehouses["peak_period_utilisation"] = warehouses["warehouse"].map(
            {w: u for w, (u, _) in ev.peak_utilisation.items()})
    k = kpis(run)
    kpi_rows = [("revenue", k["revenue"])] + [(name, value) for name, value in k["costs"].items()]
    kpi_rows += [("total_cost", k["total_cost"]), ("profit", k["profit"]), ("payment_loss_rate", k["payment_loss_rate"])]
    tables = {
        "kpis": pd.DataFrame(kpi_rows, columns=["kpi", "value"]),
        "markets": markets,
        "channels": pd.DataFrame(plan["channels"], columns=["market", "channel", *period]),
        "portfolio": portfolio,
        "certifications": pd.DataFrame(plan["certifications"], columns=["product", "certification"]),
        "warehouses": warehouses,
        "flows": flows,
    }
    if seasonal:
        tables["stock"] = pd.DataFrame(plan["stock"], columns=["product", "warehouse", *sourced, "period", "units"])
    tables.update(_mechanic_tables(inst, plan, period))
    if run.marginal is not None:
        currency = inst.settings["currency"]
        tables["marginal_values"] = run.marginal.assign(unit=run.marginal["unit"].str.replace("{cur}", currency, regex=False))
    return tables


def _mechanic_tables(inst, plan: dict, period: list) -> dict:
    """The tables of the optional mechanics the instance has: payment methods, returns restocked,
    customer data, containers, creators and origins."""
    tables = {}
    if not inst.tables["payment_methods"].empty:
        tables["payment_methods"] = payment_method_table(inst, plan)
    if not inst.tables["returns"].empty:
        tables["restocked"] = pd.DataFrame(plan.get("restocked", []), columns=["product", "market", "warehouse", *period, "units"])
    if not inst.tables["data_transfer"].empty or not inst.tables["data_obligations"].empty:
        tables["data_protection"] = data_protection_table(inst, plan)
    if not inst.tables["containers"].empty:
        tables["containers"] = containers_table(inst, plan)
    if not inst.tables["creators"].empty:
        tables["creators"] = creators_table(inst, plan)
    if not inst.tables["origins"].empty:
        tables["origins"] = origins_table(inst, plan)
    return tables


def payment_method_table(instance, plan: dict) -> pd.DataFrame:
    """Every payment method of the instance: offered or not, and for the offered ones the revenue
    and orders paid with it, its fees and the orders refused at the door (docs/model.md,
    "Payment methods")."""
    methods = instance.table("payment_methods")
    frame = methods[["market", "method", "kind", "share", "exclusive_share", "integration_cost"]].copy()
    records = {(r["market"], r["method"]): r for r in plan.get("payment_methods", [])}
    keys = list(zip(methods["market"], methods["method"]))
    frame["offered"] = [key in records for key in keys]
    frame["revenue"] = [records[key]["revenue"] if key in records else 0.0 for key in keys]
    frame["fees"] = frame["revenue"] * methods["fee_rate"]
    rate = methods["refusal_rate"]
    frame["orders"] = [records.get(key, {}).get("orders", float("nan")) for key in keys]
    frame["refused_orders"] = frame["orders"] * rate / (1.0 - rate)
    return frame


def data_protection_table(instance, plan: dict) -> pd.DataFrame:
    """Where each market's customer data lives (hosted locally, sent out under the regime's
    mechanism, or not entered) and each obligation (met or not, with the regime's buyers and the
    threshold), with what the plan pays for it (docs/model.md, "Data transfer and localisation")."""
    rules = instance.table("data_transfer").set_index("regime")
    markets = instance.table("markets")
    hosted, sent, entered = set(plan.get("data_hosting", [])), set(plan.get("data_transfers", [])), set(plan["markets"])
    rows = []
    for regime, rule in rules.iterrows():
        for m in markets.loc[markets["regime"] == regime, "market"]:
            decision = ("hosted locally" if m in hosted else "not entered" if m not in entered
                        else "sent out" + (f" under {rule['mechanism']}" if rule["mechanism"] else ""))
            rows.append({"regime": regime, "item": m, "decision": decision,
                         "cost": float(rule["hosting_cost"]) if m in hosted else 0.0})
        if regime in sent:
            rows.append({"regime": regime, "item": "transfer mechanism", "decision": rule["mechanism"] or "used",
                         "cost": float(rule["transfer_cost"])})
    met = {(r["regime"], r["obligation"]) for r in plan.get("data_obligations", [])}
    orders = regime_orders(instance, plan)
    for duty in instance.table("data_obligations").itertuples():
        key = (duty.regime, duty.obligation)
        rows.append({"regime": duty.regime, "item": duty.obligation, "decision": "met" if key in met else "not needed",
                     "buyers": orders.get(duty.regime, 0.0) / duty.orders_per_buyer, "threshold": duty.buyer_threshold,
                     "cost": float(duty.cost) if key in met else 0.0})
    return pd.DataFrame(rows, columns=["regime", "item", "decision", "buyers", "threshold", "cost"])


def write_outputs(run: Run, out_dir: str | Path, xlsx: bool = False, words: list[str] | None = None) -> list[Path]:
    """Write CSVs (and the workbook) first, then solution.json last; each file atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    written = []
    if run.has_plan:
        tables = plan_tables(run)
        for name, frame in tables.items():
            written.append(write_csv(frame, out / f"{name}.csv"))
        if xlsx:
            written.append(write_workbook(workbook_tables(tables), out / "solution.xlsx", NUMBER_FORMATS))
    run.seconds["write"] = time.perf_counter() - start
    doc = solution_document(run, words)
    target = out / "solution.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return [target, *written]
