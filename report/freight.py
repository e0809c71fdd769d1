"""Freight in full containers and LCL per container lane, from an instance and a plan alone
(docs/model.md, "Containers"): the one account the summary, the plan in words and the output
tables share."""

from __future__ import annotations

import numpy as np
import pandas as pd


def containers_table(instance, plan: dict) -> pd.DataFrame:
    """Per container lane (and period) that carries units: the full containers, the m3 and kg in
    them and how full they are, the freight tonnes sent LCL, what the containers and the LCL cost,
    what every unit at LCL would have cost, and the saving (docs/model.md, "Containers"). Costs
    carry the period's freight multiplier."""
    rules = instance.table("containers").set_index("lane")
    products = instance.table("products").set_index("product")
    modes = instance.table("lanes").set_index("lane")["mode"]
    surcharge = {(r.mode, r.period): r.cost_multiplier for r in instance.table("period_freight").itertuples()}
    flows = pd.DataFrame([f for f in plan["flows"] if f["lane"] in rules.index],
                         columns=["product", "lane", "period", "units", "in_containers"])
    flows["period"] = flows["period"].astype(object).where(flows["period"].notna(), None)
    flows["in_containers"] = flows["in_containers"].fillna(0.0)
    tonnes = np.maximum(products["volume_m3"], products["weight_kg"] / 1000.0)
    flows["lcl_freight_tonnes"] = (flows["units"] - flows["in_containers"]) * flows["product"].map(tonnes)
    flows["all_lcl_tonnes"] = flows["units"] * flows["product"].map(tonnes)
    flows["m3_in_containers"] = flows["in_containers"] * flows["product"].map(products["volume_m3"])
    flows["kg_in_containers"] = flows["in_containers"] * flows["product"].map(products["weight_kg"])
    count = {(r["lane"], r.get("period")): r["count"] for r in plan.get("containers", [])}
    rows = []
    for (lane, period), group in flows.groupby(["lane", "period"], dropna=False, sort=False):
        period = None if isinstance(period, float) else period
        rule, n = rules.loc[lane], count.get((lane, period), 0)
        factor = surcharge.get((modes[lane], period), 1.0)
        lcl_cost = group["lcl_freight_tonnes"].sum() * rule["lcl_rate_per_m3"] * factor
        all_lcl = group["all_lcl_tonnes"].sum() * rule["lcl_rate_per_m3"] * factor
        box_cost = n * rule["cost_per_container"] * factor
        m3 = group["m3_in_containers"].sum()
        rows.append({"lane": lane, "period": period, "container": rule["container"], "containers": n,
                     "m3_in_containers": m3, "kg_in_containers": group["kg_in_containers"].sum(),
                     "fill": m3 / (n * rule["capacity_m3"]) if n else float("nan"),
                     "lcl_freight_tonnes": group["lcl_freight_tonnes"].sum(), "container_cost": box_cost,
                     "lcl_cost": lcl_cost, "all_lcl_cost": all_lcl, "saving": all_lcl - box_cost - lcl_cost})
    frame = pd.DataFrame(rows, columns=["lane", "period", "container", "containers", "m3_in_containers", "kg_in_containers",
                                        "fill", "lcl_freight_tonnes", "container_cost", "lcl_cost", "all_lcl_cost", "saving"])
    return frame if "stock" in plan else frame.drop(columns="period")


def container_name(value) -> str:
    """The container type a containers row names, or "container" where it names none."""
    return value if isinstance(value, str) and value else "container"
