"""Re-checking what a study wrote, from its files alone: a plan made for a scenario of a scenario
file (the scenario is applied to the base instance first), and a stochastic study's folder (each
scenario's plan, the first stage they must share, and the expected and risk-adjusted objectives
recomputed from the checked plans rather than taken from the solver)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..data.errors import InstanceError
from ..data.instance import Instance
from ..data.read import parse_json
from ..data.scenarios import apply_scenario, read_scenarios
from .plan import REL_TOL, Evaluation, PlanChecker
from .solution import SolutionError, read_solution, scenario_of
from .values import first_stage_differences, risk_adjusted

STOCHASTIC_SUMMARY = "stochastic.json"


def check_plan(instance: Instance, plan: dict, reported_objective: float | None = None,
             single_sourcing: bool = False) -> Evaluation:
    """Evaluate a plan (decisions and flows) against the instance: every row, a multi-period
    instance's period rows too, and the objective against `reported_objective` if given."""
    return PlanChecker(instance, plan, single_sourcing).evaluate(reported_objective)


def read_document(path: Path, what: str) -> dict:
    try:
        doc = parse_json(Path(path), what)
    except InstanceError as err:
        raise SolutionError(f"cannot read {what}: {err}") from None
    if not isinstance(doc, dict):
        raise SolutionError(f"{what} must be a JSON object")
    return doc


def instance_for(base: Instance, doc: dict, scenario_file: str | Path | None = None) -> Instance:
    """The instance a solution document was made for: `base`, or `base` with the document's
    scenario applied, read from the document's scenario file (or `scenario_file`, if given)."""
    scenario = scenario_of(doc)
    if scenario is None:
        return base
    name, file = scenario
    file = Path(scenario_file or file)
    if not file.is_file():
        raise SolutionError(f"the plan was made for scenario '{name}' of {file}, which is not there "
                            "(give the scenario file with --scenarios)")
    try:
        found = {s.name: s for s in read_scenarios(file, base)}
        if name not in found:
            raise SolutionError(f"the plan was made for scenario '{name}', which {file} does not have "
                                f"(scenarios: {', '.join(found)})")
        return apply_scenario(base, found[name])
    except InstanceError as err:
        raise SolutionError(f"cannot apply scenario '{name}' of {file}: {err}") from None


@dataclass
class StochasticCheck:
    """A stochastic study's folder re-checked: each scenario's evaluation, and what is wrong
    with the study as a whole (first stage, recomputed objectives)."""

    evaluations: dict[str, Evaluation]
    expected: float
    objective: float
    issues: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues and all(ev.ok for ev in self.evaluations.values())


def check_stochastic_folder(base: Instance, folder: str | Path, scenario_file: str | Path | None = None) -> StochasticCheck:
    """Re-check the folder `xborder stochastic` wrote: every scenario's solution.json against
    its scenario of the base instance, the first stage identical in all of them, and the
    study's reported expected and (risk-adjusted) objectives against the ones recomputed here."""
    folder = Path(folder)
    summary = read_document(folder / STOCHASTIC_SUMMARY, STOCHASTIC_SUMMARY)
    probabilities = summary.get("probabilities")
    risk = summary.get("risk") or {"alpha": 0.9, "weight": 0.0}
    if not isinstance(probabilities, dict) or not probabilities:
        raise SolutionError(f"{STOCHASTIC_SUMMARY}: 'probabilities' must name each scenario with its probability")
    plans, evaluations = {}, {}
    for name in probabilities:
        path = folder / name / "solution.json"
        if not path.is_file():
            raise SolutionError(f"{path}: missing; the study's scenario '{name}' has no solution file")
        doc = read_document(path, f"{name}/solution.json")
        if (scenario_of(doc) or (None,))[0] != name:
            raise SolutionError(f"{path}: its 'scenario' does not name '{name}'")
        plan, objective = read_solution(doc, base.objective)
        plans[name] = plan
        evaluations[name] = check_plan(instance_for(base, doc, scenario_file), plan, objective)
    outcomes = [ev.objective for ev in evaluations.values()]
    p = [float(v) for v in probabilities.values()]
    maximise = base.objective == "profit"
    result = StochasticCheck(evaluations, risk_adjusted(outcomes, p, maximise),
                             risk_adjusted(outcomes, p, maximise, float(risk["alpha"]), float(risk["weight"])))
    result.issues = first_stage_differences(plans)
    for key, recomputed in (("expected", result.expected), ("objective", result.objective)):
        reported = summary.get(key)
        if not isinstance(reported, (int, float)) or abs(reported - recomputed) > REL_TOL * max(1.0, abs(recomputed)):
            result.issues.append(f"{STOCHASTIC_SUMMARY}: '{key}' is {reported!r}; recomputed from the checked plans: "
                                 f"{recomputed:,.6f}")
    return result
