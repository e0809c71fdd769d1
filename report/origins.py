"""Where a plan sources from, from an instance and a plan alone (docs/model.md, "Origins"): the one
account the summary, the plan in words, the output table and the report share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.network import LASTMILE, LINEHAUL
from ..data.schema import ORIGIN

COLUMNS = ["origin", "name", "open", "fixed_cost", "units", "markets", "categories", "goods_cost", "duties"]


def supplied(instance, plan: dict) -> pd.DataFrame:
    """The plan's deliveries (direct and last-mile flows) with their origin, market, category,
    units, cost of the goods at the origin and the duty they pay (the arc's, docs/model.md)."""
    flows = [f for f in plan["flows"] if f["kind"] != LINEHAUL]
    frame = pd.DataFrame({"product": [f["product"] for f in flows], "lane": [f["lane"] for f in flows],
                          "origin": [f.get("origin", f["from"] if f["kind"] != LASTMILE else ORIGIN) for f in flows],
                          "market": [f["to"] for f in flows], "units": [float(f["units"]) for f in flows]})
    arcs = instance.network.arcs.set_index(["product", "lane", "origin"])
    key = pd.MultiIndex.from_frame(frame[["product", "lane", "origin"]])
    frame["cost_at_origin"] = arcs["cost_at_origin"].reindex(key).to_numpy()
    frame["duty"] = arcs["duty"].reindex(key).to_numpy()
    frame["category"] = instance.table("products").set_index("product")["category"].reindex(frame["product"]).to_numpy()
    return frame


def origins_table(instance, plan: dict) -> pd.DataFrame:
    """Per origin: its name, whether the plan sources from it, its fixed cost, the units it
    supplies, the markets and categories they go to, what they cost there and the duties they pay."""
    origins = instance.network.origins
    frame = supplied(instance, plan)
    opened = set(plan.get("origins", list(origins.index)))
    rows = []
    for g, row in origins.iterrows():
        own = frame[frame["origin"] == g]
        rows.append({"origin": g, "name": row.get("name", ""), "open": g in opened,
                     "fixed_cost": float(row["fixed_cost"]) if g in opened else 0.0,
                     "units": float(own["units"].sum()), "markets": ";".join(dict.fromkeys(own["market"])),
                     "categories": ";".join(dict.fromkeys(own["category"])),
                     "goods_cost": float((own["units"] * own["cost_at_origin"]).sum()),
                     "duties": float((own["units"] * own["duty"]).sum())})
    return pd.DataFrame(rows, columns=COLUMNS)


def origin_lines(accounts) -> list[str]:
    """Per origin of an instance with an origins table: what it supplies, where, and its fixed cost
    against what sourcing there saves on those units (goods, freight and duties) over the cheapest
    route from another origin; for one not used, the estimate of what it would save on the units
    sold now, with the question that answers it exactly."""
    instance, plan = accounts.instance, accounts.plan
    if instance.tables["origins"].empty:
        return []
    table = origins_table(instance, plan).set_index("origin")
    best = _best_route_by_origin(accounts)
    frame = supplied(instance, plan)
    cur, lines = accounts.currency, []
    for g, row in table.iterrows():
        fixed = float(instance.network.origins.at[g, "fixed_cost"])
        if row["units"] > 0:
            lines.append(_used_origin(g, row, fixed, _saving_of(frame, best, g, used=True), cur))
        else:
            saving = _saving_of(frame, best, g, used=False)
            verdict = "not worth it even in the best case" if saving <= fixed else "the best case would pay; other limits decide"
            lines.append(f"{g} not used: estimate, at most {_money(saving, cur)} saved on the units sold now (goods, freight "
                         f"and duties) against its fixed cost of {_money(fixed, cur)}: {verdict}; xborder explain --why "
                         f"origin={g} gives the exact answer")
    return lines


def _used_origin(g: str, row, fixed: float, saving: float, cur: str) -> str:
    opened = f" (opened for {_money(fixed, cur)})" if fixed > 0 else ""
    text = (f"{g}{' ' + row['name'] if isinstance(row['name'], str) and row['name'] else ''}{opened} supplies "
            f"{row['units']:,.0f} units ({row['categories'].replace(';', ', ')}) to {row['markets'].replace(';', ', ')}, "
            f"duties {_money(row['duties'], cur)}")
    if fixed > 0:
        verdict = "saves more than it costs" if saving >= fixed else "costs more than it saves on these units alone"
        text += (f"; from the cheapest other origin they would cost {_money(saving, cur)} more (goods, freight and duties), "
                 f"against its fixed cost: it {verdict}")
    return text


def _best_route_by_origin(accounts) -> pd.DataFrame:
    """Per (product, market, origin): the landed cost of one unit on its cheapest route from the
    origin (a direct lane, or a linehaul and a last mile), the goods above unit_cost included."""
    arcs = accounts.net.arcs
    direct = arcs[arcs["kind"] == "direct"]
    routes = pd.concat([
        pd.DataFrame({"product": direct["product"], "market": direct["market"], "origin": direct["origin"],
                      "cost": (direct["unit_cost"] + direct["goods"]).to_numpy()}),
        accounts.via_warehouse[["product", "market", "origin", "route_cost"]].rename(columns={"route_cost": "cost"}),
    ])
    return routes.groupby(["product", "market", "origin"])["cost"].min()


def _saving_of(frame: pd.DataFrame, best: pd.Series, g: str, used: bool) -> float:
    """Used: what g's units would cost more from the cheapest other origin; not used: what the
    units sold now would save from g, where g is cheaper than the route they take (pairs that g
    or the other origins cannot serve count nothing)."""
    costs = best.rename("cost").reset_index()
    at_g = costs[costs["origin"] == g].drop(columns="origin").rename(columns={"cost": "at_g"})
    units = (frame[(frame["origin"] == g) == used].groupby(["product", "market", "origin"], as_index=False)["units"]
             .sum().merge(at_g, on=["product", "market"]))
    if used:
        other = costs[costs["origin"] != g].groupby(["product", "market"], as_index=False)["cost"].min()
        units = units.merge(other, on=["product", "market"])
    else:
        units = units.merge(costs, on=["product", "market", "origin"])
    return float((np.maximum(0.0, units["cost"] - units["at_g"]) * units["units"]).sum())


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"
