"""What-if scenarios: solve the base instance and each scenario of a scenario file, compare.

Every scenario is applied to the base instance and validated before anything is solved
(data/scenarios.py), so a bad row stops the study at once. Each solve is the ordinary pipeline
run, checked by the independent checker; an infeasible scenario carries its elastic diagnosis
and does not stop the others. With `jobs > 1` the solves run in that many worker processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import pandas as pd

from ..data.instance import Instance
from ..data.scenarios import BASE, Scenario, apply_scenario
from ..models.formulation import Formulation
from ..pipeline import Run, solve_loaded
from ..solvers import SolveOptions, Status
from ..solvers.progress import SILENT
from .compare import is_number, kpi_row, plan_changes
from .explain import Diagnosis, diagnose_infeasibility, explain


@dataclass
class ScenarioRun:
    name: str
    instance: Instance
    run: Run
    diagnosis: Diagnosis | None = None

    @property
    def diagnosis_text(self) -> str:
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
    return [(BASE, base)] + [(s.name, apply_scenario(base, s)) for s in scenarios]


def solve_scenario(name: str, instance: Instance, formulation: Formulation, options: SolveOptions,
                   solver_name: str = "highs") -> ScenarioRun:
    """One checked solve; an infeasible one with its elastic diagnosis."""
    run = solve_loaded(instance, formulation, options, solver_name)
    diagnosis = None
    if not run.has_plan and run.result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        diagnosis = diagnose_infeasibility(instance, formulation, time_limit=options.time_limit or 60.0)
    return ScenarioRun(name, instance, run, diagnosis)


def _solve_in_worker(args) -> ScenarioRun:
    return solve_scenario(*args)


def run_scenarios(base: Instance, scenarios: list[Scenario], formulation: Formulation | None = None,
                  options: SolveOptions | None = None, jobs: int = 1, solver_name: str = "highs",
                  on_done=None) -> ScenarioStudy:
    """Solve the base and every scenario (in `jobs` worker processes when > 1); `on_done(run)`
    is called as each finishes."""
    formulation = formulation or Formulation()
    options = options or SolveOptions()
    named = edited_instances(base, scenarios)
    runs: list[ScenarioRun] = []
    if jobs <= 1:
        for name, instance in named:
            runs.append(solve_scenario(name, instance, formulation, options, solver_name))
            if on_done:
                on_done(runs[-1])
    else:
        quiet = replace(options, progress=SILENT)
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_solve_in_worker, (name, instance, formulation, quiet, solver_name))
                       for name, instance in named]
            for future in futures:
                runs.append(future.result())
                if on_done:
                    on_done(runs[-1])
    return ScenarioStudy(runs, comparison_table(runs), changes_table(runs))


def comparison_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    """One row per scenario with every KPI and, for the numeric ones, the difference to base."""
    rows = []
    for sr in runs:
        row = {"scenario": sr.name, **kpi_row(sr.run), "diagnosis": sr.diagnosis_text}
        rows.append(row)
    frame = pd.DataFrame(rows)
    base = frame.iloc[0]
    numeric = [c for c in frame.columns if c not in ("scenario", "status", "checked", "gap", "diagnosis")
               and frame[c].map(lambda v: v is None or is_number(v) or pd.isna(v)).all()]
    for column in numeric:
        if is_number(base[column]):
            frame[f"{column}_vs_base"] = pd.to_numeric(frame[column], errors="coerce") - base[column]
    return frame


def changes_table(runs: list[ScenarioRun]) -> pd.DataFrame:
    base = runs[0].run.plan
    rows = [{"scenario": sr.name, **change} for sr in runs[1:] if sr.run.has_plan
            for change in plan_changes(base, sr.run.plan)]
    return pd.DataFrame(rows, columns=["scenario", "kind", "item", "change"])
