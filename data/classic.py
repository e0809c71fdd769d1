"""Classic facility-location benchmarks read as xborder instances (docs/model.md, "Classic special cases").

OR-Library capacitated warehouse location (`cap41`..`cap134`, `capa`/`capb`/`capc`) and Holmberg's
single-source instances (`p1`..`p71`) become: one product of volume 1 and weight 1 at zero price
and cost; customers as markets with fixed demand (`objective = cost`); no direct lanes; a free
linehaul lane into each facility; last-mile cost per unit = (cost of serving all of j's demand
from i) / demand[j]; facility fixed cost and capacity from the file. The optimum of the xborder
model is then the published one.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InstanceError, Issue

FORMATS = ("xborder", "orlib-cap", "holmberg")
ORLIB_OPEN_CAPACITY = {"capa": (8000, 10000, 12000, 14000), "capb": (5000, 6000, 7000, 8000), "capc": (5000, 5750, 6500, 7250)}


class _Tokens:
    """Whitespace-separated tokens with located parse errors."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.items = path.read_text(encoding="utf-8").split()
        except (OSError, UnicodeDecodeError) as err:
            raise InstanceError([Issue(str(path), "-", f"cannot read the file: {err}")]) from None
        self.pos = 0

    def error(self, message: str) -> InstanceError:
        return InstanceError([Issue(self.path.name, "file", f"token {self.pos + 1}: {message}")])

    def raw(self) -> str:
        if self.pos >= len(self.items):
            raise self.error("the file ends early")
        token = self.items[self.pos]
        self.pos += 1
        return token

    def number(self, what: str) -> float:
        token = self.raw()
        try:
            return float(token)
        except ValueError:
            self.pos -= 1
            raise self.error(f"expected a number ({what}), got '{token}'") from None

    def count(self, what: str) -> int:
        value = self.number(what)
        if value != int(value) or value <= 0:
            self.pos -= 1
            raise self.error(f"expected a positive whole number ({what})")
        return int(value)

    def finish(self):
        if self.pos != len(self.items):
            raise self.error(f"{len(self.items) - self.pos} unexpected token(s) after the data")


def facility_location_document(name, capacities, fixed, demand, cost) -> dict:
    """The section-7 instance: cost[i][j] is the cost of serving all of j's demand from i.

    `capacities[i]` may be None (uncapacitated)."""
    facilities = [f"F{i + 1}" for i in range(len(fixed))]
    customers = [f"C{j + 1}" for j in range(len(demand))]
    warehouses = []
    for f, cap, fc in zip(facilities, capacities, fixed):
        row = {"warehouse": f, "fixed_cost": fc}
        if cap is not None:
            row["capacity_m3"] = cap
        warehouses.append(row)
    lanes = [{"lane": f"origin-{f}", "from": "origin", "to": f, "mode": "truck", "transit_days": 0} for f in facilities]
    for i, f in enumerate(facilities):
        for j, c in enumerate(customers):
            lanes.append({"lane": f"{f}-{c}", "from": f, "to": c, "mode": "courier", "transit_days": 0,
                          "cost_per_unit": cost[i][j] / demand[j]})
    return {
        "settings": {"name": name, "objective": "cost", "holding_rate": 0, "origin_processing_days": 0},
        "markets": [{"market": c} for c in customers],
        "products": [{"product": "unit", "unit_cost": 0, "base_price": 0, "weight_kg": 1, "volume_m3": 1}],
        "product_markets": [{"product": "unit", "market": c, "demand": d} for c, d in zip(customers, demand)],
        "warehouses": warehouses,
        "lanes": lanes,
    }


def read_orlib_cap(path: str | Path, capacity: float | None = None, uncapacitated: bool = False) -> dict:
    """OR-Library `cap*` file: m n; m x (capacity fixed_cost); n x (demand, m costs)."""
    path = Path(path)
    tokens = _Tokens(path)
    m, n = tokens.count("number of warehouses"), tokens.count("number of customers")
    capacities, fixed = [], []
    for _ in range(m):
        if tokens.items[tokens.pos:tokens.pos + 1] == ["capacity"]:
            tokens.raw()
            if capacity is None and not uncapacitated:
                published = ORLIB_OPEN_CAPACITY.get(path.stem)
                hint = f" (published: {', '.join(map(str, published))})" if published else ""
                raise InstanceError([Issue(path.name, "file", f"the capacity is left open in this file: pass --capacity{hint} or --uncapacitated")])
            capacities.append(capacity)
        else:
            value = tokens.number("capacity")
            capacities.append(capacity if capacity is not None else value)
        fixed.append(tokens.number("fixed cost"))
    demand, columns = [], []
    for _ in range(n):
        demand.append(tokens.number("demand"))
        columns.append([tokens.number("allocation cost") for _ in range(m)])
    tokens.finish()
    if uncapacitated:
        capacities = [None] * m
    cost = [[columns[j][i] for j in range(n)] for i in range(m)]
    name = path.stem + (f"-{capacity:g}" if capacity is not None else "") + ("-uncap" if uncapacitated else "")
    return facility_location_document(name, capacities, fixed, demand, cost)


def read_holmberg(path: str | Path) -> dict:
    """Holmberg et al. file: m n; m x (capacity fixed_cost); n demands; m blocks of n costs."""
    path = Path(path)
    tokens = _Tokens(path)
    m, n = tokens.count("number of facilities"), tokens.count("number of customers")
    capacities, fixed = [], []
    for _ in range(m):
        capacities.append(tokens.number("capacity"))
        fixed.append(tokens.number("fixed cost"))
    demand = [tokens.number("demand") for _ in range(n)]
    cost = [[tokens.number("allocation cost") for _ in range(n)] for _ in range(m)]
    tokens.finish()
    return facility_location_document(path.stem, capacities, fixed, demand, cost)


def read_classic(path, fmt: str, capacity: float | None = None, uncapacitated: bool = False) -> dict:
    if fmt == "orlib-cap":
        return read_orlib_cap(path, capacity, uncapacitated)
    if fmt == "holmberg":
        return read_holmberg(path)
    raise ValueError(f"unknown classic format '{fmt}'")
