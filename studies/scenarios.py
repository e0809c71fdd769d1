"""What-if scenarios: solve the base instance and each scenario of a scenario file, compare.

Every scenario is applied to the base instance and validated before anything is solved
(data/scenarios.py), so a bad row stops the study at once. Each solve is the ordinary pipeline
run, checked by the independent checker; an infeasible scenario carries its elastic diagnosis
and does not stop the others. With `jobs > 1` the solves run on a Dask cluster (studies/runner.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..data.instance import Instance
from ..data.scenarios import BASE, Scenario, apply_scenarios
from ..models.formulation import Formulation
from ..pipeline import Run, solve_loaded
from ..solvers import SolveOptions, Status
from ..solvers.progress import SILENT
from .compare import is_number, kpi_row, plan_changes
from .explain import Diagnosis, diagnose_infeasibility, explain
from .runner import make_runner


@dataclass
class ScenarioRun:
    name: str
    instance: Instance
    run: Run | None  # None: the run failed (twice), see `error`
    diagnosis: Diagnosis | None = None
    error: str | None = None
    retried: bool = False

    @property
    def diagnosis_text(self) -> str:
        if self.error is not None:
            return f"run failed{' (also when retried)' if self.retried else ''}: {self.error}"
        if self.diagnosis is None:
            return ""
        return "; ".join(s.text for s in self.diagnosis.shortfalls) or explain(self.diagnosis).splitlines()[-1]


@dataclass
class ScenarioStudy:
    runs: list[ScenarioRun]  # base first, then the scenarios in file order
    comparison: pd.DataFrame  # one row per scenario: status, objective, gap, KPIs, difference to base
    changes: pd.DataFrame  # scenario, kind, item, change: decisions that differ from base


def edited_instances(base: Instance, scenarios: list[Scenario]) -> list[tuple[str, Instance]]:
    """(name, instance) for the base and every scenario; raises ScenarioError before any solve."""
    return [(BASE, base)] + [(s.name, edited) for s, edited in zip(scenarios, apply_scenarios(base, scenarios))]


def solve_scenario(name: str, instance: Instance, formulation: Formulation, options: SolveOptions,
                   solver_name: str = "highs") -> ScenarioRun:
    """One checked solve; an infeasible one with its elastic diagnosis."""
    run = solve_loaded(instance, formulation, options, solver_name)
    diagnosis = None
    if not run.has_plan and run.result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        diagnosis = diagnose_infeasibility(instance, formulation, time_limit=options.time_limit or 60.0)
    return ScenarioRun(name, instance, run, diagnosis)


def _solve_item(item) -> ScenarioRun:
    return solve_scenario(*item)


def run_scenarios(base: Instance, scenarios: list[Scenario], formulation: Formulation | None = None,
                  options: SolveOptions | None = None, jobs: int = 1, solver_name: str = "highs",
                  on_done=None, scheduler: str | None = None) -> ScenarioStudy:
    """Solve the base and every scenario, here or on a Dask cluster (`jobs` local workers, or the
    cluster at `scheduler`; studies/runner.py); `on_done(scenario_run)` is called as each
    finishes. A scenario whose run failed twice is kept, with its error."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    named = edited_instances(base, scenarios)
    quiet = replace(options, progress=SILENT)
    items = [(name, instance, formulation, quiet, solver_name) for name, instance in named]
    runner = make_runner(jobs, scheduler)
    try:
        outcomes = runner.map(_solve_item, items, on_done=(lambda o: on_done(_scenario_run(o))) if on_done else None)
    finally:
        runner.close()
    runs = [_scenario_run(o) for o in outcomes]
    sweeps = {sc.name: sc.sweep for sc in scenarios if sc.sweep is not None}
    return ScenarioStudy(runs, comparison_table(runs, sweeps), changes_table(runs))


def _scenario_run(outcome) -> ScenarioRun:
    if outcome.ok:
        run = outcome.value
        run.retried = outcome.retried
        return run
    name, instance = outcome.item[0], outcome.item[1]
    return ScenarioRun(name, instance, None, error=outcome.error, retried=outcome.retried)


def comparison_table(runs: list[ScenarioRun], sweeps: dict | None = None) -> pd.DataFrame:
    """One row per scenario with every KPI and, for the numeric ones, the difference to base;
    with sweeps, what each scenario sweeps and its point (`swept`, `swept_value`)."""
    rows = []
    for sr in runs:
        kpis = kpi_row(sr.run) if sr.run is not None else {"status": "error", "objective": None, "gap": None, "checked": False}
        swept = {}
        if sweeps:
            sweep = sweeps.get(sr.name)
            swept = {"swept": sweep.label if sweep else None, "swept_value": sweep.value if sweep else None}
        rows.append({"scenario": sr.name, **swept, **kpis, "diagnosis": sr.diagnosis_text, "retried": sr.retried})
    frame = pd.DataFrame(rows)
    base = frame.iloc[0]
    numeric = [c for c in frame.columns if c not in ("scenario", "swept", "swept_value", "status", "checked", "gap", "diagnosis",
                                                     "retried")
               and frame[c].map(lambda v: v is None or is_number(v) or pd.isna(v)).all()]
    for column in numeric:
        if is_number(base[column]):
            frame[f"{column}_vs_base"] = pd.to_numeric(frame[column], errors="coerce") - base[column]
    return frame


def changes_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    base = runs[0].run.plan if runs[0].run is not None else None
    rows = [{"scenario": sr.name, **change} for sr in runs[1:] if sr.run is not None and sr.run.has_plan
            for change in plan_changes(base, sr.run.plan)]
    return pd.DataFrame(rows, columns=["scenario", "kind", "item", "change"])
