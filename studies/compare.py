"""What two plans differ in, and one row of KPIs per run: shared by every study."""

from __future__ import annotations

import math

from ..check import MONEY_TERMS
from ..pipeline import Run

DECISION_KINDS = ("market", "regime", "channel", "warehouse", "mitigation", "payment_method", "data_hosting",
                  "data_transfer", "data_obligation", "container_lane", "creator", "origin", "product_market")


def decision_sets(plan: dict | None) -> dict[str, set[str]]:
    """The strategic decisions of a plan as sets of ids (empty sets for no plan); a container lane
    is one that ships at least one full container, a creator one booked for at least one campaign,
    an origin one that supplies units (plans of an instance with an origins table)."""
    if plan is None:
        return {kind: set() for kind in DECISION_KINDS}
    return {
        "market": set(plan["markets"]),
        "regime": set(plan["regimes"]),
        "channel": {f"{c['market']}/{c['channel']}" for c in plan["channels"]},
        "warehouse": set(plan["warehouses"]),
        "mitigation": {m["market"] for m in plan["mitigations"]},
        "payment_method": {f"{r['market']}/{r['method']}" for r in plan.get("payment_methods", [])},
        "data_hosting": set(plan.get("data_hosting", [])),
        "data_transfer": set(plan.get("data_transfers", [])),
        "data_obligation": {f"{r['regime']}/{r['obligation']}" for r in plan.get("data_obligations", [])},
        "container_lane": {r["lane"] for r in plan.get("containers", []) if r["count"] > 0},
        "creator": {r["creator"] for r in plan.get("creators", []) if r["campaigns"] > 0},
        "origin": {f["origin"] for f in plan["flows"] if f.get("origin") is not None and f["units"] > 0},
        "product_market": {f"{o['product']}@{o['market']}" for o in plan["portfolio"]},
    }


def plan_changes(base: dict | None, other: dict | None) -> list[dict]:
    """Decisions `other` adds to or drops from `base`: rows of kind, item, change."""
    before, after = decision_sets(base), decision_sets(other)
    rows = []
    for kind in DECISION_KINDS:
        rows += [{"kind": kind, "item": item, "change": "added"} for item in sorted(after[kind] - before[kind])]
        rows += [{"kind": kind, "item": item, "change": "dropped"} for item in sorted(before[kind] - after[kind])]
    return rows


def _follows_a_market(change: dict, markets: dict) -> bool:
    """A channel, mitigation, payment method or local hosting change of a market entered or left, or
    a regime's change (its compliance, transfer mechanism, obligations) when a market is entered or
    left the same way."""
    if change["kind"] in ("channel", "mitigation", "payment_method", "data_hosting"):
        return markets.get(change["item"].split("/")[0]) == change["change"]
    return change["kind"] in ("regime", "data_transfer", "data_obligation") and change["change"] in markets.values()


def changes_text(changes: list[dict], limit: int = 6) -> str:
    """'+market DE, -warehouse DUS, ...': the channels, mitigation, payment methods, regimes and
    data decisions that come with a market entered or left are implied; product-markets are counted, not listed."""
    markets = {c["item"]: c["change"] for c in changes if c["kind"] == "market"}
    strategic = [c for c in changes if c["kind"] != "product_market" and not _follows_a_market(c, markets)]
    parts = [f"{'+' if c['change'] == 'added' else '-'}{c['kind']} {c['item']}" for c in strategic[:limit]]
    if len(strategic) > limit:
        parts.append(f"... (+{len(strategic) - limit} more)")
    offers = [c for c in changes if c["kind"] == "product_market"]
    if offers:
        added = sum(c["change"] == "added" for c in offers)
        parts.append(f"product-markets +{added}/-{len(offers) - added}")
    return ", ".join(parts) if parts else "no change"


def average_lead_time(run: Run) -> float | None:
    """Volume-weighted customer lead time over all markets (days)."""
    units = run.evaluation.units_by_lead_time
    total = sum(units.values())
    return sum(days * u for (_, days), u in units.items()) / total if total > 0 else None


def share_within(run: Run, days: float) -> float | None:
    """Share of all units delivered within `days` of the order."""
    units = run.evaluation.units_by_lead_time
    total = sum(units.values())
    return sum(u for (_, d), u in units.items() if d <= days + 1e-9) / total if total > 0 else None


def kpi_row(run: Run) -> dict:
    """Status, objective, gap and every KPI of a run (blank KPIs without a plan)."""
    r = run.result
    row = {"status": r.status.value, "objective": r.objective, "gap": r.gap,
           "checked": bool(run.evaluation is not None and run.evaluation.ok)}
    ev = run.evaluation
    if ev is None:
        return row
    terms = ev.terms
    row.update({"revenue": terms["revenue"], **{k: terms[k] for k in MONEY_TERMS if k != "revenue"},
                "total_cost": terms["total_cost"], "profit": terms["profit"],
                "payment_loss_rate": ev.payment_loss_rate, "avg_lead_time_days": average_lead_time(run),
                "units": sum(o["units"] for o in run.plan["portfolio"]),
                "markets_entered": len(run.plan["markets"]), "warehouses_open": len(run.plan["warehouses"]),
                "channels_active": len({(c["market"], c["channel"]) for c in run.plan["channels"]}),
                "product_markets": len({(o["product"], o["market"]) for o in run.plan["portfolio"]}),
                "markets": " ".join(run.plan["markets"]), "warehouses": " ".join(run.plan["warehouses"])})
    return row


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
