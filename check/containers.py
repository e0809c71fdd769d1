"""The checker's container rows (docs/model.md, "Containers", rows C1-C3) and their freight,
recomputed from the `containers` table, the plan's `containers` and the `in_containers` of its
flows. Each function takes the `PlanChecker` (plan.py)."""

from __future__ import annotations

from collections import defaultdict

from .solution import as_number


def read_rules(c, tables: dict):
    """The containers rows by lane."""
    c.container_rules = {r["lane"]: r for r in tables["containers"].to_dict("records")}


def lcl_freight(c, p, lane_id) -> float:
    """LCL freight of one unit of p on a container lane: lcl_rate_per_m3 times its freight tonnes,
    its m3 or its weight in tonnes, whichever is more."""
    product = c.products[p]
    tonnes = max(product["volume_m3"], product["weight_kg"] / 1000.0)
    return c.container_rules[lane_id]["lcl_rate_per_m3"] * tonnes


def read_plan(c, plan: dict):
    """Units in full containers per (product, lane, period) and full containers per (lane,
    period). A lane without a containers row, or an unknown period, is flagged and left out."""
    c.in_boxes, c.boxes = defaultdict(float), defaultdict(float)
    for f in plan.get("flows", []):
        units = as_number(f.get("in_containers", 0.0))
        key = (f["product"], f["lane"])
        if not units or key not in c.flows:
            continue
        if f["lane"] not in c.container_rules:
            c.flag("row C1 units in containers on a lane without containers", "/".join(key), units)
            continue
        period = _period(c, f)
        if period is not False:
            c.in_boxes[(*key, period)] += units
    for record in plan.get("containers", []):
        lane = record["lane"]
        if lane not in c.container_rules:
            c.flag("unknown id in containers", lane, 1.0)
            continue
        period = c._period_of(record, "containers")
        if period is not False:
            c.boxes[(lane, period)] += as_number(record["count"])


def _period(c, record: dict):
    """A flow's period (None with one period); False where the calendar does not know it (the
    flow's own reading flags that)."""
    if not c.calendar.named:
        return None
    period = record.get("period")
    return period if period in c.calendar.length else False


def check_containers(c):
    """Row C1: 0 <= units in containers <= the flow; rows C2-C3: the m3 and kg in full
    containers on a lane in a period within count * capacity_m3 and count * capacity_kg; a
    count is a whole number >= 0."""
    volume, weight = defaultdict(float), defaultdict(float)
    for (p, lane, t), units in c.in_boxes.items():
        name = f"{p}/{lane}" + (f"/{t}" if t is not None else "")
        if units < 0:
            c.flag("row C1 units in containers must be >= 0", name, -units)
        c.leq("row C1 units in containers within the flow", name, units, c.flow_t.get((p, lane, t), 0.0))
        volume[(lane, t)] += c.products[p]["volume_m3"] * units
        weight[(lane, t)] += c.products[p]["weight_kg"] * units
    for (lane, t), count in c.boxes.items():
        if count < 0 or abs(count - round(count)) > 1e-6:
            c.flag("containers must be a whole number >= 0", f"{lane}/{t}", abs(count - round(count)) or -count)
    for key in set(volume) | set(c.boxes):
        rule, count, name = c.container_rules[key[0]], c.boxes.get(key, 0.0), "/".join(str(k) for k in key if k is not None)
        c.leq("row C2 container volume", name, volume.get(key, 0.0), rule["capacity_m3"] * count)
        c.leq("row C3 container weight", name, weight.get(key, 0.0), rule["capacity_kg"] * count)


def container_freight(c) -> float:
    """cost_per_container of each full container, less the LCL freight of the units in them (the
    flows' transport already prices every unit of a container lane at LCL), each at its period's
    freight multiplier."""
    mode = lambda lane: c.lanes[lane]["mode"]  # noqa: E731
    boxes = sum(c.container_rules[lane]["cost_per_container"] * c.calendar.freight(mode(lane), t) * count
                for (lane, t), count in c.boxes.items())
    saved = sum(lcl_freight(c, p, lane) * c.calendar.freight(mode(lane), t) * units
                for (p, lane, t), units in c.in_boxes.items())
    return boxes - saved
