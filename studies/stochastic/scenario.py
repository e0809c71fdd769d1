"""The scenario axis: one scenario creator, and the uncertainty set it is applied to.

`scenario_creator` builds one scenario's model: the instance with the scenario applied, built
without presolve (so that every scenario has the same columns and rows), with its first-stage
columns those of `FIRST_STAGE` (models/build.py), named there once. The extensive form, CVaR,
progressive hedging (ph_run.py), the wait-and-see and the expected-value solves are all made of
what it returns (docs/uncertainty.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from ...data.errors import Issue
from ...data.instance import Instance
from ...data.scenarios import SHEET, Scenario, ScenarioError, apply_scenarios, check_uncertainty, read_scenarios, scenario_document
from ...models.build import FIRST_STAGE, build_model
from ...models.formulation import Formulation
from ...solvers.compile import CompiledModel


@dataclass(frozen=True)
class Risk:
    alpha: float = 0.9
    weight: float = 0.0  # 0: risk-neutral

    @classmethod
    def parse(cls, text: str | None) -> "Risk":
        """'cvar:alpha=0.9,weight=0.3'; ValueError naming what is wrong."""
        if not text:
            return cls()
        kind, _, rest = text.partition(":")
        if kind.strip() != "cvar":
            raise ValueError(f"--risk expects cvar:alpha=A,weight=W, got '{text}'")
        values = {}
        for part in rest.split(","):
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep or key not in ("alpha", "weight"):
                raise ValueError(f"--risk: expected alpha=A and weight=W, got '{part.strip()}'")
            try:
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"--risk: {key} must be a number, got '{value}'") from None
        risk = cls(values.get("alpha", 0.9), values.get("weight", 0.0))
        if not 0 < risk.alpha < 1 or not 0 <= risk.weight <= 1:
            raise ValueError("--risk: alpha must be in (0, 1) and weight in [0, 1]")
        return risk


@dataclass
class ScenarioModel:
    """One scenario's model as the scenario creator makes it, and its matrices."""

    name: str
    probability: float
    instance: Instance
    model: pyo.ConcreteModel
    compiled: CompiledModel

    @property
    def first(self) -> np.ndarray:
        """The first-stage columns (FIRST_STAGE)."""
        return self.model.cols.mask(FIRST_STAGE)

    @property
    def shape(self) -> tuple:
        """The row families and decisions the model has: what every scenario must share."""
        families = tuple((name, end - start) for name, (start, end, _) in self.compiled.families.items())
        return families, decisions_of(self.model)


def decisions_of(model) -> tuple:
    """The model's decisions: each variable with its keys, in column order."""
    return tuple((name, tuple(map(str, keys))) for name, keys in model.cols.keys.items())


def scenario_creator(instance: Instance, name: str = "", probability: float = 1.0,
                     formulation: Formulation | None = None) -> ScenarioModel:
    """The model of one scenario (an instance with the scenario applied): built without presolve."""
    model = build_model(instance, formulation or Formulation(), presolve=False)
    return ScenarioModel(name, probability, instance, model, CompiledModel(model))


@dataclass
class Uncertain:
    """The base instance and its scenarios, each applied and validated."""

    base: Instance
    names: list[str]
    probabilities: list[float]
    instances: list[Instance]
    documents: list[dict]
    source: str = ""  # the scenario file, as its path was given
    built: dict = field(default_factory=dict, repr=False, compare=False)  # Formulation -> [ScenarioModel], built once

    def scenarios(self, formulation: Formulation) -> list[ScenarioModel]:
        """Every scenario's model under `formulation`, made by the scenario creator on first use
        and kept: the EF, the EEV and PH's first-stage names all read the same ones."""
        if formulation not in self.built:
            self.built[formulation] = [scenario_creator(i, n, p, formulation)
                                       for n, p, i in zip(self.names, self.probabilities, self.instances)]
        return self.built[formulation]


def read_uncertainty(base: Instance, path) -> Uncertain:
    """Scenarios with probabilities, numbers-only, and the same model shape in every scenario."""
    scenarios = read_scenarios(path, base)
    check_uncertainty(scenarios)
    documents = [scenario_document(base, s) for s in scenarios]
    uncertain = Uncertain(base, [s.name for s in scenarios], [s.probability for s in scenarios],
                          apply_scenarios(base, scenarios), documents, str(path))
    _check_same_shape(base, scenarios, uncertain.scenarios(Formulation()))
    return uncertain


def _check_same_shape(base: Instance, scenarios: list[Scenario], built: list[ScenarioModel]):
    """Every scenario must give the base's model shape: the same decisions and the same rows."""
    reference = scenario_creator(base).shape
    issues = []
    for scenario, made in zip(scenarios, built):
        if made.shape != reference:
            o = scenario.overrides[0]
            rows = ", ".join(str(x.row) for x in scenario.overrides)
            issues.append(Issue(o.file, SHEET, f"scenario '{scenario.name}' (rows {rows}) changes which decisions or "
                                               "limits exist (a promise, a lane, a limit switched on or off); an "
                                               "uncertainty scenario may only change numbers that keep the model's shape",
                                o.row, o.column))
    if issues:
        raise ScenarioError(issues)
