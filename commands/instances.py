"""Commands about instances: validate, convert, generate, draw-scenarios."""

from __future__ import annotations

from pathlib import Path

import click

from ..data.generate import MECHANICS
from .common import check_target, fail_input, format_options, load


@click.command()
@click.argument("instance", type=click.Path())
@format_options
def validate(instance, fmt, capacity, uncapacitated):
    """Load and check INSTANCE (.json, .xlsx or a folder of CSVs); print its size and warnings.

    \b
    Example:
      xborder validate instances/demo.xlsx
    """
    inst = load(instance, fmt, capacity, uncapacitated)
    net = inst.network
    click.echo(f"{inst.name}: valid instance ({inst.objective} objective)")
    for name, frame in inst.tables.items():
        if len(frame):
            click.echo(f"  {name:<20} {len(frame):>7} rows")
    lanes = net.lanes
    usable = lanes[lanes["usable"]]
    click.echo(
        f"  usable lanes: {len(usable)} of {len(lanes)} "
        f"({(usable['kind'] == 'direct').sum()} direct, {(usable['kind'] == 'linehaul').sum()} linehaul, "
        f"{(usable['kind'] == 'lastmile').sum()} last-mile)"
    )
    click.echo(f"  offerable product-markets: {len(net.pairs)} of {len(net.candidates)}; flow arcs: {len(net.arcs)}")
    for warning in inst.warnings:
        click.echo(f"warning: {warning}")


@click.command()
@click.argument("instance", type=click.Path())
@click.option("--to", "target", type=click.Path(), required=True,
              help="Output: a .json file, a .xlsx workbook, or a folder (CSV files).")
@click.option("--scenarios", "scenario_file", type=click.Path(), default=None,
              help="A scenario file: write the instance with one of its scenarios applied (--scenario).")
@click.option("--scenario", "scenario_name", default=None, help="The scenario of --scenarios to apply.")
@format_options
def convert(instance, target, scenario_file, scenario_name, fmt, capacity, uncapacitated):
    """Convert INSTANCE (any input format) to xborder's own format, optionally with a scenario
    of a scenario file applied (the instance that scenario solves).

    \b
    Example:
      xborder convert benchmarks/orlib/cflp/cap41.txt --format orlib-cap --to cap41.json
      xborder convert instances/demo.json --to demo.xlsx
      xborder convert instances/demo.json --scenarios instances/demo-scenarios.csv \\
          --scenario sea_freight_plus_30 --to demo-sea.json
    """
    from ..data.write import write_instance

    check_target(target)
    inst = load(instance, fmt, capacity, uncapacitated)
    if (scenario_file is None) != (scenario_name is None):
        raise click.UsageError("--scenarios and --scenario go together")
    if scenario_file is not None:
        inst = _with_scenario(inst, scenario_file, scenario_name)
    try:
        write_instance(inst.settings, inst.tables, target)
    except OSError as err:
        fail_input(f"cannot write {target}: {err}")
    click.echo(f"wrote {target} ({inst.name}: {len(inst.tables['markets'])} markets, {len(inst.tables['lanes'])} lanes)")


def _with_scenario(inst, scenario_file, name):
    from ..data.errors import InstanceError, did_you_mean
    from ..data.scenarios import apply_scenario, read_scenarios

    try:
        found = {s.name: s for s in read_scenarios(scenario_file, inst)}
        if name not in found:
            fail_input(f"{scenario_file}: no scenario '{name}'{did_you_mean(name, found)} (scenarios: {', '.join(found)})")
        return apply_scenario(inst, found[name])
    except InstanceError as err:
        fail_input(err)


@click.command()
@click.option("--size", type=click.Choice(["s", "m", "l", "xl"]), default=None,
              help="Preset sizes: s 50x6x4, m 300x10x6, l 1000x15x10, xl 2000x20x15 (products x markets x warehouses).")
