"""Files and terminal text for the studies (scenarios, trade-offs, alternatives, why).

Each function takes what a study returned; none of them solves.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..data.atomic import atomic_path
from ..data.cells import write_csv, write_workbook
from .solution import write_outputs
from .summary import money


def write_frame(frame: pd.DataFrame, target: Path) -> Path:
    return write_csv(frame, target)


def _number(value, currency: str = "", digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return money(value, currency, digits) if currency else f"{value:,.{digits}f}"


TEXT_WIDTH = 96  # the last (free-text) column on the terminal; the CSV has it in full


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_WIDTH else text[:TEXT_WIDTH - 4].rsplit(", ", 1)[0] + ", ..."


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    rows = [[*r[:-1], _clip(str(r[-1]))] for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    last = len(header) - 1
    line = lambda cells: "  ".join(str(c).ljust(w) if i in (0, last) else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(header), line(["-" * w for w in widths]), *[line(r) for r in rows]]


# ---- scenarios ----------------------------------------------------------------------------------


def write_scenario_study(study, out: Path, xlsx: bool = False) -> list[Path]:
    """Each scenario's solution folder, comparison.csv and .xlsx, changes.csv."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for sr in study.runs:
        if sr.run is not None:
            written += write_outputs(sr.run, out / sr.name, xlsx=xlsx)[:1]
    written.append(write_frame(study.comparison, out / "comparison.csv"))
    written.append(write_workbook({"comparison": study.comparison, "changes": study.changes}, out / "comparison.xlsx"))
    written.append(write_frame(study.changes, out / "changes.csv"))
    return written


def scenario_lines(study, currency: str, kind: str) -> list[str]:
    """One line per scenario; the last column says what changes.csv lists for it, in short."""
    from ..studies.compare import changes_text

    rows = []
    for row in study.comparison.to_dict("records"):
        changed = study.changes[study.changes["scenario"] == row["scenario"]].to_dict("records")
        planned = row["scenario"] != "base" and isinstance(row.get("markets"), str)
        rows.append([row["scenario"], row["status"], _number(row.get("objective"), currency),
                     _number(row.get("objective_vs_base"), currency) if row["scenario"] != "base" else "",
                     row.get("markets") if isinstance(row.get("markets"), str) else "-",
                     row.get("warehouses") if isinstance(row.get("warehouses"), str) else "-",
                     changes_text(changed) if planned else ""])
    lines = _table(["scenario", "status", kind, "vs base", "markets", "warehouses", "decisions changed from base"], rows)
    for row in study.comparison.to_dict("records"):
        if row.get("diagnosis"):
            what = "error" if row["status"] == "error" else "no feasible plan"
            lines.append(f"{row['scenario']}: {what}: {row['diagnosis']}")
    return lines


# ---- why --------------------------------------------------------------------------------------------


def why_lines(answer, currency: str, kind: str) -> list[str]:
    """The answer to `explain --why`: the forced plan against the optimal one, and every money term
    that differs, signed by what it does to the objective, so that the lines add up to the
    difference."""
    from ..studies.compare import changes_text
    from ..studies.explain import explain

    what = answer.question
    base = answer.base.result.objective
    now = "taken" if answer.planned else "not taken"
    other = "without it" if answer.planned else "with it"
    lines = [f"{what}: {now} in the optimal plan ({kind} {money(base, currency)})."]
    if not answer.forced.has_plan:
        lines.append(f"Forcing it the other way leaves no feasible plan ({answer.forced.result.status.value}).")
        if answer.diagnosis is not None:
            lines += explain(answer.diagnosis).splitlines()[1:]
        return lines
    diff = answer.difference
    lines.append(f"The best plan {other}: {kind} {money(answer.forced.result.objective, currency)} "
                 f"({'+' if diff >= 0 else ''}{money(diff, currency)}).")
    effects = answer.effects()
    shown = effects[effects["effect"].abs() > 0.005]
    if len(shown):
        lines.append(f"What accounts for it (each term's effect on the {kind}, forced plan minus optimal plan):")
        width = max(16, *(len(t) for t in shown["term"]))
        lines += [f"  {t.term:<{width}} {'+' if t.effect >= 0 else ''}{money(t.effect, currency)}" for t in shown.itertuples()]
        total = effects["effect"].sum()
        lines.append(f"  {'total':<{width}} {'+' if total >= 0 else ''}{money(total, currency)}")
    lines.append(f"Decisions that change: {changes_text(answer.changes)}")
    return lines


# ---- alternatives ----------------------------------------------------------------------------------


def alternatives_lines(study, currency: str, kind: str) -> list[str]:
    rows = [[str(r["rank"]), _number(r["objective"], currency), f"{100 * r['gap_to_best']:.3f}%",
             "passed" if r["checked"] else "FAILED", r["changes_vs_best"] or "(the best plan)"]
            for r in study.table.to_dict("records")]
    return _table(["rank", kind, "behind best", "check", "differs from the best in"], rows) + [f"({study.stopped})"]


# ---- trade-off -------------------------------------------------------------------------------------


def tradeoff_lines(study, currency: str, kind: str) -> list[str]:
    m = study.measure
    unit = m.unit.replace("{cur}", currency)
    digits = 0 if unit in (currency, "warehouses") else 3
    rows = [[_number(r["limit"], digits=digits), _number(r["value"], digits=digits), r["status"],
             _number(r.get("objective"), currency), "passed" if r["checked"] else "-", r["changes"] or ""]
            for r in study.table.to_dict("records")]
    header = [f"limit ({unit})", m.title, "status", kind, "check", "changes from the previous point"]
    return _table(header, rows) + [f"({study.stopped})"]


