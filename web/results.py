"""What a run left in its folder, read for the workspace: a short summary for the run list, the
files to download, the plans it holds, each plan's views (map, profit and loss per market,
channels, warehouse use by period, marginal values and the plan in words), the study's own
table, and the comparison of plans from several runs.

Every plan shown is re-checked against its instance by the independent checker (check/), as
`xborder report` does; a scenario's plan against its scenario of the instance. Views of finished
runs never change, so they are cached.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..check import instance_for
from ..data.cells import from_text
from ..data.instance import Instance, load_instance
from ..data.places import COUNTRIES, ORIGINS, WAREHOUSES, origin_of, place_of
from ..report.html import PlanView, view_of_folder
from ..report.summary import marginal_sentences
from ..report.creators import creators_table
from ..report.words import channel_spend, market_accounts, plan_in_words

STUDY_TABLES = {"scenarios": "comparison.csv", "tradeoff": "tradeoff.csv", "alternatives": "alternatives.csv",
                "stochastic": "scenarios.csv"}
PLAN_FOLDERS = {"scenarios": "scenario", "tradeoff": "point", "alternatives": "plan", "stochastic": "scenario"}


def read_table(path: Path) -> pd.DataFrame:
    """A CSV the CLI wrote, with its text marks taken off (data/cells.py)."""
    frame = pd.read_csv(path, dtype=None, keep_default_na=True)
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.assign(**{c: frame[c].map(from_text) for c in text}) if text else frame


def _json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _number(value):
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


def summarize(kind: str, folder: Path, status: str) -> dict:
    """The run list's line: what the command said first, and the headline numbers."""
    out = folder / "out"
    said = (folder / "stdout.txt").read_text(encoding="utf-8", errors="replace").strip().splitlines() \
        if (folder / "stdout.txt").exists() else []
    summary = {"status": status, "headline": said[0] if said else None}
    if kind == "solve" and (doc := _json(out / "solution.json")):
        check = doc.get("check") or {}
        summary.update(solver_status=doc["status"], objective=_number(doc.get("objective")), bound=_number(doc.get("bound")),
                       gap=_number(doc.get("gap")), has_plan=doc.get("has_plan"),
                       checked=bool(check.get("feasible") and check.get("objective_matches")) if check else None,
                       markets=(doc.get("decisions") or {}).get("markets"),
                       warehouses=(doc.get("decisions") or {}).get("warehouses"))
    elif kind == "stochastic" and (doc := _json(out / "stochastic.json")):
        summary.update(solver_status=doc.get("status"), objective=_number(doc.get("objective")),
                       bound=_number(doc.get("bound")), gap=_number(doc.get("gap")), checked=doc.get("checked"))
    elif kind in STUDY_TABLES and (out / STUDY_TABLES[kind]).exists():
        table = read_table(out / STUDY_TABLES[kind])
        checked = bool(table["checked"].fillna(False).all()) if "checked" in table else None
        summary.update(rows=len(table), checked=checked, headline=_study_headline(kind, table, checked))
    return summary


def _study_headline(kind: str, table: pd.DataFrame, checked: bool | None) -> str:
    """"scenarios: 4 plans, every one checked; objective 804,598 to 816,818"."""
    what = {"scenarios": "scenario plan(s)", "tradeoff": "point(s)", "alternatives": "plan(s)"}[kind]
    objective = pd.to_numeric(table["objective"], errors="coerce").dropna() if "objective" in table else pd.Series(dtype=float)
    span = f"; objective {objective.min():,.0f} to {objective.max():,.0f}" if len(objective) else ""
    verdict = "every one checked" if checked else "NOT every one checked"
    return f"{kind}: {len(table)} {what}, {verdict}{span}"


def run_files(folder: Path) -> list[dict]:
    """Every file of a run, by its name inside the run's folder."""
    return [{"name": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size}
            for p in sorted(folder.rglob("*")) if p.is_file()]


def file_in_run(folder: Path, name: str) -> Path | None:
    """The run's file of that listed name, or None: names are looked up, never used as paths."""
    listed = {f["name"] for f in run_files(folder)}
    return folder / name if name in listed else None


