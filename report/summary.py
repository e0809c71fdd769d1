"""A short readable account of a run for the terminal."""

from __future__ import annotations

import math

import pandas as pd

from ..models.families import FAMILIES
from ..pipeline import Run
from ..solvers import Status
from .creators import creators_table
from .freight import container_name, containers_table
from .origins import origins_table

MARGINAL_SHOWN = 4


def _listing(items: list, limit: int = 12) -> str:
    items = [str(i) for i in items]
    if not items:
        return "-"
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... (+{len(items) - limit} more)"


def money(x: float, currency: str, digits: int = 0) -> str:
    if digits and abs(x) >= 100:
        digits = 0
    return f"{x + 0.0:,.{digits}f} {currency}".replace("-0 ", "0 ")


def _gap_text(gap: float | None) -> str:
    if gap is None:
        return "gap unknown"
    if not math.isfinite(gap):
        return "gap infinite"
    return f"gap {100 * gap if gap > 1e-12 else 0.0:.4g}%"


def nothing_found(run: Run) -> bool:
    """A run stopped early (time limit, interrupt) whose plan is no better than doing nothing:
    it enters no market (profit objective), or its gap is infinite (a plan worth nothing below a
    bound). A plan without a bound (a start plan kept when no root LP finished) is a plan with its
    gap unknown; a proven optimum that enters no market is an answer, not this."""
    r = run.result
    if not run.has_plan or r.status not in (Status.TIME_LIMIT, Status.INTERRUPTED):
        return False
    empty = run.instance.objective == "profit" and not run.plan["markets"]
    return empty or (r.gap is not None and not math.isfinite(r.gap))


def summary(run: Run, words: list[str] | None = None) -> str:
    """A short readable account of the plan for the terminal: the headline, the decisions, the
    plan in words (when given), the money, how the solve went, the check and the seconds per stage."""
    inst, r = run.instance, run.result
    if not run.has_plan:
        return f"{inst.name}: {r.status.value.replace('_', ' ')}, no plan found ({r.message})"
    cur = inst.settings["currency"]
    lines = [_headline(run), *_decision_lines(run)]
    if words:
        lines += ["  the plan in words:", *(f"    {line}" for line in words)]
    lines += [f"  {line}" for line in _money_and_solve_lines(run, cur)]
    lines += [f"  {line}" for line in marginal_sentences(run.marginal, cur, MARGINAL_SHOWN)]
    ev = run.evaluation
    verdict = "passed" if ev.ok else f"FAILED ({len(ev.violations)} violations, objective matches: {ev.objective_matches})"
    lines.append(f"  independent check: {verdict}")
    s = run.seconds
    lines.append("  seconds: " + ", ".join(f"{k} {s[k]:.2f}" for k in ("read", "derive", "build", "handoff", "solve", "check",
                                                                         "duals", "words", "write") if k in s))
    return "\n".join(lines)


def _headline(run: Run) -> str:
    inst, r = run.instance, run.result
    cur, kind, status = inst.settings["currency"], inst.objective, r.status.value.replace("_", " ")
    bound = money(r.bound, cur) if r.bound is not None else "unknown"
    if nothing_found(run):
        within = "before the interrupt" if r.status is Status.INTERRUPTED else "within the time limit"
        return (f"{inst.name}: {status}: no plan better than doing nothing was found {within} "
                f"({kind} {money(r.objective, cur)}, bound {bound})")
    head = f"{inst.name}: {status} ({_gap_text(r.gap)}); {kind} {money(r.objective, cur)}, bound {bound}"
    if r.status is Status.TIME_LIMIT:
        head += "  [best plan found within the time limit]"
    elif r.status is Status.INTERRUPTED:
        head += "  [best plan found before the interrupt]"
    return head


