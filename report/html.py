"""One self-contained HTML page per plan or study, drawn with plotly (its JavaScript is embedded
once, so the page opens without network access).

A page is built from a `PlanView` (the instance, the plan, the checker's evaluation and the
marginal values; from a run or from a solution folder) and, for a study, its table. Every number
shown comes from the independent checker's evaluation or the study's own tables.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..check import MONEY_TERMS, PlanChecker, check_plan, read_solution
from ..data.atomic import atomic_path
from ..data.instance import Instance
from ..data.schema import origin_ids
from .creators import creators_table
from .freight import containers_table
from .origins import origins_table
from .summary import marginal_sentences
from .words import plan_in_words

COSTS = [t for t in MONEY_TERMS if t != "revenue"]
MODE_COLOURS = {
    "postal": "#8c6d31", "express": "#d62728", "dedicated_line": "#9467bd", "air_freight": "#ff7f0e",
    "sea_freight": "#1f77b4", "rail_freight": "#2ca02c", "truck": "#7f7f7f", "courier": "#17becf",
}
STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px auto; max-width: 1180px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card .v { font-size: 1.35em; font-weight: 600; } .card .k { color: #666; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 8px 0; }
th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: right; } th { background: #f6f6f6; }
td:first-child, th:first-child { text-align: left; }
.ok { color: #2a7d2a; } .bad { color: #b22; }
"""


@dataclass
class PlanView:
    """What a page shows of one plan."""

    instance: Instance
    plan: dict
    evaluation: object  # check.Evaluation
    status: str
    objective: float
    gap: float | None
    marginal: pd.DataFrame | None = None
    prefix: str = ""  # of the page's chart ids, when one page shows several plans
    words: list[str] | None = None  # the plan in words (report/words.py), computed when not given

    @property
    def currency(self) -> str:
        return self.instance.settings["currency"]

    @property
    def kind(self) -> str:
        return self.instance.objective


def view_of_run(run, words: list[str] | None = None) -> PlanView:
    r = run.result
    return PlanView(run.instance, run.plan, run.evaluation, r.status.value, r.objective, r.gap, run.marginal, words=words)


def view_of_folder(folder: Path, instance: Instance) -> PlanView:
    """A solution folder's plan, re-checked against `instance` by the independent checker."""
    doc = json.loads((folder / "solution.json").read_text(encoding="utf-8"))
    plan, objective = read_solution(doc, instance.objective)
    single = "sourcing=single" in str((doc.get("run") or {}).get("formulation", ""))
    evaluation = check_plan(instance, plan, objective, single)
    marginal = None
    if doc.get("marginal_values") and doc["marginal_values"].get("limits"):
        marginal = pd.DataFrame(doc["marginal_values"]["limits"])
        marginal["unit"] = marginal["unit"].replace({instance.settings["currency"]: "{cur}"})
    return PlanView(instance, plan, evaluation, doc["status"], objective, doc.get("gap"), marginal, words=doc.get("in_words"))


# ---- figures ------------------------------------------------------------------------------------


def _figure_html(fig, name: str) -> str:
    fig.update_layout(margin=dict(l=40, r=20, t=50, b=40), template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}",
                       config={"displaylogo": False, "responsive": True})


def waterfall(view: PlanView) -> str:
    import plotly.graph_objects as go

    terms = view.evaluation.terms
    costs = [(t, terms[t]) for t in COSTS if abs(terms[t]) > 0.005]
    fig = go.Figure(go.Waterfall(
        x=["revenue", *[t.replace("_", " ") for t, _ in costs], "profit"],
        measure=["absolute", *["relative"] * len(costs), "total"],
        y=[terms["revenue"], *[-v for _, v in costs], 0],
        text=[_short(terms["revenue"]), *[_short(-v) for _, v in costs], _short(terms["profit"])], textposition="outside",
    ))
    fig.update_layout(title=f"From revenue to profit ({view.currency})", height=430, showlegend=False)
    return _figure_html(fig, view.prefix + "waterfall")


