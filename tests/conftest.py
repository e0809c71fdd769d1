"""Shared helpers: tiny instances written as JSON, solved exactly and checked independently."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from xborder.check import Evaluation, check_plan
from xborder.data.instance import Instance, load_instance
from xborder.models.build import build_model
from xborder.models.extract import extract_plan
from xborder.models.formulation import Formulation, Sourcing
from xborder.solvers import SolveOptions, SolveResult, get_solver

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "instances" / "demo.json"
EXACT = SolveOptions(mip_gap=1e-9)


def base_instance(**settings) -> dict:
    """One product P (cost 2, price 10, 1 kg, 0.01 m3) and one market A with 100 units of organic
    demand, served by one direct lane costing 1 per unit with a 1 + 3 = 4 day lead time.
    Hand value: profit = (10 - 2 - 1) * 100 = 700.
    """
    return {
        "settings": {"holding_rate": 0, **settings},
        "markets": [{"market": "A"}],
        "products": [{"product": "P", "unit_cost": 2, "base_price": 10, "weight_kg": 1, "volume_m3": 0.01}],
        "product_markets": [{"product": "P", "market": "A", "base_demand": 100}],
        "lanes": [{"lane": "dA", "from": "origin", "to": "A", "mode": "postal", "transit_days": 3, "cost_per_unit": 1}],
    }


def add_market(doc: dict, market: str, base_demand: float = 100, lane_cost: float = 1, **columns) -> dict:
    """Another market like A (same product, 100 organic units, a direct lane costing lane_cost)."""
    doc = copy.deepcopy(doc)
    doc["markets"].append({"market": market, **columns})
    doc["product_markets"].append({"product": "P", "market": market, "base_demand": base_demand})
    doc["lanes"].append({"lane": f"d{market}", "from": "origin", "to": market, "mode": "postal", "transit_days": 3,
                         "cost_per_unit": lane_cost})
    return doc


def one_origin(doc: dict) -> dict:
    """The document before its origins tables: the lanes of the first origin start at 'origin'
    again, the other origins' lanes (and their containers rows) are gone."""
    doc = copy.deepcopy(doc)
    origins = [row["origin"] for row in doc.pop("origins", [])]
    for table in ("origin_costs", "origin_duties"):
        doc.pop(table, None)
    if not origins:
        return doc
    hub, others = origins[0], set(origins[1:])
    gone = {lane["lane"] for lane in doc["lanes"] if lane["from"] in others}
    doc["lanes"] = [{**lane, "from": "origin"} if lane["from"] == hub else lane
                    for lane in doc["lanes"] if lane["lane"] not in gone]
    if "containers" in doc:
        doc["containers"] = [row for row in doc["containers"] if row["lane"] not in gone]
    return doc


def tight_demo(folder: Path) -> Path:
    """The demo with the US average-delivery target at 4 days instead of 6.5, so that it binds and
    has a marginal value (the demo's US averages 4.3 days: its tariffs by origin make Los Angeles
    stock far cheaper than parcels, which pay duty on their price)."""
    doc = json.loads(DEMO.read_text())
    for row in doc["markets"]:
        if row["market"] == "US":
            row["target_avg_lead_time_days"] = 4.0
    return write(doc, folder, "demo")


def write(doc: dict, folder: Path, name: str = "tiny") -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def write_csv_folder(folder: Path, markets_csv: str, lanes_csv: str) -> Path:
    """A CSV-folder instance with the given markets and lanes tables, one product P and empty
    settings (every default)."""
    folder.mkdir()
    (folder / "settings.json").write_text("{}")
    (folder / "markets.csv").write_text(markets_csv)
    (folder / "products.csv").write_text("product,unit_cost,base_price,weight_kg,volume_m3\nP,2,10,1,0.01\n")
    (folder / "lanes.csv").write_text(lanes_csv)
    return folder


@dataclass
class Solved:
    instance: Instance
    result: SolveResult
    plan: dict | None
    evaluation: Evaluation | None

    @property
    def objective(self) -> float | None:
        return self.result.objective if self.result.has_solution else None


def solve_doc(doc: dict, folder: Path, form: Formulation | None = None, drop: tuple[str, ...] = (),
              options: SolveOptions = EXACT) -> Solved:
    """Solve a tiny instance to a 1e-9 gap (or with `options`); `drop` deactivates named constraint families first."""
    instance = load_instance(write(doc, folder))
    form = form or Formulation()
    model = build_model(instance, form)
    for name in drop:
        model.component(name).deactivate()
    result = get_solver("highs").solve(model, options)
    plan = evaluation = None
    if result.has_solution:
        plan = extract_plan(model)
        evaluation = check_plan(instance, plan, result.objective, form.sourcing is Sourcing.SINGLE)
    return Solved(instance, result, plan, evaluation)


def close(a: float | None, b: float, rel: float = 1e-6) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


@pytest.fixture
def tmp(tmp_path):
    return tmp_path