def _decision_lines(run: Run) -> list[str]:
    """Markets, warehouses with their use, channels (with their periods), the calendar, the
    portfolio, mitigation and payment methods."""
    inst, plan, ev = run.instance, run.plan, run.evaluation
    lines = [f"  markets entered ({len(plan['markets'])}/{len(inst.tables['markets'])}): {_listing(plan['markets'])}"]
    skipped = [m for m in inst.tables["markets"]["market"] if m not in plan["markets"]]
    if skipped:
        lines.append(f"  markets not entered: {_listing(skipped)}")
    wh = []
    for w in plan["warehouses"]:
        u, peak = ev.utilisation.get(w), ev.peak_utilisation.get(w)
        use = "" if u is None else f"{100 * u:.0f}% of capacity" + (f", {100 * peak[0]:.0f}% in {peak[1]}" if peak else "")
        wh.append(f"{w} ({use})" if use else w)
    lines.append(f"  warehouses open ({len(plan['warehouses'])}/{len(inst.tables['warehouses'])}): {_listing(wh)}")
    lines += _channel_lines(plan)
    if "stock" in plan:
        lines += period_lines(plan)
    units = sum(o["units"] for o in plan["portfolio"])
    direct = sum(f["units"] for f in plan["flows"] if f["kind"] == "direct")
    via_wh = sum(f["units"] for f in plan["flows"] if f["kind"] == "lastmile")
    share = f"{100 * direct / units:.0f}% direct, {100 * via_wh / units:.0f}% from warehouses" if units else "no units"
    offered = len({(o["product"], o["market"]) for o in plan["portfolio"]})
    lines.append(f"  portfolio: {offered} product-markets, {units:,.0f} units ({share})")
    if plan["mitigations"]:
        lines.append(f"  payment-risk mitigation in: {', '.join(m['market'] for m in plan['mitigations'])}")
    lines += _payment_lines(run)
    lines += _returns_lines(run)
    lines += _data_lines(run)
    lines += _creator_summary_lines(run)
    lines += _container_lines(run)
    lines += _origin_summary_lines(run)
    return lines


def _origin_summary_lines(run: Run) -> list[str]:
    """The units each origin supplies and the fixed cost of the ones opened (docs/model.md, "Origins")."""
    if run.instance.tables["origins"].empty:
        return []
    table = origins_table(run.instance, run.plan)
    currency = run.instance.settings["currency"]
    parts = []
    for row in table.itertuples():
        opened = f" (opened, {row.fixed_cost:,.0f} {currency})" if row.fixed_cost > 0 else ""
        unused = "" if row.open else " (not opened)"
        where = f": {row.categories.replace(';', ', ')} to {row.markets.replace(';', ', ')}" if row.units and row.fixed_cost else ""
        parts.append(f"{row.origin}{opened}{unused} {row.units:,.0f} units{where}")
    return [f"  origins: {'; '.join(parts)}"]


def _creator_summary_lines(run: Run) -> list[str]:
    """The creator campaigns booked per market and channel over the horizon, by tier, and their
    fees (docs/model.md, "Creators")."""
    if run.instance.tables["creators"].empty:
        return []
    table = creators_table(run.instance, run.plan)
    if table.empty:
        return ["  creators: none booked"]
    parts = []
    for (market, channel), rows in table.groupby(["market", "channel"], sort=False):
        tiers = rows.groupby("creator", sort=False).agg(n=("campaigns", "sum"), tier=("tier", "first"))
        parts.append(f"{market}/{channel} " + ", ".join(f"{r.tier or k} {int(r.n)}" for k, r in tiers.iterrows()))
    currency = run.instance.settings["currency"]
    return [f"  creators (campaigns): {'; '.join(parts)}; fees {table['fees'].sum():,.0f} {currency}"]


def _container_lines(run: Run) -> list[str]:
    """Full containers and LCL per container lane over the horizon, and what the containers save
    against LCL only (docs/model.md, "Containers")."""
    if run.instance.tables["containers"].empty:
        return []
    table = containers_table(run.instance, run.plan)
    if table.empty:
        return ["  containers: no units on the container lanes"]
    by_lane = table.groupby("lane", sort=False).agg(containers=("containers", "sum"), kind=("container", "first"),
                                                    lcl=("lcl_freight_tonnes", "sum"), saving=("saving", "sum"))
    parts = [f"{lane} {int(r.containers)} x {container_name(r.kind)}"
             + (f" + {r.lcl:,.1f} freight t LCL" if r.lcl > 0.05 else "")
             if r.containers else f"{lane} LCL only ({r.lcl:,.1f} freight t)" for lane, r in by_lane.iterrows()]
    currency = run.instance.settings["currency"]
    return [f"  containers: {'; '.join(parts)}; full containers save {by_lane['saving'].sum():,.0f} {currency} against LCL only"]


def _data_lines(run: Run) -> list[str]:
    """Where the customer data of each regime lives, the obligations met and the cost
    (docs/model.md, "Data transfer and localisation")."""
    rules = run.instance.tables["data_transfer"]
    if rules.empty:
        return []
    plan, markets = run.plan, run.instance.tables["markets"]
    mechanism = dict(zip(rules["regime"], rules["mechanism"]))
    hosted = set(plan.get("data_hosting", []))
    parts = []
    for regime in rules["regime"]:
        entered = [m for m in markets.loc[markets["regime"] == regime, "market"] if m in plan["markets"]]
        if not entered:
            continue
        local = [m for m in entered if m in hosted]
        text = f"{regime}: " + (f"hosted in {', '.join(local)}" if local else "")
        if regime in plan.get("data_transfers", []):
            sent = [m for m in entered if m not in hosted]
            text += ("; " if local else "") + f"{', '.join(sent)} sent out" + (f" under {mechanism[regime]}" if mechanism[regime] else "")
        parts.append(text)
    duties = [f"{r['regime']}/{r['obligation']} ({r['buyers']:,.0f} buyers)" if "buyers" in r else f"{r['regime']}/{r['obligation']}"
              for r in plan.get("data_obligations", [])]
    cost = run.evaluation.terms.get("data_protection", 0.0)
    currency = run.instance.settings["currency"]
    lines = [f"  customer data: {'; '.join(parts) if parts else 'no market under these regimes'}; cost {cost:,.0f} {currency}"]
    if duties:
        lines.append(f"  data obligations met: {', '.join(duties)}")
    return lines