def sankey(view: PlanView) -> str:
    import plotly.graph_objects as go

    lanes = view.instance.table("lanes").set_index("lane")
    flows = pd.DataFrame(view.plan["flows"], columns=["product", "lane", "kind", "from", "to", "units"])
    flows["mode"] = flows["lane"].map(lanes["mode"])
    links = flows.groupby(["from", "to", "mode"], as_index=False)["units"].sum()
    nodes = list(dict.fromkeys([*origin_ids(view.instance.tables), *view.plan["warehouses"], *links["from"], *links["to"]]))
    index = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(go.Sankey(
        node=dict(label=nodes, pad=14, thickness=14),
        link=dict(source=links["from"].map(index).tolist(), target=links["to"].map(index).tolist(),
                  value=links["units"].round(2).tolist(), label=links["mode"].tolist(),
                  color=[_fade(MODE_COLOURS.get(m, "#999999")) for m in links["mode"]]),
    ))
    fig.update_layout(title="Units from the origins through warehouses to markets, by mode", height=520)
    return _figure_html(fig, view.prefix + "sankey")


def channel_heatmap(view: PlanView) -> str:
    """Units of demand each channel unlocks for the offered portfolio; active channels marked."""
    import plotly.graph_objects as go

    checker = PlanChecker(view.instance, view.plan)
    offered = [(o["product"], o["market"]) for o in view.plan["portfolio"]]
    markets = [m for m in view.plan["markets"]]
    channels = sorted({c for (m, c) in checker.market_channels if m in markets})
    active = {(c["market"], c["channel"]) for c in view.plan["channels"]}
    z, text = [], []
    for m in markets:
        row, marks = [], []
        for c in channels:
            if (m, c) not in checker.market_channels:
                row.append(None)
                marks.append("")
                continue
            row.append(sum(checker.potential(p, mk, c) for p, mk in offered if mk == m))
            marks.append("active" if (m, c) in active else "")
        z.append(row)
        text.append(marks)
    fig = go.Figure(go.Heatmap(z=z, x=channels, y=markets, text=text, texttemplate="%{text}", colorscale="Blues",
                               colorbar=dict(title="units"), hovertemplate="%{y} / %{x}: %{z:,.0f} units<extra></extra>"))
    fig.update_layout(title="Demand each channel unlocks in each entered market (units; 'active' = chosen)",
                      height=120 + 38 * max(len(markets), 1))
    return _figure_html(fig, view.prefix + "channels")


def utilisation(view: PlanView) -> str:
    import plotly.graph_objects as go

    util = {w: u for w, u in view.evaluation.utilisation.items() if u is not None}
    warehouses = list(util)
    fig = go.Figure(go.Bar(x=warehouses, y=[100 * util[w] for w in warehouses],
                           text=[f"{100 * util[w]:.0f}%" for w in warehouses], textposition="outside"))
    fig.update_layout(title="Warehouse utilisation (inbound m3 / capacity)", yaxis=dict(title="%", range=[0, 110]), height=360)
    return _figure_html(fig, view.prefix + "utilisation")


def lead_times(view: PlanView) -> str:
    import plotly.graph_objects as go

    units = pd.DataFrame([(m, d, u) for (m, d), u in view.evaluation.units_by_lead_time.items()],
                         columns=["market", "days", "units"])
    fig = go.Figure()
    for market, group in units.groupby("market"):
        group = group.groupby("days", as_index=False)["units"].sum()
        fig.add_trace(go.Bar(name=market, x=group["days"], y=group["units"]))
    fig.update_layout(barmode="stack", title="Units by customer lead time, per market", height=400,
                      xaxis=dict(title="lead time (days)", dtick=1), yaxis=dict(title="units"))
    return _figure_html(fig, view.prefix + "leadtimes")


def marginal_chart(view: PlanView) -> str:
    import plotly.graph_objects as go

    frame = view.marginal
    priced = frame[frame["value_per_unit"].fillna(0.0) > 1e-6].sort_values("value_per_unit")
    labels = [f"{s} [{k}]" for s, k in zip(priced["setting"], priced["key"])]
    fig = go.Figure(go.Bar(x=priced["value_per_unit"], y=labels, orientation="h",
                           text=[f"{v:,.2f} {view.currency} per {u.replace('{cur}', view.currency)}"
                                 for v, u in zip(priced["value_per_unit"], priced["unit"])], textposition="auto"))
    fig.update_layout(title=f"What one more unit of each binding limit is worth ({view.currency})",
                      height=160 + 40 * max(len(priced), 1))
    return _figure_html(fig, view.prefix + "marginal")


