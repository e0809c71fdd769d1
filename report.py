"""Turn a `Run` into the solution document, CSV tables, an optional workbook and a summary."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .check import MONEY_TERMS
from .data.atomic import atomic_path
from .pipeline import Run
from .solvers import Status

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


def solution_document(run: Run) -> dict:
    r = run.result
    doc = {
        "format": SOLUTION_FORMAT,
        "instance": run.instance.name,
        "source": run.instance.source,
        "objective_kind": run.instance.objective,
        "status": r.status.value,
        "has_plan": run.has_plan,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
    }
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
    doc["run"] = run.facts()
    return _clean(doc)


def plan_tables(run: Run) -> dict[str, pd.DataFrame]:
    """The plan as flat tables (one CSV file or workbook sheet each)."""
    plan, inst = run.plan, run.instance
    ev = run.evaluation
    portfolio = pd.DataFrame(plan["portfolio"], columns=["product", "market", "units", "price"])
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
    flows = pd.DataFrame(plan["flows"], columns=["product", "lane", "kind", "from", "to", "units"])
    volume = inst.table("products").set_index("product")["volume_m3"]
    inbound = flows[flows["kind"] == "linehaul"].assign(m3=lambda f: f["units"] * f["product"].map(volume))
    warehouses["open"] = warehouses["warehouse"].isin(plan["warehouses"])
    warehouses["inbound_m3"] = warehouses["warehouse"].map(inbound.groupby("to")["m3"].sum()).fillna(0.0)
    warehouses["utilisation"] = warehouses["warehouse"].map(ev.utilisation)
    k = kpis(run)
    kpi_rows = [("revenue", k["revenue"])] + [(name, value) for name, value in k["costs"].items()]
    kpi_rows += [("total_cost", k["total_cost"]), ("profit", k["profit"]), ("payment_loss_rate", k["payment_loss_rate"])]
    return {
        "kpis": pd.DataFrame(kpi_rows, columns=["kpi", "value"]),
        "markets": markets,
        "channels": pd.DataFrame(plan["channels"], columns=["market", "channel"]),
        "portfolio": portfolio,
        "certifications": pd.DataFrame(plan["certifications"], columns=["product", "certification"]),
        "warehouses": warehouses,
        "flows": flows,
    }


def write_outputs(run: Run, out_dir: str | Path, xlsx: bool = False) -> list[Path]:
    """Write CSVs (and the workbook) first, then solution.json last; each file atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    written = []
    if run.has_plan:
        tables = plan_tables(run)
        for name, frame in tables.items():
            target = out / f"{name}.csv"
            with atomic_path(target) as tmp:
                frame.to_csv(tmp, index=False)
            written.append(target)
        if xlsx:
            target = out / "solution.xlsx"
            with atomic_path(target) as tmp:
                with pd.ExcelWriter(tmp, engine="openpyxl") as book:
                    for name, frame in tables.items():
                        frame.to_excel(book, sheet_name=name, index=False)
            written.append(target)
    run.seconds["write"] = time.perf_counter() - start
    doc = solution_document(run)
    target = out / "solution.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return [target, *written]


def _listing(items: list, limit: int = 12) -> str:
    items = [str(i) for i in items]
    if not items:
        return "-"
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... (+{len(items) - limit} more)"


def _money(x: float, currency: str) -> str:
    return f"{x + 0.0:,.0f} {currency}".replace("-0 ", "0 ")


def _gap_text(gap: float | None) -> str:
    if gap is None:
        return "gap unknown"
    if not math.isfinite(gap):
        return "gap infinite"
    return f"gap {100 * gap if gap > 1e-12 else 0.0:.4g}%"


def nothing_found(run: Run) -> bool:
    """A run stopped early (time limit, interrupt) whose plan is no better than doing nothing:
    it enters no market (profit objective), or its gap is infinite or unknown. A proven optimum
    that enters no market is an answer, not this."""
    r = run.result
    if not run.has_plan or r.status not in (Status.TIME_LIMIT, Status.INTERRUPTED):
        return False
    empty = run.instance.objective == "profit" and not run.plan["markets"]
    return empty or r.gap is None or not math.isfinite(r.gap)