def _returns_lines(run: Run) -> list[str]:
    """How many units come back, where the restocked ones go, and the net cost (docs/model.md, "Returns")."""
    if run.instance.tables["returns"].empty:
        return []
    net = run.instance.network.pairs
    rate = dict(zip(zip(net["product"], net["market"]), net["return_rate"]))
    sold = sum(o["units"] for o in run.plan["portfolio"])
    back = sum(rate.get((o["product"], o["market"]), 0.0) * o["units"] for o in run.plan["portfolio"])
    at: dict[str, float] = {}
    for r in run.plan.get("restocked", []):
        at[r["warehouse"]] = at.get(r["warehouse"], 0.0) + r["units"]
    share = f" ({100 * back / sold:.1f}% of units sold)" if sold else ""
    where = ", ".join(f"{w} {u:,.0f}" for w, u in at.items())
    restocked = f"{sum(at.values()):,.0f} restocked ({where})" if at else "none restocked"
    cost = run.evaluation.terms.get("returns", 0.0)
    currency = run.instance.settings["currency"]
    return [f"  returns: {back:,.0f} units come back{share}, {restocked}; net cost {cost:,.0f} {currency}"]


def _payment_lines(run: Run) -> list[str]:
    """The payment methods offered per market, and the ones left out that had exclusive buyers."""
    methods = run.instance.tables["payment_methods"]
    if methods.empty:
        return []
    offered: dict[str, list[str]] = {}
    for r in run.plan.get("payment_methods", []):
        offered.setdefault(r["market"], []).append(r["method"])
    entered = set(run.plan["markets"])
    left = [f"{r.market}/{r.method}" for r in methods.itertuples()
            if r.market in entered and r.method not in offered.get(r.market, []) and r.exclusive_share > 0]
    text = "; ".join(f"{m}: {', '.join(ms)}" for m, ms in offered.items()) if offered else "none beyond the default checkout"
    lines = [f"  payment methods: {text}"]
    if left:
        lines.append(f"  not offered (their exclusive buyers do not buy): {_listing(left)}")
    return lines


def _channel_lines(plan: dict) -> list[str]:
    """The channels run per market; in a multi-period plan, how many periods one runs when not all."""
    channels: dict[str, list[str]] = {}
    runs: dict[tuple, int] = {}
    for c in plan["channels"]:
        runs[(c["market"], c["channel"])] = runs.get((c["market"], c["channel"]), 0) + 1
    periods = len({c.get("period") for c in plan["channels"]}) if "stock" in plan else None
    for (market, channel), count in runs.items():
        shown = channel if periods is None or count == periods else f"{channel} ({count} periods)"
        channels.setdefault(market, []).append(shown)
    if not channels:
        return []
    if len(channels) <= 12:
        return ["  channels: " + "; ".join(f"{m}: {', '.join(cs)}" for m, cs in channels.items())]
    return [f"  channels: {sum(map(len, channels.values()))} in {len(channels)} markets"]