def period_charts(view: PlanView) -> list[str]:
    """Sales per period by market, the campaign calendar, stock build-up per warehouse and
    flows per period by mode."""
    import plotly.graph_objects as go

    plan = view.plan
    periods = list(dict.fromkeys(o["period"] for o in plan["portfolio"]))
    charts = []
    sales = pd.DataFrame(plan["portfolio"]).groupby(["period", "market"], as_index=False)["units"].sum()
    fig = go.Figure([go.Bar(name=mk, x=g["period"], y=g["units"]) for mk, g in sales.groupby("market")])
    fig.update_layout(barmode="stack", title="Units sold per period, by market", height=380,
                      xaxis=dict(categoryorder="array", categoryarray=periods))
    charts.append(_figure_html(fig, view.prefix + "sales-by-period"))
    calendar = pd.DataFrame(plan["channels"], columns=["market", "channel", "period"])
    rows = sorted({f"{m}/{c}" for m, c in zip(calendar["market"], calendar["channel"])})
    on = {(f"{m}/{c}", p) for m, c, p in zip(calendar["market"], calendar["channel"], calendar["period"])}
    fig = go.Figure(go.Heatmap(z=[[1 if (r, p) in on else 0 for p in periods] for r in rows], x=periods, y=rows,
                               colorscale=[[0, "#f4f4f4"], [1, "#2b6cb0"]], showscale=False,
                               hovertemplate="%{y} in %{x}: %{z}<extra></extra>"))
    fig.update_layout(title="Campaign calendar (channels running per period)", height=140 + 22 * max(len(rows), 1))
    charts.append(_figure_html(fig, view.prefix + "calendar"))
    stock = pd.DataFrame(plan["stock"], columns=["product", "warehouse", "period", "units"])
    if len(stock):
        by = stock.groupby(["period", "warehouse"], as_index=False)["units"].sum()
        fig = go.Figure([go.Bar(name=w, x=g["period"], y=g["units"]) for w, g in by.groupby("warehouse")])
        fig.update_layout(barmode="stack", title="Stock at the end of each period (units), by warehouse", height=380,
                          xaxis=dict(categoryorder="array", categoryarray=periods))
        charts.append(_figure_html(fig, view.prefix + "stock"))
    lanes = view.instance.table("lanes").set_index("lane")
    flows = pd.DataFrame(plan["flows"])
    if len(flows):
        flows["mode"] = flows["lane"].map(lanes["mode"])
        by = flows.groupby(["period", "mode"], as_index=False)["units"].sum()
        fig = go.Figure([go.Bar(name=mode, x=g["period"], y=g["units"], marker_color=MODE_COLOURS.get(mode))
                         for mode, g in by.groupby("mode")])
        fig.update_layout(barmode="group", title="Units shipped per period, by mode (linehaul by departure)", height=380,
                          xaxis=dict(categoryorder="array", categoryarray=periods))
        charts.append(_figure_html(fig, view.prefix + "flows-by-period"))
    return charts


# ---- sections and pages -----------------------------------------------------------------------------


def _short(value: float) -> str:
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if size >= 1e3:
        return f"{value / 1e3:,.1f}k"
    return f"{value:,.0f}"


def _fade(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.45)"


def _esc(value) -> str:
    return html.escape(str(value))