def tradeoff_chart(study, target: Path, currency: str, kind: str) -> str | None:
    """tradeoff.png with matplotlib; the reason when it cannot be drawn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no chart: matplotlib is not installed (pip install 'xborder[plot]')"
    table = study.table.dropna(subset=["value"])
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    ax.plot(table["value"], table["objective"], marker="o")
    unit = study.measure.unit.replace("{cur}", currency)
    ax.set_xlabel(f"{study.measure.title} ({unit})")
    ax.set_ylabel(f"{kind} ({currency})")
    ax.set_title(f"{kind} against {study.measure.title}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return None


# ---- stochastic ----------------------------------------------------------------------------------


def write_stochastic_study(result, study, uncertain, out: Path) -> list[Path]:
    """stochastic.json (method, objective, expected value, bound, gap, WS, EEV, EVPI, VSS, the
    first stage), scenarios.csv and each scenario's solution folder."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, run in zip(uncertain.names, result.runs):
        written += write_outputs(run, out / name)[:1]
    summary = {"method": result.method, "status": result.status, "objective": result.objective,
               "solver_objective": result.solver_objective, "expected": result.expected, "bound": result.bound,
               "gap": None if result.gap is None or not math.isfinite(result.gap) else result.gap,
               "seconds": result.seconds, "message": result.message,
               "risk": {"alpha": result.risk.alpha, "weight": result.risk.weight},
               "instance": uncertain.base.name, "scenario_file": uncertain.source,
               "first_stage": result.first_stage, "checked": result.ok, "issues": result.issues,
               "probabilities": dict(zip(uncertain.names, uncertain.probabilities))}
    if result.start:
        summary["expected_value_start"] = result.start
    if study is not None:
        summary.update(wait_and_see=study.wait_and_see, expected_value_solution=study.expected_value,
                       evpi=study.evpi, vss=study.vss)
        scenarios = study.scenarios
    else:
        from ..studies.compare import kpi_row

        scenarios = pd.DataFrame([{"scenario": n, "probability": p, **kpi_row(r)}
                                  for n, p, r in zip(uncertain.names, uncertain.probabilities, result.runs)])
    written.append(write_frame(scenarios, out / "scenarios.csv"))
    target = out / "stochastic.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(summary, indent=1, default=float) + "\n", encoding="utf-8")
    written.append(target)
    return written


def stochastic_lines(result, study, uncertain, risk) -> list[str]:
    currency = uncertain.base.settings["currency"]
    kind = uncertain.base.objective
    first = result.first_stage
    gap = "-" if result.gap is None else "infinite" if not math.isfinite(result.gap) else f"{100 * result.gap:.3g}%"
    lines = [f"{uncertain.base.name}: two-stage plan over {len(uncertain.names)} scenarios ({result.method}, {result.status})",
             f"  expected {kind}: {_number(result.expected, currency)} (each scenario's plan checked: "
             f"{'passed' if result.ok else 'FAILED'})"]
    lines += [f"  check: {issue}" for issue in result.issues]
    if risk.weight > 0:
        lines.append(f"  risk-averse objective ({1 - risk.weight:g} E + {risk.weight:g} CVaR_{risk.alpha:g}): "
                     f"{_number(result.objective, currency)}")
    lines.append(f"  bound {_number(result.bound, currency)}, gap {gap}" + (f" ({result.message})" if result.method == "ph" else ""))
    if result.start:
        start = result.start
        lines.append(f"  expected-value start: {_number(start['start_expected'], currency)} after {start['start_seconds']:g} s"
                     if "start_expected" in start else f"  expected-value start: none ({start['message']})")
    lines.append(f"  first stage: markets {' '.join(first['markets']) or '-'}; warehouses {' '.join(first['warehouses']) or '-'}; "
                 f"{len(first['channels'])} channels; {first['product_markets']} product-markets"
                 + (f"; {len(first['payment_methods'])} payment methods" if first.get("payment_methods") else "")
                 + (f"; {sum(first['creators'].values())} creator campaigns" if first.get("creators") else "")
                 + (f"; origins {' '.join(first['origins'])}" if first.get("origins") else "")
                 + (f"; customer data hosted in {' '.join(first['data_hosting'])}" if first.get("data_hosting") else "")
                 + (f", sent out under {' '.join(first['data_transfers'])}" if first.get("data_transfers") else ""))
    if study is not None:
        lines.append(f"  wait-and-see (each scenario known in advance): {_number(study.wait_and_see, currency)}; "
                     f"EVPI {_number(study.evpi, currency)}")
        lines.append(f"  expected-value plan's first stage under uncertainty (EEV): {_number(study.expected_value, currency)}; "
                     f"VSS {_number(study.vss, currency)}")
        rows = [[r["scenario"], f"{r['probability']:.3g}", _number(r.get("objective"), currency),
                 _number(r.get("own_optimum"), currency), _number(r.get("revenue"), currency),
                 "passed" if r["checked"] else "FAILED"] for r in study.scenarios.to_dict("records")]
        lines += _table(["scenario", "probability", kind, "its own optimum", "revenue", "check"], rows)
    return lines