def _money_and_solve_lines(run: Run, cur: str) -> list[str]:
    """Revenue, costs and the objective; presolve, the root cuts and the strategic tree."""
    r, t = run.result, run.evaluation.terms
    if run.instance.objective == "cost":
        lines = [f"total cost {money(t['total_cost'], cur)} (fixed demand; revenue {money(t['revenue'], cur)})"]
    else:
        lines = [f"revenue {money(t['revenue'], cur)} - costs {money(t['total_cost'], cur)} = profit {money(t['profit'], cur)}"]
    if run.presolve is not None:
        lines.append(str(run.presolve))
    cuts = r.extra.get("root_cuts")
    if r.extra.get("root_lp_abandoned"):
        lines.append("root LP: not solved within its share of the time limit; HiGHS's MIP took the model as it is")
    elif cuts and cuts["rounds"]:
        deferred = cuts.get("deferred_rows_added")
        held = "" if deferred is None else (
            f" ({deferred} of {cuts['deferred_rows_total']} held-back linking rows, {cuts['rows'] - deferred} cuts)")
        lines.append(f"root cuts: {cuts['rows']} rows{held} in {cuts['rounds']} round(s) moved the LP bound "
                     f"from {money(cuts['lp_bound_before'], cur)} to {money(cuts['lp_bound_after'], cur)}"
                     + (" (the last round's LP stopped at its time share; the bound is from its duals so far)"
                        if cuts.get("last_round_stopped") else ""))
    tree = r.extra.get("strategic_tree")
    if tree:
        mip_ran = (r.extra.get("stages") or {}).get("highs_mip", False)
        outcome = ("closed the gap" if tree["closed"] else
                   f"stopped ({tree['stopped_by']}; {tree['open']} open), "
                   + ("HiGHS's MIP went on from its best plan" if mip_ran else f"and {r.message}"))
        lines.append(f"strategic tree: {tree['nodes']} nodes in {tree['seconds']:.0f} s, {outcome}")
    polish = r.extra.get("polish")
    if polish:
        lines.append(f"polish (the best plan's markets, channels and warehouses fixed, the rest solved as a MIP): "
                     f"{money(polish['objective_before'], cur)} to {money(polish['objective'], cur)} "
                     f"in {polish['seconds']:.0f} s")
    return lines


def marginal_sentences(marginal: pd.DataFrame | None, currency: str, limit: int | None = None) -> list[str]:
    """The binding limits with a positive marginal value, most valuable first, in words:
    "one more m3 at LAX is worth 41 USD"."""
    if marginal is None or marginal.empty:
        return []
    priced = marginal[marginal["value_per_unit"].fillna(0.0) > 1e-6].sort_values("value_per_unit", ascending=False)
    lines = []
    for row in priced.itertuples():
        family = FAMILIES[row.family]
        unit = family.unit_text(currency)
        what = family.worth.format(key=row.key, unit=unit)
        lines.append(f"{what} is worth {money(row.value_per_unit, currency, digits=2)} ({row.setting})")
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more limits with a value (marginal_values.csv)"]
    return lines


def room_sentences(marginal: pd.DataFrame | None, currency: str) -> list[str]:
    """The limits without a positive marginal value, in words: the room each leaves in its
    setting's own terms ("the expected payment loss is 31,640 USD below what max_payment_loss_rate
    allows", "1,451 units sold above the committed volume"), and why a value is missing."""
    if marginal is None or marginal.empty:
        return []
    lines = []
    for row in marginal[~(marginal["value_per_unit"].fillna(0.0) > 1e-6)].itertuples():
        family = FAMILIES[row.family]
        unit = family.unit_text(currency)
        amount = f"{row.slack:,.0f}" if abs(row.slack) >= 100 else f"{row.slack:,.4g}"
        room = family.room.format(amount=f"{amount} {unit}", key=row.key)
        note = getattr(row, "note", "")
        lines.append(f"{row.setting} [{row.key}]: {room}" + (f"; {note}" if isinstance(note, str) and note else ""))
    return lines


def period_lines(plan: dict) -> list[str]:
    """A multi-period plan per period: units sold, channels running, stock at the period's end."""
    periods = list(dict.fromkeys(o["period"] for o in plan["portfolio"])) or list(dict.fromkeys(f["period"] for f in plan["flows"]))
    sold = {p: 0.0 for p in periods}
    for o in plan["portfolio"]:
        sold[o["period"]] += o["units"]
    running = {p: 0 for p in periods}
    for c in plan["channels"]:
        running[c["period"]] = running.get(c["period"], 0) + 1
    stock = {p: 0.0 for p in periods}
    by_warehouse: dict[str, dict[str, float]] = {}
    for s in plan["stock"]:
        stock[s["period"]] += s["units"]
        held = by_warehouse.setdefault(s["warehouse"], {})
        held[s["period"]] = held.get(s["period"], 0.0) + s["units"]
    sent = {p: 0.0 for p in periods}
    for f in plan["flows"]:
        if f.get("kind") == "linehaul":
            sent[f["period"]] = sent.get(f["period"], 0.0) + f["units"]
    lines = [
        "  units sold per period: " + ", ".join(f"{p} {sold[p]:,.0f}" for p in periods),
        "  units sent by linehaul per period: " + ", ".join(f"{p} {sent.get(p, 0.0):,.0f}" for p in periods),
        "  channels running per period (campaign calendar): " + ", ".join(f"{p} {running.get(p, 0)}" for p in periods),
        "  warehouse stock at period end: " + ", ".join(f"{p} {stock[p]:,.0f}" for p in periods),
    ]
    for warehouse, held in sorted(by_warehouse.items()):
        shown = [f"{p} {held[p]:,.0f}" for p in periods if held.get(p, 0.0) >= 0.5]
        if shown:
            lines.append(f"    stock at {warehouse}: " + ", ".join(shown))
    return lines