def plan_names(kind: str, folder: Path) -> list[str]:
    """The plans a run holds, by name: `plan` for a solve; a study's scenarios, points or ranks."""
    out = folder / "out"
    if kind == "solve":
        return ["plan"] if _has_plan(out) else []
    if kind in ("scenarios", "stochastic"):
        names = [n for n in _study_order(kind, out) if _has_plan(out / n)]
        return names
    prefix = {"tradeoff": "point-", "alternatives": "plan-"}.get(kind)
    if prefix is None:
        return []
    found = [p.name for p in out.glob(f"{prefix}*") if _has_plan(p)]
    return sorted(found, key=lambda n: int(n.removeprefix(prefix)) if n.removeprefix(prefix).isdigit() else 0)


def _study_order(kind: str, out: Path) -> list[str]:
    if kind == "scenarios" and (out / "comparison.csv").exists():
        return [str(s) for s in read_table(out / "comparison.csv")["scenario"]]
    if kind == "stochastic" and (doc := _json(out / "stochastic.json")):
        return list(doc.get("probabilities", {}))
    return []


def _has_plan(folder: Path) -> bool:
    doc = _json(folder / "solution.json")
    return bool(doc and doc.get("has_plan"))


def plan_folder(kind: str, folder: Path, name: str) -> Path | None:
    if name not in plan_names(kind, folder):
        return None
    return folder / "out" if kind == "solve" else folder / "out" / name


def run_instance(folder: Path) -> Instance:
    """The instance a run solved: the one JSON file at the top of its folder besides command.json."""
    files = [p for p in folder.glob("*.json") if p.name != "command.json"]
    return load_instance(files[0])


@lru_cache(maxsize=64)
def plan_view(folder: Path, kind: str, name: str) -> dict | None:
    """Everything the plan page shows of one plan of a finished run (module docstring)."""
    where = plan_folder(kind, folder, name)
    if where is None:
        return None
    base = run_instance(folder)
    doc = _json(where / "solution.json")
    scenarios = folder / "scenarios.csv"
    instance = instance_for(base, doc, scenarios if scenarios.exists() else None) if doc.get("scenario") else base
    view = view_of_folder(where, instance)
    return plan_document(view, name)


def plan_document(view: PlanView, name: str) -> dict:
    ev, cur = view.evaluation, view.currency
    words = view.words if view.words is not None else plan_in_words(view.instance, view.plan)
    return {
        "name": name, "instance": view.instance.name, "currency": cur, "kind": view.kind, "status": view.status,
        "objective": view.objective, "gap": _number(view.gap),
        "check": {"passed": ev.ok, "violations": [vars(v) for v in ev.violations][:50]},
        "kpis": kpis_of(view), "map": network_map(view), "markets": market_table(view), "channels": channel_table(view),
        "warehouses": warehouse_use(view), "marginal": marginal_sentences(view.marginal, cur) if view.marginal is not None else [],
        "words": words, "decisions": decisions_of(view.plan),
    }


def kpis_of(view: PlanView) -> dict:
    ev, plan = view.evaluation, view.plan
    units = sum(o["units"] for o in plan["portfolio"])
    lead = ev.units_by_lead_time
    delivered = sum(lead.values())
    return {
        "objective": view.objective, "revenue": ev.terms["revenue"], "total_cost": ev.terms["total_cost"],
        "profit": ev.terms["profit"], "units": units, "markets_entered": len(plan["markets"]),
        "warehouses_open": len(plan["warehouses"]), "channels_active": len({(c["market"], c["channel"]) for c in plan["channels"]}),
        "avg_lead_time_days": sum(d * u for (_, d), u in lead.items()) / delivered if delivered else None,
        "payment_loss_rate": ev.payment_loss_rate,
    }


def decisions_of(plan: dict) -> dict:
    """The strategic decisions as sorted lists of names (what the comparison diffs)."""
    return {
        "markets": sorted(plan["markets"]), "warehouses": sorted(plan["warehouses"]),
        "channels": sorted({f"{c['market']}/{c['channel']}" for c in plan["channels"]}),
        "mitigation": sorted(m["market"] for m in plan["mitigations"]),
        "payment_methods": sorted(f"{r['market']}/{r['method']}" for r in plan.get("payment_methods", [])),
        "data_hosting": sorted(plan.get("data_hosting", [])),
        "data_transfers": sorted(plan.get("data_transfers", [])),
        "container_lanes": sorted({r["lane"] for r in plan.get("containers", []) if r["count"] > 0}),
        "creators": sorted({r["creator"] for r in plan.get("creators", []) if r["campaigns"] > 0}),
        "origins": sorted({f["origin"] for f in plan["flows"] if f.get("origin") is not None and f["units"] > 0}),
        "product_markets": sorted({f"{o['product']}@{o['market']}" for o in plan["portfolio"]}),
    }