def _cards(items: list[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{_esc(v)}</div><div class="k">{_esc(k)}</div></div>' for k, v in items) + "</div>"


def _table(frame: pd.DataFrame, money: set = frozenset(), percent: set = frozenset()) -> str:
    def cell(column, value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if column in percent and isinstance(value, (int, float)):
            return f"{100 * value:.3g}%"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:,.0f}" if column in money or abs(value) >= 1000 else f"{value:,.4g}"
        return _esc(value)

    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def plan_sections(view: PlanView) -> str:
    ev, cur = view.evaluation, view.currency
    terms = ev.terms
    units = sum(o["units"] for o in view.plan["portfolio"])
    lead = ev.units_by_lead_time
    total = sum(lead.values())
    avg = sum(d * u for (_, d), u in lead.items()) / total if total else None
    gap = "-" if view.gap is None else ("infinite" if not math.isfinite(view.gap) else f"{100 * view.gap:.3g}%")
    verdict = "passed" if ev.ok else f"FAILED ({len(ev.violations)} violations)"
    cards = [
        (view.kind, f"{view.objective:,.0f} {cur}"), ("revenue", f"{terms['revenue']:,.0f} {cur}"),
        ("total cost", f"{terms['total_cost']:,.0f} {cur}"),
        ("markets entered", f"{len(view.plan['markets'])} of {len(view.instance.tables['markets'])}"),
        ("warehouses open", f"{len(view.plan['warehouses'])} of {len(view.instance.tables['warehouses'])}"),
        ("units sold", f"{units:,.0f}"), ("average lead time", "-" if avg is None else f"{avg:.2f} days"),
        ("payment loss rate", f"{100 * ev.payment_loss_rate:.2f}%"), ("status / gap", f"{view.status} / {gap}"),
        ("independent check", verdict),
    ]
    words = view.words if view.words is not None else plan_in_words(view.instance, view.plan)
    parts = ["<h2>Headline</h2>", _cards(cards), "<h2>The plan in words</h2>",
             "<ul class=\"words\">" + "".join(f"<li>{_esc(line)}</li>" for line in words) + "</ul>",
             "<h2>Profit</h2>", waterfall(view)]
    if view.plan["flows"]:
        parts += ["<h2>Network</h2>", sankey(view)]
    if view.plan["markets"]:
        parts += ["<h2>Channels</h2>", channel_heatmap(view)]
    if any(u is not None for u in ev.utilisation.values()):
        parts += ["<h2>Warehouses</h2>", utilisation(view)]
    if lead:
        parts += ["<h2>Lead times</h2>", lead_times(view)]
    parts += mechanics_sections(view)
    if "stock" in view.plan:
        parts += ["<h2>Periods</h2>", *period_charts(view)]
    if view.marginal is not None and len(view.marginal):
        sentences = marginal_sentences(view.marginal, cur)
        parts += ["<h2>Marginal values</h2>",
                  "<p>With the plan's markets, channels and warehouses fixed, what one more unit of each limit is worth:</p>",
                  "<ul>" + "".join(f"<li>{_esc(s)}</li>" for s in sentences) + "</ul>" if sentences else
                  "<p>No limit binds at the plan.</p>"]
        if sentences:
            parts.append(marginal_chart(view))
        shown = view.marginal.assign(unit=view.marginal["unit"].str.replace("{cur}", cur, regex=False))
        parts.append(_table(shown[["setting", "key", "unit", "slack", "value_per_unit"]]))
    return "\n".join(parts)


def mechanics_sections(view: PlanView) -> list[str]:
    """The payment methods (offered or not, revenue, fees, refused orders), the returns
    restocked per warehouse, where the customer data lives, the full containers against LCL,
    the creators booked and where the units come from, for instances with those tables."""
    from .solution import data_protection_table, payment_method_table

    parts = []
    if not view.instance.tables["payment_methods"].empty:
        table = payment_method_table(view.instance, view.plan)
        parts += ["<h2>Payment methods</h2>", _table(table, money={"integration_cost", "revenue", "fees"},
                                                     percent={"share", "exclusive_share"})]
    if not view.instance.tables["returns"].empty:
        restocked = pd.DataFrame(view.plan.get("restocked", []), columns=["market", "warehouse", "units"])
        by = restocked.groupby(["market", "warehouse"], as_index=False)["units"].sum()
        parts += ["<h2>Returns</h2>", f"<p>Net cost of returns (refunds less what the returned units are worth): "
                  f"{view.evaluation.terms.get('returns', 0.0):,.0f} {_esc(view.currency)}. Units restocked in a local "
                  "warehouse:</p>", _table(by) if len(by) else "<p>None restocked.</p>"]
    if not view.instance.tables["data_transfer"].empty or not view.instance.tables["data_obligations"].empty:
        parts += ["<h2>Customer data</h2>", f"<p>Transfer mechanisms, local hosting and obligations: "
                  f"{view.evaluation.terms.get('data_protection', 0.0):,.0f} {_esc(view.currency)}.</p>",
                  _table(data_protection_table(view.instance, view.plan), money={"cost"})]
    if not view.instance.tables["containers"].empty:
        table = containers_table(view.instance, view.plan)
        parts += ["<h2>Containers</h2>", f"<p>Sea and rail linehaul in full containers or LCL; full containers save "
                  f"{table['saving'].sum():,.0f} {_esc(view.currency)} against LCL only.</p>",
                  _table(table, money={"container_cost", "lcl_cost", "all_lcl_cost", "saving"}, percent={"fill"})]
    if not view.instance.tables["creators"].empty:
        table = creators_table(view.instance, view.plan)
        parts += ["<h2>Creators</h2>", f"<p>Creator campaigns booked, the engaged people they reach (counted with "
                  f"repeats) and their fees, {table['fees'].sum():,.0f} {_esc(view.currency)} in all.</p>",
                  _table(table, money={"fees"}) if len(table) else "<p>None booked.</p>"]
    if not view.instance.tables["origins"].empty:
        table = origins_table(view.instance, view.plan)
        parts += ["<h2>Origins</h2>", f"<p>Where the units come from: each origin's units, the markets and categories they "
                  f"go to, their cost at the origin and the duties they pay; origins' fixed costs "
                  f"{table['fixed_cost'].sum():,.0f} {_esc(view.currency)}.</p>",
                  _table(table, money={"fixed_cost", "goods_cost", "duties"})]
    return parts


def page(title: str, subtitle: str, body: str) -> str:
    from plotly.offline import get_plotlyjs

    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_esc(title)}</title>"
            f"<style>{STYLE}</style><script type=\"text/javascript\">{get_plotlyjs()}</script></head>"
            f"<body><h1>{_esc(title)}</h1><p class=\"sub\">{_esc(subtitle)}</p>\n{body}\n</body></html>\n")