@click.option("--products", type=click.IntRange(min=1), default=None)
@click.option("--markets", type=click.IntRange(min=1), default=None)
@click.option("--warehouses", type=click.IntRange(min=0), default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--objective", type=click.Choice(["profit", "cost"]), default="profit", show_default=True)
@click.option("--out", "target", type=click.Path(), required=True, help="A .json file, a .xlsx workbook or a folder (CSV).")
@click.option("--scenarios", "scenario_count", type=click.IntRange(min=1), default=None,
              help="Also draw an uncertainty set of this many scenarios, written beside as <name>-scenarios.csv.")
@click.option("--mechanic", "mechanics", type=click.Choice(list(MECHANICS)), multiple=True,
              help="Also fill this optional table from the catalogue (repeatable); without it, today's presets.")
def generate(size, products, markets, warehouses, seed, objective, target, scenario_count, mechanics):
    """Write a realistic, reproducible instance (same seed and sizes, same file).

    Explicit --products/--markets/--warehouses override the --size preset.

    \b
    Example:
      xborder generate --size m --seed 7 --out gen-m.json
      xborder generate --products 200 --markets 8 --warehouses 5 --objective cost --out gen.xlsx
    """
    from ..data.generate import SIZES, GeneratorSpec
    from ..data.generate import generate as make
    from ..data.instance import load_document
    from ..data.write import write_instance

    check_target(target)
    preset = SIZES[size] if size else SIZES["s"]
    spec = GeneratorSpec(products or preset[0], markets or preset[1], preset[2] if warehouses is None else warehouses, seed, objective,
                         tuple(dict.fromkeys(mechanics)))
    try:
        spec.check()
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    inst = load_document(make(spec), Path(target).name)
    try:
        write_instance(inst.settings, inst.tables, target)
    except OSError as err:
        fail_input(f"cannot write {target}: {err}")
    net = inst.network
    click.echo(f"wrote {target}: {spec.products} products x {spec.markets} markets x {spec.warehouses} warehouses, "
               f"{len(net.pairs)} offerable pairs, {len(net.arcs)} flow arcs ({objective} objective)")
    if scenario_count:
        beside = Path(target).with_name(f"{Path(target).stem}-scenarios.csv")
        _write_scenario_file(inst, scenario_count, seed, beside)
        click.echo(f"wrote {beside}: {scenario_count} scenarios")


@click.command(name="draw-scenarios")
@click.argument("instance", type=click.Path())
@click.option("--count", type=click.IntRange(min=1), default=10, show_default=True, help="Scenarios to draw.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "target", type=click.Path(dir_okay=False), required=True, help="The scenario file (.csv or .json).")
def draw_scenarios_command(instance, count, seed, target):
    """Draw an uncertainty set for INSTANCE: equally likely scenarios with demand shocks
    correlated within each region, heavy-tailed viral hits on TikTok Shop, Instagram and Shopee
    Live campaigns, and a freight-rate shock (data/generate.py, draw_scenarios). The file is
    ready for `xborder stochastic` and `xborder scenarios`.

    \b
    Example:
      xborder draw-scenarios instances/demo.json --count 50 --seed 1 --out demo-50.csv
    """
    inst = load(instance)
    _write_scenario_file(inst, count, seed, target)
    click.echo(f"wrote {target}: {count} scenarios for {inst.name}")


def _write_scenario_file(inst, count, seed, target):
    import json

    import pandas as pd

    from ..data.atomic import atomic_path
    from ..data.cells import write_csv
    from ..data.generate import draw_scenarios

    target = Path(target)
    if target.suffix.lower() not in (".csv", ".json"):
        fail_input(f"{target}: a scenario file is .csv or .json")
    rows = draw_scenarios(inst, count, seed)
    try:
        if target.suffix.lower() == ".csv":
            write_csv(pd.DataFrame(rows, columns=["scenario", "probability", "table", "action", "column", "value", "where"]),
                      target)
        else:
            with atomic_path(target) as tmp:
                tmp.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    except OSError as err:
        fail_input(f"cannot write {target}: {err}")


@click.command()
@click.option("--out", "target", type=click.Path(dir_okay=False), required=True, help="The workbook to write (.xlsx).")
def template(target):
    """Write an empty instance workbook to fill in: every table as a sheet, a note on each header
    (type, default, range, meaning), drop-down lists for keys and enumerations.

    \b
    Example:
      xborder template --out plan.xlsx
    """
    from ..data.template import template_workbook

    if Path(target).suffix.lower() != ".xlsx":
        fail_input(f"{target}: the template is a workbook; name it .xlsx")
    try:
        template_workbook(target)
    except OSError as err:
        fail_input(f"cannot write {target}: {err}")
    click.echo(f"wrote {target}: every table of an instance, empty, with notes and drop-down lists")


COMMANDS = (validate, convert, generate, draw_scenarios_command, template)