def summary(run: Run) -> str:
    """A short readable account of the plan for the terminal."""
    inst, r = run.instance, run.result
    cur = inst.settings["currency"]
    kind = inst.objective
    lines = []
    status = r.status.value.replace("_", " ")
    if not run.has_plan:
        return f"{inst.name}: {status}, no plan found ({r.message})"
    bound = _money(r.bound, cur) if r.bound is not None else "unknown"
    if nothing_found(run):
        within = "before the interrupt" if r.status is Status.INTERRUPTED else "within the time limit"
        lines.append(f"{inst.name}: {status}: no plan better than doing nothing was found {within} "
                     f"({kind} {_money(r.objective, cur)}, bound {bound})")
    else:
        head = f"{inst.name}: {status} ({_gap_text(r.gap)}); {kind} {_money(r.objective, cur)}, bound {bound}"
        if r.status is Status.TIME_LIMIT:
            head += "  [best plan found within the time limit]"
        elif r.status is Status.INTERRUPTED:
            head += "  [best plan found before the interrupt]"
        lines.append(head)
    plan, ev = run.plan, run.evaluation
    n_markets = len(inst.tables["markets"])
    lines.append(f"  markets entered ({len(plan['markets'])}/{n_markets}): {_listing(plan['markets'])}")
    skipped = [m for m in inst.tables["markets"]["market"] if m not in plan["markets"]]
    if skipped:
        lines.append(f"  markets not entered: {_listing(skipped)}")
    wh = []
    for w in plan["warehouses"]:
        u = ev.utilisation.get(w)
        wh.append(f"{w} ({100 * u:.0f}% of capacity)" if u is not None else w)
    lines.append(f"  warehouses open ({len(plan['warehouses'])}/{len(inst.tables['warehouses'])}): {_listing(wh)}")
    channels: dict[str, list[str]] = {}
    for c in plan["channels"]:
        channels.setdefault(c["market"], []).append(c["channel"])
    if channels:
        if len(channels) <= 12:
            lines.append("  channels: " + "; ".join(f"{m}: {', '.join(cs)}" for m, cs in channels.items()))
        else:
            lines.append(f"  channels: {sum(map(len, channels.values()))} in {len(channels)} markets")
    units = sum(o["units"] for o in plan["portfolio"])
    direct = sum(f["units"] for f in plan["flows"] if f["kind"] == "direct")
    via_wh = sum(f["units"] for f in plan["flows"] if f["kind"] == "lastmile")
    share = f"{100 * direct / units:.0f}% direct, {100 * via_wh / units:.0f}% from warehouses" if units else "no units"
    lines.append(f"  portfolio: {len(plan['portfolio'])} product-markets, {units:,.0f} units ({share})")
    if plan["mitigations"]:
        lines.append(f"  payment-risk mitigation in: {', '.join(m['market'] for m in plan['mitigations'])}")
    t = ev.terms
    if kind == "cost":
        lines.append(f"  total cost {_money(t['total_cost'], cur)} (fixed demand; revenue {_money(t['revenue'], cur)})")
    else:
        lines.append(
            f"  revenue {_money(t['revenue'], cur)} - costs {_money(t['total_cost'], cur)} = profit {_money(t['profit'], cur)}"
        )
    if run.presolve is not None:
        lines.append(f"  {run.presolve}")
    cuts = r.extra.get("root_cuts")
    if r.extra.get("root_lp_abandoned"):
        lines.append("  root LP: not solved within its share of the time limit; HiGHS's MIP took the model as it is")
    elif cuts and cuts["rounds"]:
        deferred = cuts.get("deferred_rows_added")
        held = "" if deferred is None else (
            f" ({deferred} of {cuts['deferred_rows_total']} held-back linking rows, {cuts['rows'] - deferred} cuts)")
        lines.append(
            f"  root cuts: {cuts['rows']} rows{held} in {cuts['rounds']} round(s) moved the LP bound "
            f"from {_money(cuts['lp_bound_before'], cur)} to {_money(cuts['lp_bound_after'], cur)}"
        )
    tree = r.extra.get("strategic_tree")
    if tree:
        outcome = ("closed the gap" if tree["closed"] else
                   f"stopped ({tree['stopped_by']}; {tree['open']} open), HiGHS went on from its best plan")
        lines.append(f"  strategic tree: {tree['nodes']} nodes in {tree['seconds']:.0f} s, {outcome}")
    verdict = "passed" if ev.ok else f"FAILED ({len(ev.violations)} violations, objective matches: {ev.objective_matches})"
    lines.append(f"  independent check: {verdict}")
    s = run.seconds
    lines.append(
        "  seconds: "
        + ", ".join(f"{k} {s[k]:.2f}" for k in ("read", "derive", "build", "handoff", "solve", "check", "write") if k in s)
    )
    return "\n".join(lines)