def write_page(text: str, target: Path) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def plan_page(view: PlanView) -> str:
    return page(f"xborder plan: {view.instance.name}", f"{view.kind} objective, status {view.status}", plan_sections(view))


def plan_report(run, target: Path, words: list[str] | None = None) -> Path:
    return write_page(plan_page(view_of_run(run, words)), target)


# ---- study pages ----------------------------------------------------------------------------------------

SCENARIO_KPIS = ["objective", "revenue", "total_cost", "profit", "units", "markets_entered", "warehouses_open",
                 "avg_lead_time_days", "payment_loss_rate"]


def sweep_chart(comparison: pd.DataFrame) -> str:
    """Each swept parameter's points: the objective against the swept value (base as a line)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    swept = comparison.dropna(subset=["swept_value"])
    for label, points in swept.groupby("swept", sort=False):
        fig.add_trace(go.Scatter(x=points["swept_value"].tolist(), y=pd.to_numeric(points["objective"], errors="coerce").tolist(),
                                 mode="lines+markers", name=str(label), text=points["scenario"].tolist(),
                                 hovertemplate="%{text}: %{y:,.0f}<extra></extra>"))
    base = pd.to_numeric(comparison["objective"], errors="coerce").iloc[0]
    if math.isfinite(base):
        fig.add_hline(y=base, line_dash="dot", annotation_text="base")
    fig.update_layout(title="The objective against the swept value", height=420, xaxis=dict(title="swept value"),
                      yaxis=dict(title="objective"))
    return _figure_html(fig, "sweep")


def scenario_charts(comparison: pd.DataFrame) -> str:
    """One bar chart per KPI across the scenarios (small multiples); with sweeps, first the
    objective against the swept value."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    kpis = [k for k in SCENARIO_KPIS if k in comparison.columns]
    cols = 3
    rows = math.ceil(len(kpis) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[k.replace("_", " ") for k in kpis])
    for i, kpi in enumerate(kpis):
        values = pd.to_numeric(comparison[kpi], errors="coerce")
        fig.add_trace(go.Bar(x=comparison["scenario"], y=values, name=kpi, showlegend=False),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(title="Each KPI across the scenarios", height=300 * rows)
    swept = sweep_chart(comparison) if "swept_value" in comparison and comparison["swept_value"].notna().any() else ""
    return swept + _figure_html(fig, "scenarios")


def scenario_page(comparison: pd.DataFrame, changes: pd.DataFrame, base: PlanView | None, name: str) -> str:
    shown = [c for c in ["scenario", "swept_value", "status", "objective", "objective_vs_base", "gap", "revenue", "total_cost", "profit",
                         "markets_entered", "warehouses_open", "avg_lead_time_days", "payment_loss_rate", "diagnosis"]
             if c in comparison.columns]
    body = ["<h2>Scenario comparison</h2>", _table(comparison[shown], percent={"gap", "payment_loss_rate"}),
            scenario_charts(comparison)]
    strategic = changes[changes["kind"] != "product_market"]
    if len(strategic):
        body += ["<h2>Decisions that differ from base</h2>", _table(strategic)]
    if base is not None:
        body += ["<h2>The base plan</h2>", plan_sections(base)]
    return page(f"xborder scenarios: {name}", f"{len(comparison) - 1} scenario(s) against base", "\n".join(body))


def scenario_report(study, target: Path) -> Path:
    base = study.runs[0].run
    view = view_of_run(base) if base is not None and base.has_plan else None
    return write_page(scenario_page(study.comparison, study.changes, view, study.runs[0].instance.name), target)


def frontier_chart(table: pd.DataFrame, title: str, unit: str, kind: str, currency: str) -> str:
    import plotly.graph_objects as go

    points = table.dropna(subset=["value"])
    fig = go.Figure(go.Scatter(x=points["value"], y=points["objective"], mode="lines+markers",
                               text=points["changes"].fillna(""), hovertemplate="%{x:,.4g}: %{y:,.0f}<br>%{text}<extra></extra>"))
    fig.update_layout(title=f"Efficient frontier: {kind} against {title}", height=460,
                      xaxis=dict(title=f"{title} ({unit})"), yaxis=dict(title=f"{kind} ({currency})"))
    return _figure_html(fig, "frontier")


def tradeoff_page(table: pd.DataFrame, title: str, unit: str, base: PlanView) -> str:
    shown = [c for c in ["limit", "value", "status", "objective", "gap", "markets", "warehouses", "changes"] if c in table.columns]
    body = ["<h2>Frontier</h2>", frontier_chart(table, title, unit, base.kind, base.currency),
            _table(table[shown], percent={"gap"}), "<h2>The plain optimum (first point)</h2>", plan_sections(base)]
    return page(f"xborder trade-off: {base.instance.name}", f"{base.kind} against {title}", "\n".join(body))


def tradeoff_report(study, target: Path) -> Path:
    currency = study.runs[0].instance.settings["currency"]
    unit = study.measure.unit.replace("{cur}", currency)
    return write_page(tradeoff_page(study.table, study.measure.title, unit, view_of_run(study.runs[0])), target)


def alternatives_page(table: pd.DataFrame, best: PlanView) -> str:
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[f"plan {r}" for r in table["rank"]], y=table["objective"],
                           text=[f"-{100 * g:.3g}%" if g else "best" for g in table["gap_to_best"]], textposition="outside"))
    fig.update_layout(title=f"The best plans that differ in their strategic decisions ({best.currency})", height=400)
    shown = [c for c in ["rank", "objective", "gap_to_best", "markets", "warehouses", "channels_active", "changes_vs_best"]
             if c in table.columns]
    body = ["<h2>Alternatives</h2>", _figure_html(fig, "alternatives"), _table(table[shown], percent={"gap_to_best"}),
            "<h2>The best plan</h2>", plan_sections(best)]
    return page(f"xborder alternatives: {best.instance.name}", f"{len(table)} plan(s)", "\n".join(body))


