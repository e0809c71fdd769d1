"""Why: what had to give for an infeasible instance, and what a decision is worth.

- `diagnose_infeasibility`: one elastic solve. Every row of a planner-facing family
  (models/families.py: budgets, counts, promises' service targets and levels, capacities,
  committed volumes, risk and concentration caps) gets a slack column, and every forced decision
  (must_enter, must_open, must_offer) may be broken; the objective prices each slack relative to
  the size of its limit (1% over a budget costs as much as 1% over a capacity) and each broken
  forced decision as 200% (an explicit requirement gives way only after a limit). It always has a solution unless the data itself (lanes, demands in
  cost mode) leaves none, and it says by how much each setting had to give, in the setting's
  unit. One MIP instead of one re-solve per family.
- `why`: the plan with one decision forced the other way, and the money terms that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..check import MONEY_TERMS
from ..data.instance import Instance
from ..models.build import build_model
from ..models.containers import container_lanes
from ..models.families import FAMILIES, FORCED, in_setting_units
from ..models.formulation import Formulation, Sourcing
from ..models.parts import over_periods
from ..solvers import SolveOptions, get_solver
from ..solvers.budget import INF
from ..solvers.compile import CompiledModel, Matrices

FORCED_WEIGHT = 2.0  # a broken must_* decision costs as much as exceeding a limit by 200%
SLACK_SHOWN = 1e-6  # relative to the limit: smaller slacks are solver noise


@dataclass
class Shortfall:
    setting: str
    family: str  # a row family, or "forced"
    key: str
    amount: float  # in the setting's unit
    unit: str
    text: str


@dataclass
class Diagnosis:
    solved: bool  # the elastic model found a plan (False: the data leaves none, or out of time)
    shortfalls: list[Shortfall] = field(default_factory=list)
    single_source: list[str] = field(default_factory=list)
    message: str = ""

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(s) for s in self.shortfalls], columns=["setting", "family", "key", "amount", "unit", "text"])


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


def _row_scales(compiled: CompiledModel, rows: np.ndarray) -> np.ndarray:
    """The size of each row's limit: its right-hand side, or (right-hand side 0, e.g. a capacity
    times y) its largest coefficient."""
    limit = np.where(np.isfinite(compiled.row_upper[rows]), compiled.row_upper[rows], compiled.row_lower[rows])
    largest = abs(compiled.A[rows, :]).max(axis=1).toarray().ravel() if len(rows) else np.zeros(0)
    return np.maximum(1.0, np.where(np.abs(limit) > 0, np.abs(limit), largest))


def _elastic(model, compiled: CompiledModel, cost_mode: bool):
    """Add the slack columns and free the forced decisions; returns (slack rows, slack signs,
    forced columns) for reading the answer back."""
    rows = np.concatenate([np.arange(start, end) for name, (start, end, _) in compiled.families.items()
                           if name in FAMILIES] or [np.zeros(0, dtype=int)]).astype(int)
    upper = np.isfinite(compiled.row_upper[rows])
    lower = np.isfinite(compiled.row_lower[rows])
    slack_rows = np.concatenate([rows[upper], rows[lower]])
    signs = np.concatenate([-np.ones(upper.sum()), np.ones(lower.sum())])  # a x - s <= ub; a x + s >= lb
    weights = 1.0 / _row_scales(compiled, slack_rows)
    n_rows, n_cols = compiled.A.shape[0], len(compiled.columns)
    slack = sp.csc_matrix((signs, (slack_rows, np.arange(len(slack_rows)))), shape=(n_rows, len(slack_rows)))
    forced = []
    for name in FORCED:
        if cost_mode and name == "z":
            continue  # in cost mode z = 1 is the demand itself, not a planner's choice
        cols = model.cols
        if not cols.has(name):
            continue
        span = np.arange(cols.start[name], cols.start[name] + len(cols.keys[name]))
        fixed_on = span[(compiled.col_lower[span] == 1.0) & (compiled.col_upper[span] == 1.0)]
        forced += [(name, j) for j in fixed_on]
    cost = np.zeros(n_cols)
    col_lower = compiled.col_lower.copy()
    for _, j in forced:
        col_lower[j] = 0.0
        cost[j] = -FORCED_WEIGHT  # FORCED_WEIGHT * (1 - x): the constant is left out
    compiled.A = sp.hstack([compiled.A, slack], format="csc")
    compiled.cost = np.concatenate([cost, weights])
    compiled.offset = 0.0
    compiled.col_lower = np.concatenate([col_lower, np.zeros(len(slack_rows))])
    compiled.col_upper = np.concatenate([compiled.col_upper, np.full(len(slack_rows), INF)])
    compiled.integer = np.concatenate([compiled.integer, np.zeros(len(slack_rows), dtype=bool)])
    compiled.columns = range(n_cols + len(slack_rows))
    return slack_rows, forced, n_cols


def _family_of_row(compiled: CompiledModel, row: int):
    for name, (start, end, keys) in compiled.families.items():
        if start <= row < end:
            return name, (keys[row - start] if keys else str(row - start))
    raise KeyError(row)


def _market_volume(model, values: np.ndarray) -> dict:
    """Units sold per market over the horizon."""
    pairs = model.ix.pairs
    i, t = over_periods(model.axis.count, len(pairs))
    q = values[model.cols.at("q", i, t)]
    return pd.Series(q, index=pairs["market"].to_numpy()[i]).groupby(level=0).sum().to_dict()


def _money_unit(unit: str, currency: str) -> str:
    return unit.replace("{cur}", currency)


def _amount_text(amount: float, unit: str) -> str:
    digits = 0 if abs(amount) >= 100 or abs(amount - round(amount)) < 1e-6 else 2
    return f"{amount:,.{digits}f} {unit}"


DIAGNOSIS_SOLVER = "highs"  # the elastic model is assembled as matrices, whichever solver made the plan


def diagnose_infeasibility(instance: Instance, form: Formulation | None = None, time_limit: float = 60.0) -> Diagnosis:
    """The elastic solve of the module docstring, by HiGHS; `time_limit` bounds it."""
    form = form or Formulation()
    blockers = single_source_blockers(instance) if form.sourcing is Sourcing.SINGLE else []
    model = build_model(instance, form)
    compiled = CompiledModel(model)
    slack_rows, forced, n_cols = _elastic(model, compiled, instance.objective == "cost")
    solver = get_solver(DIAGNOSIS_SOLVER, matrices_for="the elastic diagnosis")
    try:
        found = solver.solve_matrices(Matrices.of(compiled), SolveOptions(time_limit=time_limit, mip_gap=1e-6))
    except ValueError as err:
        return Diagnosis(False, [], blockers, str(err))
    if found.values is None:
        return Diagnosis(False, [], blockers, f"the elastic model has no solution ({found.message})")
    values = found.values
    volume = _market_volume(model, values[:n_cols])
    currency = instance.settings["currency"]
    shortfalls = []
    scales = _row_scales(compiled, slack_rows)
    for k, row in enumerate(slack_rows):
        amount = values[n_cols + k]
        if amount <= SLACK_SHOWN * scales[k]:
            continue
        name, key = _family_of_row(compiled, row)
        family = FAMILIES[name]
        amount = in_setting_units(family, key, amount, volume)
        unit = family.unit_text(currency)
        text = family.shortfall.format(key=key, amount=_amount_text(amount, unit))
        shortfalls.append(Shortfall(family.setting, name, key, amount, unit, text))
    for name, j in forced:
        if values[j] < 0.5:
            key = model.cols.keys[name][j - model.cols.start[name]]
            if name == "z":
                key = f"{model.ix.pairs.at[key, 'product']}@{model.ix.pairs.at[key, 'market']}"
            setting, text = FORCED[name]
            shortfalls.append(Shortfall(setting, "forced", str(key), 1.0, "decision", text.format(key=key)))
    return Diagnosis(True, shortfalls, blockers)


def explain(diagnosis: Diagnosis) -> str:
    lines = ["No feasible plan exists for this instance."]
    if diagnosis.single_source:
        lines.append("Under sourcing=single each product-market must be served by one lane, but:")
        lines += [f"  - {text}" for text in diagnosis.single_source]
    if diagnosis.shortfalls:
        lines.append("The least change that makes it feasible (each limit priced relative to its size):")
        lines += [f"  - {s.text} ({s.setting})" for s in diagnosis.shortfalls]
    elif diagnosis.solved:
        lines.append("No setting had to give: the integer decisions themselves leave no plan (check single sourcing).")
    else:
        lines.append(f"It stays infeasible with every limit relaxed ({diagnosis.message}); "
                     "check the data (demands, capacities, lanes).")
    return "\n".join(lines)


# ---- why: one decision forced the other way ----------------------------------------------------

DECISIONS = {"market": "e", "warehouse": "y", "channel": "s", "product": "z", "payment": "o", "hosting": "dh",
             "obligation": "dw", "containers": "nb", "creator": "b", "origin": "src"}
QUESTIONS = ("market=M, warehouse=W, channel=M/C, product=P/M, payment=M/METHOD, hosting=M, obligation=REGIME/OBLIGATION, "
             "containers=LANE, creator=CREATOR or origin=ORIGIN")
PER_PERIOD = ("channel", "containers", "creator")  # decisions with a column in every period
ONE_ID = ("market", "warehouse", "hosting", "containers", "creator", "origin")  # decisions named by one id, not two
COUNTS = ("containers", "creator")  # whole numbers: the other way is none, or one in the busiest period


class QuestionError(ValueError):
    """A --why question that names no decision of this instance (the message says why)."""


@dataclass
class WhyAnswer:
    question: str  # "market=DE"
    planned: bool  # the decision's value in the optimal plan
    base: object  # Run
    forced: object  # Run with the decision the other way (no plan if that is infeasible)
    changes: list  # decisions that differ (studies/compare.plan_changes)
    diagnosis: Diagnosis | None = None  # when forcing leaves no plan

    @property
    def difference(self) -> float | None:
        if not self.forced.has_plan:
            return None
        return self.forced.result.objective - self.base.result.objective

    def effects(self) -> pd.DataFrame:
        """Each money term's effect on the objective (forced plan minus optimal plan), largest
        first: revenue counts up and costs down for profit, costs up for cost (revenue is not part
        of it); the effects add up to `difference`."""
        frame = self.terms()
        frame = frame[frame["term"].isin(MONEY_TERMS)].copy()
        cost_mode = self.base.instance.objective == "cost"
        sign = frame["term"].map(lambda t: 0.0 if (cost_mode and t == "revenue") else (1.0 if (t == "revenue") != cost_mode else -1.0))
        frame["effect"] = sign * frame["difference"]
        frame = frame[frame["effect"] != 0]
        return frame.reindex(frame["effect"].abs().sort_values(ascending=False).index)[["term", "effect"]]

    def terms(self) -> pd.DataFrame:
        """Money terms of the plan and of the forced plan, and their difference (forced - plan)."""
        base = self.base.evaluation.terms
        forced = self.forced.evaluation.terms if self.forced.has_plan else {}
        names = [*MONEY_TERMS, "total_cost", "profit"]
        frame = pd.DataFrame({"term": names, "plan": [base[n] for n in names],
                              "forced": [forced.get(n) for n in names]})
        frame["difference"] = frame["forced"] - frame["plan"]
        return frame


def parse_question(question: str) -> tuple[str, str]:
    kind, sep, what = (s.strip() for s in question.partition("="))
    if not sep or kind not in DECISIONS or not what:
        raise QuestionError(f"--why expects {QUESTIONS}, got '{question}'")
    return kind, what


def _decision_columns(model, instance: Instance, kind: str, what: str) -> list:
    """The model variables of the decision (a channel: in every period), or QuestionError saying
    why it is none."""
    var, index = _decision_index(model, instance, kind, what)
    if kind not in PER_PERIOD:
        return [var[index]]
    K = model.cols.size[DECISIONS[kind]]
    return [var[t * K + index] for t in range(model.axis.count)]


def _one_id_decision(model, instance: Instance, kind: str, what: str):
    """The variable and index of a decision named by one id (market, warehouse, hosting,
    containers, creator, origin), or QuestionError saying why it is none."""
    from ..data.errors import key_hint

    tables = instance.tables
    if kind == "market":
        known = list(tables["markets"]["market"])
        if what not in known:
            raise QuestionError(f"unknown market '{what}'{key_hint(what, known)}")
        return model.e, what
    if kind == "warehouse":
        known = list(tables["warehouses"]["warehouse"])
        if what not in known:
            raise QuestionError(f"unknown warehouse '{what}'{key_hint(what, known)}")
        if what not in model.cols.keys["y"]:
            raise QuestionError(f"warehouse {what} cannot open (forbidden, or without a usable linehaul in and last mile out)")
        return model.y, what
    if kind == "hosting":
        if what not in model.cols.keys["dh"]:
            hostable = list(model.cols.keys["dh"])
            raise QuestionError(f"market '{what}' cannot host its customer data locally (its regime has no data_transfer "
                                "row with a hosting_cost)" + (key_hint(what, hostable) if hostable else ""))
        return model.dh, what
    if kind == "creator":
        return _creator_decision(model, what)
    if kind == "origin":
        return _origin_decision(model, what)
    lanes = container_lanes(model.ix)
    if what not in lanes:
        raise QuestionError(f"lane '{what}' ships no container (no containers row, or no linehaul on it)"
                            + (key_hint(what, list(lanes)) if len(lanes) else ""))
    return model.nb, int(lanes.get_loc(what))


def _origin_decision(model, what: str):
    """The open-or-not decision src of origin `what`, or QuestionError saying why it has none."""
    from ..data.errors import key_hint

    known = [g for g in model.ix.origins.index if model.ix.many_origins]
    if what not in known:
        raise QuestionError(f"unknown origin '{what}'" + (key_hint(what, known) if known else " (no origins table)"))
    if what not in model.cols.keys["src"]:
        raise QuestionError(f"origin {what} has no fixed cost, so it is always open: using it is decided lane by lane; "
                            "a scenario that excludes its lanes prices losing it (docs/decision-support.md)")
    return model.src, what


def _creator_decision(model, what: str):
    """The campaigns b of creator `what`, or QuestionError saying why it has none."""
    from ..data.errors import key_hint

    creators = model.ix.creators
    known = list(creators["creator"])
    if what not in known:
        raise QuestionError(f"unknown creator '{what}'" + (key_hint(what, known) if known else " (no creators table)"))
    if model.ix.cost_mode:
        raise QuestionError("a cost-mode instance books no creator (its demand is fixed)")
    return model.b, known.index(what)


def _decision_index(model, instance: Instance, kind: str, what: str):
    """The model variable and index of the decision, or QuestionError saying why it is none."""
    from ..data.errors import key_hint

    ix = model.ix
    if kind in ONE_ID:
        return _one_id_decision(model, instance, kind, what)
    first, slash, second = what.partition("/")
    if not slash:
        raise QuestionError(f"{kind}= expects two ids separated by '/', got '{what}'")
    if kind == "channel":
        rows = ix.channels.index[(ix.channels["market"] == first) & (ix.channels["channel"] == second)]
        if not len(rows):
            here = ix.channels.loc[ix.channels["market"] == first, "channel"]
            raise QuestionError(f"no channel {second} in market {first} (market_channels)"
                                + (key_hint(second, here) if len(here) else key_hint(first, ix.channels["market"].unique())))
        return model.s, int(rows[0])
    if kind == "payment":
        methods = ix.methods
        rows = methods.index[(methods["market"] == first) & (methods["method"] == second)]
        if not len(rows):
            here = methods.loc[methods["market"] == first, "method"]
            raise QuestionError(f"no payment method {second} in market {first} (payment_methods)"
                                + (key_hint(second, here) if len(here) else ""))
        return model.o, int(rows[0])
    if kind == "obligation":
        duties = ix.obligations
        rows = duties.index[(duties["regime"] == first) & (duties["obligation"] == second)]
        if not len(rows):
            raise QuestionError(f"no obligation {second} of regime {first} (data_obligations)"
                                + key_hint(second, duties.loc[duties["regime"] == first, "obligation"]))
        return model.dw, int(rows[0])
    rows = ix.pairs.index[(ix.pairs["product"] == first) & (ix.pairs["market"] == second)]
    if not len(rows):
        known = instance.tables["products"]["product"]
        hint = "" if first in set(known) else key_hint(first, known)
        raise QuestionError(f"product {first} cannot be offered in {second} (unknown, banned, or no lane meets its promise)"
                            + hint)
    return model.z, int(rows[0])


def why(instance: Instance, question: str, form: Formulation | None = None, options=None,
        solver_name: str = "highs") -> WhyAnswer:
    """Solve the plan, then again with the asked decision forced the other way; both checked."""
    from ..pipeline import PlanModel
    from .compare import plan_changes

    kind, what = parse_question(question)
    planning = PlanModel(instance, form, presolve=kind != "product")  # presolve may drop unprofitable pairs
    decision = _decision_columns(planning.model, instance, kind, what)
    if any(v.fixed for v in decision):
        raise QuestionError(f"{question} is fixed by the instance (must_enter, must_open or must_offer)")
    base = planning.solve(options, solver_name, duals=False)
    if not base.has_plan:
        raise QuestionError(f"the instance has no plan to explain ({base.result.status.value})")
    planned = any((v.value or 0.0) > 0.5 for v in decision)
    if kind in COUNTS and not planned:  # one container, or campaign, in the period the lane or market carries the most
        decision = [decision[_busiest_period(planning.model, base.plan, kind, what)]]
    for v in decision:
        v.fix(0.0 if planned else 1.0)
    try:
        forced = planning.solve(options, solver_name, duals=False)
    finally:
        for v in decision:
            v.unfix()
    answer = WhyAnswer(question, planned, base, forced, plan_changes(base.plan, forced.plan))
    if not forced.has_plan and forced.result.status.value.startswith("infeasible"):
        answer.diagnosis = diagnose_infeasibility(_with_forced(instance, kind, what, not planned), form)
    return answer


def _busiest_period(model, plan: dict, kind: str, what: str) -> int:
    """The position of the period in which the plan sends the most units on lane `what`
    (containers) or sells the most in creator `what`'s market (the first one if none)."""
    names = list(model.axis.names)
    units = [0.0] * len(names)
    if kind == "creator":
        market = model.ix.creators.set_index("creator").at[what, "market"]
        records = [o for o in plan["portfolio"] if o["market"] == market]
    else:
        records = [f for f in plan["flows"] if f["lane"] == what]
    for r in records:
        units[names.index(r.get("period", names[0]))] += r["units"]
    return max(range(len(names)), key=lambda t: units[t])


def _with_forced(instance: Instance, kind: str, what: str, value: bool) -> Instance:
    """The instance with the decision forced through its own must_* column (for the diagnosis);
    forcing a decision off is a diagnosis of the plain instance."""
    import copy

    if not value or kind in ("channel", "origin"):
        return instance
    forced = copy.copy(instance)
    forced.tables = dict(instance.tables)
    if kind == "market":
        markets = instance.tables["markets"].copy()
        markets.loc[markets["market"] == what, "must_enter"] = True
        forced.tables["markets"] = markets
    elif kind == "warehouse":
        warehouses = instance.tables["warehouses"].copy()
        warehouses.loc[warehouses["warehouse"] == what, "must_open"] = True
        forced.tables["warehouses"] = warehouses
    forced.__dict__.pop("network", None)
    return forced
