"""Formulation options (docs/model.md, "Formulation options") as typed choices, and their registry.

A `Formulation` is a frozen record of four enum choices. `Formulation.parse("linking=weak,flow=path")`
reads the CLI's spelling; `OPTIONS` documents every choice for `xborder formulations`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum


class Linking(str, Enum):
    STRONG = "strong"
    WEAK = "weak"


class Demand(str, Enum):
    AGGREGATED = "aggregated"
    BY_CHANNEL = "by_channel"


class Flow(str, Enum):
    ARC = "arc"
    PATH = "path"


class Sourcing(str, Enum):
    SPLIT = "split"
    SINGLE = "single"


@dataclass(frozen=True)
class Option:
    name: str
    choices: type[Enum]
    default: Enum
    help: dict


OPTIONS: dict[str, Option] = {
    o.name: o
    for o in [
        Option(
            "linking",
            Linking,
            Linking.STRONG,
            {
                Linking.STRONG: "adds f[p,l] <= U[p,m] * y[w] per last-mile arc: more rows, tighter LP bound",
                Linking.WEAK: "links flows to y[w] only through the aggregated capacity row 10: fewer rows, weaker LP",
            },
        ),
        Option(
            "demand",
            Demand,
            Demand.AGGREGATED,
            {
                Demand.AGGREGATED: "one q[p,m] bounded by base*z + sum_c pot*s (rows 5-6): compact",
                Demand.BY_CHANNEL: "splits q into qb + sum_c qc with qc <= pot*s, qc <= pot*z: more columns, tighter LP",
            },
        ),
        Option(
            "flow",
            Flow,
            Flow.ARC,
            {
                Flow.ARC: "arc flows with market and warehouse balance rows 8-9: smallest model",
                Flow.PATH: "one flow per (p, m, route), route = direct lane or linehaul+last-mile pair: no balance rows, more columns",
            },
        ),
        Option(
            "sourcing",
            Sourcing,
            Sourcing.SPLIT,
            {
                Sourcing.SPLIT: "a product-market may be served by several lanes (the planning problem itself)",
                Sourcing.SINGLE: "binary a[p,m,l]: one lane per offered product-market; a different problem, may cost more",
            },
        ),
    ]
}


@dataclass(frozen=True)
class Formulation:
    linking: Linking = Linking.STRONG
    demand: Demand = Demand.AGGREGATED
    flow: Flow = Flow.ARC
    sourcing: Sourcing = Sourcing.SPLIT

    @classmethod
    def parse(cls, text: str | None) -> "Formulation":
        """Parse `key=value,key=value`; raises ValueError naming the bad key or value."""
        formulation = cls()
        if not text:
            return formulation
        for part in text.split(","):
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep or key not in OPTIONS:
                raise ValueError(f"unknown formulation option '{part.strip()}' (options: {', '.join(OPTIONS)})")
            choices = OPTIONS[key].choices
            try:
                formulation = replace(formulation, **{key: choices(value)})
            except ValueError:
                allowed = "|".join(c.value for c in choices)
                raise ValueError(f"formulation option {key} must be one of {allowed}, got '{value}'") from None
        return formulation

    def __str__(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name).value}" for f in fields(self))

    @property
    def is_default(self) -> bool:
        return self == Formulation()