def alternatives_report(study, target: Path) -> Path:
    return write_page(alternatives_page(study.table, view_of_run(study.runs[0])), target)


# ---- from an output folder ----------------------------------------------------------------------------------


def stochastic_page(summary: dict, scenarios: pd.DataFrame, plans: dict[str, PlanView]) -> str:
    """A two-stage plan: the expected (and risk-adjusted) objective with its bound, EVPI and VSS,
    the shared first stage, each scenario's KPIs, and each scenario's plan (its second stage)."""
    first = next(iter(plans.values()))
    cur, kind = first.currency, first.kind
    risk = summary.get("risk") or {"weight": 0.0}
    money = lambda key: "-" if summary.get(key) is None else f"{summary[key]:,.0f} {cur}"  # noqa: E731
    gap = summary.get("gap")
    cards = [(f"expected {kind}", money("expected")), ("bound", money("bound")),
             ("gap", "-" if gap is None else f"{100 * gap:.3g}%"), ("EVPI", money("evpi")), ("VSS", money("vss")),
             ("method / status", f"{summary.get('method')} / {summary.get('status')}"),
             ("independent check", "passed" if summary.get("checked") else "FAILED")]
    if risk.get("weight"):
        cards.insert(1, (f"{1 - risk['weight']:g} E + {risk['weight']:g} CVaR_{risk['alpha']:g}", money("objective")))
    stage = summary.get("first_stage") or {}
    body = ["<h2>Headline</h2>", _cards(cards), "<h2>First stage (shared by every scenario)</h2>",
            "<ul>" + "".join(f"<li>{_esc(label)}: {_esc(value)}</li>" for label, value in (
                ("markets", " ".join(stage.get("markets", [])) or "-"),
                ("warehouses", " ".join(stage.get("warehouses", [])) or "-"),
                ("channels", len(stage.get("channels", []))), ("product-markets", stage.get("product_markets", 0)))) + "</ul>",
            "<h2>Scenarios</h2>"]
    shown = [c for c in ["scenario", "probability", "status", "objective", "own_optimum", "revenue", "total_cost",
                         "profit", "units", "avg_lead_time_days", "checked"] if c in scenarios.columns]
    body += [_table(scenarios[shown]), scenario_charts(scenarios)]
    for name, view in plans.items():
        view.prefix = f"{name}-"
        body += [f"<h2>Scenario {_esc(name)}</h2>", plan_sections(view)]
    return page(f"xborder two-stage plan: {first.instance.scenario.base if first.instance.scenario else first.instance.name}",
                f"{len(plans)} scenario(s), {kind} objective", "\n".join(body))