def network_map(view: PlanView) -> dict:
    """The origins, the warehouses (open or not), the markets (entered or not) with their places,
    and the lanes the plan uses, by mode, with the units they carry over the horizon."""
    inst, plan = view.instance, view.plan
    nodes, unplaced = [], []
    if inst.table("origins").empty:
        origin = origin_of(inst.settings)
        nodes.append({"id": "origin", "kind": "origin", "lat": origin[0], "lon": origin[1], "active": True})
    open_origins = set(plan.get("origins", []))
    for kind, table, known, chosen in (("origin", "origins", ORIGINS, open_origins),
                                       ("warehouse", "warehouses", WAREHOUSES, set(plan["warehouses"])),
                                       ("market", "markets", COUNTRIES, set(plan["markets"]))):
        key = kind
        for row in inst.table(table).to_dict("records"):
            place = place_of(row[key], row.get("latitude"), row.get("longitude"), known)
            if place is None:
                unplaced.append(row[key])
                continue
            nodes.append({"id": row[key], "kind": kind, "lat": place[0], "lon": place[1], "active": row[key] in chosen})
    lanes = inst.table("lanes").set_index("lane")["mode"]
    flows = pd.DataFrame(plan["flows"], columns=["product", "lane", "kind", "from", "to", "units"] if not plan["flows"] else None)
    edges = []
    if len(flows):
        flows["mode"] = flows["lane"].map(lanes)
        by = flows.groupby(["from", "to", "mode", "kind"], as_index=False)["units"].sum()
        edges = [{"from": r["from"], "to": r["to"], "mode": r["mode"], "kind": r["kind"], "units": float(r["units"])}
                 for r in by.to_dict("records") if r["units"] > 1e-9]
    return {"nodes": nodes, "lanes": edges, "unplaced": unplaced}


def market_table(view: PlanView) -> dict:
    """Profit and loss per entered market (report/words.py, market_account) and the shared terms
    that no one market carries, so that the rows add up to the plan's profit."""
    accounts = market_accounts(view.instance, view.plan)
    rows = accounts.to_dict("records") if len(accounts) else []
    shared = view.evaluation.terms["profit"] - float(accounts["net"].sum() if len(accounts) else 0.0)
    note = "warehouses' fixed costs and certifications" + (", origins' fixed costs" if view.evaluation.terms["origins"] else "")
    if view.instance.seasonal:
        note += ", and freight at the periods' own rates and stock holding beyond the base rates"
    return {"rows": rows, "shared": -shared, "shared_note": note, "profit": view.evaluation.terms["profit"]}


def channel_table(view: PlanView) -> list[dict]:
    """Each channel the plan runs: its spend (market_account's rule, with the fees of the creators
    booked on it), the units and revenue attributed to it, and the return on spend (attributed
    revenue / spend). A pair's units are attributed to its organic demand and the channels running
    in its market in proportion to the demand each can bring (base_demand, the channel's potential
    and the buyers of the distinct people its creators reach)."""
    inst, plan = view.instance, view.plan
    net = inst.network
    running = {(c["market"], c["channel"]) for c in plan["channels"]}
    if not running:
        return []
    sold = pd.DataFrame(plan["portfolio"]).assign(revenue=lambda f: f["units"] * f["price"])
    sold = sold.groupby(["product", "market"], as_index=False)[["units", "revenue"]].sum()
    pot = net.potentials[[(m, c) in running for m, c in zip(net.potentials["market"], net.potentials["channel"])]]
    pot = pd.concat([pot[["pair", "product", "market", "channel", "pot"]], _creator_potentials(inst, plan)], ignore_index=True)
    reach = net.pairs["base_demand"].fillna(0.0).add(pot.groupby("pair")["pot"].sum(), fill_value=0.0)
    share = pot.assign(share=pot["pot"].to_numpy() / reach.reindex(pot["pair"]).where(lambda r: r > 0).to_numpy())
    share = share.merge(sold, on=["product", "market"])
    share["units"] *= share["share"]
    share["revenue"] *= share["share"]
    attributed = share.groupby(["market", "channel"])[["units", "revenue"]].sum()
    spend = channel_spend(inst, plan)
    for (m, c), fees in creators_table(inst, plan).groupby(["market", "channel"])["fees"].sum().items():
        spend[(m, c)] = spend.get((m, c), 0.0) + fees
    rows = []
    for m, c in sorted(running):
        units = float(attributed["units"].get((m, c), 0.0))
        revenue = float(attributed["revenue"].get((m, c), 0.0))
        cost = spend.get((m, c), 0.0)
        rows.append({"market": m, "channel": c, "spend": cost, "units": units, "revenue": revenue,
                     "return_on_spend": revenue / cost if cost > 0 else None})
    return rows