def stochastic_folder_page(folder: Path, instance: Instance) -> str:
    """The page of a `stochastic` output folder; every scenario's plan re-checked against its
    scenario of `instance`."""
    from ..check import instance_for

    summary = json.loads((folder / "stochastic.json").read_text(encoding="utf-8"))
    plans = {}
    for name in summary.get("probabilities", {}):
        doc = json.loads((folder / name / "solution.json").read_text(encoding="utf-8"))
        plans[name] = view_of_folder(folder / name, instance_for(instance, doc))
    return stochastic_page(summary, pd.read_csv(folder / "scenarios.csv"), plans)


def folder_page(folder: Path, instance: Instance) -> str:
    """The page for an output folder of `solve`, `scenarios`, `tradeoff`, `alternatives` or
    `stochastic`."""
    folder = Path(folder)
    if (folder / "stochastic.json").is_file():
        return stochastic_folder_page(folder, instance)
    if (folder / "comparison.csv").is_file():
        comparison = pd.read_csv(folder / "comparison.csv")
        changes = pd.read_csv(folder / "changes.csv") if (folder / "changes.csv").is_file() else pd.DataFrame(
            columns=["scenario", "kind", "item", "change"])
        base = folder / "base"
        view = view_of_folder(base, instance) if _has_plan(base) else None
        return scenario_page(comparison, changes, view, instance.name)
    if (folder / "alternatives.csv").is_file():
        return alternatives_page(pd.read_csv(folder / "alternatives.csv"), view_of_folder(folder / "plan-1", instance))
    if (folder / "tradeoff.csv").is_file():
        table = pd.read_csv(folder / "tradeoff.csv")
        return tradeoff_page(table, str(table["measure"].iloc[0]), str(table["unit"].iloc[0]),
                             view_of_folder(folder / "point-1", instance))
    if _has_plan(folder):
        return plan_page(view_of_folder(folder, instance))
    raise ValueError("no solution.json with a plan, comparison.csv, tradeoff.csv, alternatives.csv or stochastic.json "
                     "to report on")


def _has_plan(folder: Path) -> bool:
    path = folder / "solution.json"
    if not path.is_file():
        return False
    return bool(json.loads(path.read_text(encoding="utf-8")).get("has_plan"))


def instance_of_folder(folder: Path) -> str | None:
    """The instance path a folder's solution.json names (its `source`)."""
    for candidate in (folder / "solution.json", folder / "base" / "solution.json", folder / "plan-1" / "solution.json",
                      folder / "point-1" / "solution.json", *sorted(folder.glob("*/solution.json"))):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8")).get("source")
    return None