def _creator_potentials(inst, plan: dict) -> pd.DataFrame:
    """(pair, product, market, channel, pot) of the buyers the plan's creators bring over the
    horizon: coef x the distinct people each group reaches (its creator_reach records)."""
    columns = ["pair", "product", "market", "channel", "pot"]
    reached = pd.DataFrame(plan.get("creator_reach", []))
    if reached.empty:
        return pd.DataFrame(columns=columns)
    sets, pairs = inst.network.creators, inst.network.pairs
    distinct = reached.groupby(["market", "channel", "category"])["distinct_reach"].sum()
    links = sets.links.merge(sets.groups.reset_index(names="group"), on="group")
    links["pot"] = links["coef"] * distinct.reindex(pd.MultiIndex.from_frame(links[["market", "channel", "category"]])).fillna(0.0).to_numpy()
    links["product"] = pairs["product"].reindex(links["pair"]).to_numpy()
    return links.loc[links["pot"] > 0, columns]


def warehouse_use(view: PlanView) -> list[dict]:
    """Each open warehouse's use of its capacity in each period (the checker's row 10 ratio)."""
    rows = []
    for w in view.plan["warehouses"]:
        for period, use in (view.evaluation.utilisation_by_period.get(w) or {}).items():
            rows.append({"warehouse": w, "period": period if period is not None else "horizon", "use": use})
    return rows


def study_table(kind: str, folder: Path) -> dict | None:
    """A study's own table (comparison, frontier, alternatives, stochastic scenarios) as records;
    a sweep's comparison carries `swept` and `swept_value` (data/scenarios.py)."""
    name = STUDY_TABLES.get(kind)
    path = folder / "out" / name if name else None
    if path is None or not path.exists():
        return None
    table = read_table(path)
    return {"columns": list(table.columns), "rows": json.loads(table.to_json(orient="records"))}


def compare(plans: list[dict]) -> dict:
    """Plans side by side: their KPIs, the decisions that differ from the first, and the map's
    differences (lanes used by one and not the other, nodes switched)."""
    first = plans[0]
    changes = []
    for other in plans[1:]:
        diff = {}
        for key, names in other["decisions"].items():
            before = set(first["decisions"][key])
            diff[key] = {"added": sorted(set(names) - before), "dropped": sorted(before - set(names))}
        changes.append({"name": other["label"], "changes": diff, "map": _map_difference(first["map"], other["map"])})
    return {"plans": [{"label": p["label"], "kpis": p["kpis"], "status": p["status"], "currency": p["currency"], "map": p["map"]}
                      for p in plans], "changes": changes}


def _map_difference(a: dict, b: dict) -> dict:
    lanes_a = {(e["from"], e["to"], e["mode"]): e["units"] for e in a["lanes"]}
    lanes_b = {(e["from"], e["to"], e["mode"]): e["units"] for e in b["lanes"]}
    active_a = {n["id"] for n in a["nodes"] if n["active"]}
    active_b = {n["id"] for n in b["nodes"] if n["active"]}
    lane = lambda k: {"from": k[0], "to": k[1], "mode": k[2]}  # noqa: E731
    return {
        "lanes_added": [lane(k) | {"units": lanes_b[k]} for k in sorted(set(lanes_b) - set(lanes_a))],
        "lanes_dropped": [lane(k) | {"units": lanes_a[k]} for k in sorted(set(lanes_a) - set(lanes_b))],
        "nodes_on": sorted(active_b - active_a), "nodes_off": sorted(active_a - active_b),
    }
