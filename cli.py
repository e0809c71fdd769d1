"""xborder command line. Exit codes: 0 success, 1 no feasible plan / check failed, 2 bad input or
usage, 3 no plan better than doing nothing within the time limit, 130 interrupted (README table)."""

from __future__ import annotations

import contextlib
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .data.errors import InstanceError

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT, EXIT_NOTHING_FOUND, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
MAX_SHOWN = 25


def _fail_input(err: InstanceError | str):
    issues = err.issues if isinstance(err, InstanceError) else None
    if issues:
        click.echo(f"error: {err.subject} has {len(issues)} problem(s):", err=True)
        for issue in issues[:MAX_SHOWN]:
            click.echo(f"  {issue}", err=True)
        if len(issues) > MAX_SHOWN:
            click.echo(f"  ... and {len(issues) - MAX_SHOWN} more", err=True)
    else:
        click.echo(f"error: {err}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _load(path, fmt: str = "xborder", capacity: float | None = None, uncapacitated: bool = False):
    """Load a native instance, or convert a classic benchmark file (MODEL.md section 7)."""
    from .data.classic import read_classic
    from .data.instance import load_document, load_instance

    try:
        if fmt == "xborder":
            if capacity is not None or uncapacitated:
                _fail_input("--capacity and --uncapacitated apply to --format orlib-cap only")
            return load_instance(path)
        return load_document(read_classic(path, fmt, capacity, uncapacitated), path)
    except InstanceError as err:
        _fail_input(err)


def _solver_options(texts) -> dict:
    """KEY=VALUE pairs; values read as int, float, true/false or text."""
    options = {}
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got '{text}'", param_hint="--solver-option")
        value = value.strip()
        for cast in (int, float):
            try:
                value = cast(value)
                break
            except ValueError:
                continue
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        options[key.strip()] = value
    return options


def format_options(command):
    """--format / --capacity / --uncapacitated, shared by the commands that read an instance."""
    from .data.classic import FORMATS

    command = click.option("--uncapacitated", is_flag=True, help="orlib-cap: drop the capacities (uncapacitated variant).")(command)
    command = click.option("--capacity", type=click.FloatRange(min=0, min_open=True), default=None,
                           help="orlib-cap: capacity of every warehouse (capa/capb/capc leave it open).")(command)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="xborder", show_default=True,
                        help="Input format: xborder (.json/.xlsx/CSV folder), orlib-cap or holmberg.")(command)


def cluster_options(command):
    """Where independent solves run: here (default), a local Dask cluster, or a Dask scheduler."""
    command = click.option("--scheduler", default=None, metavar="ADDRESS",
                           help="Send the solves to this Dask scheduler (e.g. tcp://10.0.0.5:8786).")(command)
    return click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                        help="Solves at once, on a local Dask cluster of this many workers.")(command)


def _formulation(text):
    from .models.formulation import Formulation

    try:
        return Formulation.parse(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--formulation") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="xborder")
def cli():
    """xborder: plan markets, social channels, warehouses and lanes for cross-border sellers.

    \b
    Example:
      xborder validate instances/demo.json
      xborder solve instances/demo.json --out out/demo
      xborder check instances/demo.json out/demo/solution.json
    """


@cli.command()
@click.argument("instance", type=click.Path())
@format_options
def validate(instance, fmt, capacity, uncapacitated):
    """Load and check INSTANCE (.json, .xlsx or a folder of CSVs); print its size and warnings.

    \b
    Example:
      xborder validate instances/demo.xlsx
    """
    inst = _load(instance, fmt, capacity, uncapacitated)
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


@cli.command()
@click.argument("instance", type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance name>).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None, help="Seconds; the best plan found is kept.")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=1e-4, show_default=True, help="Relative MIP gap to stop at.")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="Solver threads (default: solver's choice).")
@click.option("--formulation", "formulation_text", default=None, metavar="K=V,...",
              help="Formulation options, e.g. linking=weak,flow=path (see `xborder formulations`).")
@click.option("--solver", default="highs", show_default=True, help="Solver back end (see `xborder solvers`).")
@click.option("--xlsx", is_flag=True, help="Also write the plan as solution.xlsx.")
@click.option("--report", "html", is_flag=True, help="Also write report.html (a page to open in a browser).")
@click.option("--log", is_flag=True, help="Also stream HiGHS's own log to the terminal.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the result (no progress lines, no warnings).")
@click.option("--no-presolve", is_flag=True, help="Keep dominated lanes and never-profitable product-markets in the model.")
@click.option("--warm-start/--no-warm-start", default=None,
              help="HiGHS: start from a rounded LP-relaxation plan (default: on for models of 20,000+ columns).")
@click.option("--cuts/--no-cuts", default=True, show_default=True,
              help="HiGHS: tighten the root LP with xborder's channel-demand and mitigation cuts before branching.")
@click.option("--tree/--no-tree", default=None,
              help="HiGHS: branch on markets, channels, warehouses and mitigation over the root LP before the "
                   "full MIP (default: on for models of 200,000+ columns, with the linking rows held back until violated, "
                   "and for smaller ones when less than 6 root-LP solve times of the limit are left after the root LP).")
@click.option("--solver-option", "solver_option_texts", multiple=True, metavar="KEY=VALUE",
              help="A solver option by the solver's own name, e.g. mip_heuristic_effort=0.3 (repeatable).")
@format_options
def solve(instance, out_dir, time_limit, mip_gap, threads, formulation_text, solver, xlsx, html, log, quiet, no_presolve,
          warm_start, cuts, tree, solver_option_texts, fmt, capacity, uncapacitated):
    """Solve INSTANCE and write DIR/solution.json, CSV tables (and a workbook with --xlsx).

    Progress (one line per stage, a live status line on a terminal) goes to stderr; --quiet
    prints only the result. Ctrl-C stops the solver and writes the best plan found so far
    (status interrupted, exit 130); a second Ctrl-C quits at once without writing.

    \b
    Example:
      xborder solve instances/demo.json --out out/demo --time-limit 60 --log
      xborder solve benchmarks/orlib/cflp/capa.txt --format orlib-cap --capacity 8000
      xborder solve benchmarks/orlib/holmberg/p1.txt --format holmberg   (sourcing=single)
    """
    from .models.formulation import Sourcing
    from .solvers import SolveOptions
    from .solvers.progress import SILENT
    from .report.terminal import TerminalProgress

    form = _formulation(formulation_text)
    if fmt == "holmberg" and "sourcing=" not in (formulation_text or ""):
        form = replace(form, sourcing=Sourcing.SINGLE)
    progress = SILENT if quiet else TerminalProgress(live=None if not log else False)
    try:
        with _stop_on_signals(progress):
            start = time.perf_counter()
            progress.begin("read")
            inst = _load(instance, fmt, capacity, uncapacitated)
            read_seconds = time.perf_counter() - start
            progress.stage("read", f"{inst.name} in {read_seconds:.1f} s")
            progress.set_sense("min" if inst.objective == "cost" else "max")
            out = Path(out_dir) if out_dir else Path("out") / inst.name
            _check_writable(out)
            if not quiet:
                for warning in inst.warnings:
                    click.echo(f"warning: {warning}", err=True)
            options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, log=log, warm_start=warm_start,
                                   cuts=cuts, tree=tree, solver_options=_solver_options(solver_option_texts),
                                   progress=progress)
            run = _solve_run(inst, form, options, solver, read_seconds, not no_presolve)
            progress.close()
            _finish_solve(run, inst, form, out, xlsx, quiet, progress, html)
    finally:
        progress.close()


def _check_target(target):
    """An instance output path must name a format (.json, .xlsx, or a folder)."""
    from .data.write import output_format

    try:
        output_format(target)
    except ValueError as err:
        _fail_input(str(err))


@contextlib.contextmanager
def _stop_on_signals(progress):
    """Ctrl-C and SIGTERM ask the solver to stop (solvers/budget.py, STOP); the run then keeps the
    best plan found so far. A second signal ends the process at once, writing nothing."""
    from .solvers.budget import STOP, reset_stop

    def stop(signum, frame):
        STOP.set()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        progress.stage("interrupted", "stopping the solver; the best plan found so far is kept "
                                      "(press Ctrl-C again to quit at once, writing nothing)")

    reset_stop()
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in saved:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _check_writable(out: Path):
    """Fail before the solve, not after it, when the output folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".xborder-write-test-"):
            pass
    except OSError as err:
        _fail_input(f"cannot write to the output folder {out}: {err.strerror or err}")


def _solve_run(inst, form, options, solver, read_seconds, presolve):
    from .pipeline import solve_loaded
    from .solvers import SolverUnavailable, Status
    from .solvers.budget import STOP

    try:
        run = solve_loaded(inst, form, options, solver, read_seconds, presolve=presolve)
    except (SolverUnavailable, ValueError) as err:
        _fail_input(str(err))
    if STOP.is_set():
        run.result.status = Status.INTERRUPTED
    return run


def _finish_solve(run, inst, form, out: Path, xlsx: bool, quiet: bool, progress, html: bool = False):
    """Write the outputs, print the summary and exit with the run's code (README table)."""
    from .studies.explain import diagnose_infeasibility, explain
    from .report.solution import write_outputs
    from .report.summary import nothing_found, summary
    from .solvers import Status

    try:
        written = write_outputs(run, out, xlsx=xlsx)
        if html and run.has_plan:
            from .report.html import plan_report

            written.append(plan_report(run, out / "report.html"))
    except OSError as err:
        _fail_input(f"cannot write to {out}: {err}")
    progress.stage("write", f"{len(written)} file(s) in {out}")
    click.echo(summary(run))
    interrupted = run.result.status is Status.INTERRUPTED
    if not run.has_plan:
        if run.result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
            click.echo(explain(diagnose_infeasibility(inst, form)))
        elif run.result.status is Status.TIME_LIMIT:
            click.echo("No feasible plan was found within the time limit; try a longer --time-limit.")
        if not quiet:
            click.echo(f"wrote {written[0]}")
        sys.exit(EXIT_INTERRUPTED if interrupted else EXIT_NO_PLAN)
    if not quiet:
        click.echo(f"wrote {written[0]} and {len(written) - 1} table file(s) in {out}")
    if not run.evaluation.ok:
        click.echo("error: the independent check rejected the plan:", err=True)
        for v in run.evaluation.violations[:MAX_SHOWN]:
            click.echo(f"  {v}", err=True)
        if len(run.evaluation.violations) > MAX_SHOWN:
            click.echo(f"  ... and {len(run.evaluation.violations) - MAX_SHOWN} more (solution.json, check.violations)", err=True)
        sys.exit(EXIT_NO_PLAN)
    if interrupted:
        sys.exit(EXIT_INTERRUPTED)
    if nothing_found(run):
        sys.exit(EXIT_NOTHING_FOUND)


@cli.command()
@click.argument("instance", type=click.Path())
@click.argument("solution", type=click.Path())
@click.option("--sourcing", type=click.Choice(["split", "single"]), default=None,
              help="Check single sourcing too (default: single for --format holmberg, else split; a solution "
                   "made with sourcing=single is always checked as such).")
@click.option("--scenarios", "scenario_file", type=click.Path(), default=None,
              help="The scenario file of a plan made for a scenario (default: the file its solution.json names).")
@format_options
def check(instance, solution, sourcing, scenario_file, fmt, capacity, uncapacitated):
    """Independently re-check SOLUTION against INSTANCE: a solution.json, an output folder holding
    one, or the folder `xborder stochastic` wrote.

    Recomputes every constraint and the objective without the model code; lists each violation
    with its constraint family, index and amount (relative tolerance 1e-6). The file is read
    strictly: unknown fields, a missing objective or a status without a plan are errors. A plan
    made for a scenario (by `scenarios` or `stochastic`) is checked against INSTANCE with that
    scenario applied. A stochastic study's folder is checked scenario by scenario, with the first
    stage shared by all of them and the expected and risk-adjusted objectives recomputed.

    \b
    Example:
      xborder check instances/demo.json out/demo/solution.json
      xborder check instances/demo.json out/demo-stochastic
    """
    from .check import SolutionError, check_plan, instance_for, read_solution

    inst = _load(instance, fmt, capacity, uncapacitated)
    path = Path(solution)
    if path.is_dir():
        if (path / "stochastic.json").is_file():
            _check_stochastic_folder(inst, path, scenario_file)
            return
        if not (path / "solution.json").is_file():
            _fail_input(f"{path}: no solution.json or stochastic.json in this folder")
        path = path / "solution.json"
    doc = _read_solution(path)
    try:
        plan, objective = read_solution(doc, inst.objective)
        target = instance_for(inst, doc, scenario_file)
    except SolutionError as err:
        _fail_input(f"{path}: {err}")
    claims_single = "sourcing=single" in str((doc.get("run") or {}).get("formulation", ""))
    single = claims_single or sourcing == "single" or (sourcing is None and fmt == "holmberg")
    try:
        ev = check_plan(target, plan, objective, single_sourcing=single)
    except SolutionError as err:
        _fail_input(f"{path}: {err}")
    _refuse_other_instance(path, doc, inst, ev)
    scenario = f" (scenario '{target.scenario.name}' of {target.scenario.file})" if target.scenario else ""
    click.echo(f"recomputed {ev.objective_kind}{scenario}: {ev.objective:,.6f}; reported: {objective:,.6f}"
               + (" (single sourcing checked)" if single else ""))
    for v in ev.violations:
        click.echo(f"  violation: {v}")
    if not ev.objective_matches:
        click.echo("  objective mismatch: the reported objective differs from the recomputed one (rel. tol 1e-6)")
    if ev.ok:
        click.echo("check passed: the plan is feasible and its objective matches")
        return
    click.echo(f"check FAILED: {len(ev.violations)} violation(s)")
    sys.exit(EXIT_NO_PLAN)


def _check_stochastic_folder(inst, folder: Path, scenario_file):
    """`xborder check` on the folder of a stochastic study (check/folders.py)."""
    from .check import SolutionError, check_stochastic_folder

    try:
        found = check_stochastic_folder(inst, folder, scenario_file)
    except SolutionError as err:
        _fail_input(f"{folder}: {err}")
    kind = _kind(inst)
    for name, ev in found.evaluations.items():
        verdict = "passed" if ev.ok else (f"FAILED ({len(ev.violations)} violation(s)"
                                          + ("" if ev.objective_matches else ", objective mismatch") + ")")
        click.echo(f"scenario {name}: {kind} {ev.objective:,.6f}; {verdict}")
        for v in ev.violations:
            click.echo(f"  violation: {v}")
    click.echo(f"recomputed expected {kind}: {found.expected:,.6f}; objective: {found.objective:,.6f}")
    for issue in found.issues:
        click.echo(f"  {issue}")
    if found.ok:
        click.echo("check passed: every scenario's plan is feasible, they share one first stage, and the study's "
                   "objectives match")
        return
    click.echo("check FAILED")
    sys.exit(EXIT_NO_PLAN)


def _refuse_other_instance(solution, doc: dict, inst, ev):
    """A solution naming ids this instance lacks, made for an instance of another name, is the
    wrong file rather than a wrong plan: exit 2, saying so."""
    unknown = [v.index for v in ev.violations if v.family.startswith("unknown id")]
    made_for = doc.get("instance")
    if unknown and made_for is not None and made_for != inst.name:
        shown = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        _fail_input(f"{solution}: the solution belongs to another instance: it was made for '{made_for}', "
                    f"this instance is '{inst.name}', and {len(unknown)} of its ids are not in this instance ({shown})")


def _read_solution(path) -> dict:
    from .data.errors import InstanceError
    from .data.read import parse_json

    try:
        return parse_json(Path(path), "the solution file")
    except InstanceError as err:
        _fail_input(f"cannot read the solution file: {err}")


@cli.command()
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
    from .data.write import write_instance

    _check_target(target)
    inst = _load(instance, fmt, capacity, uncapacitated)
    if (scenario_file is None) != (scenario_name is None):
        raise click.UsageError("--scenarios and --scenario go together")
    if scenario_file is not None:
        inst = _with_scenario(inst, scenario_file, scenario_name)
    try:
        write_instance(inst.settings, inst.tables, target)
    except OSError as err:
        _fail_input(f"cannot write {target}: {err}")
    click.echo(f"wrote {target} ({inst.name}: {len(inst.tables['markets'])} markets, {len(inst.tables['lanes'])} lanes)")


def _with_scenario(inst, scenario_file, name):
    from .data.errors import InstanceError, did_you_mean
    from .data.scenarios import apply_scenario, read_scenarios

    try:
        found = {s.name: s for s in read_scenarios(scenario_file, inst)}
        if name not in found:
            _fail_input(f"{scenario_file}: no scenario '{name}'{did_you_mean(name, found)} (scenarios: {', '.join(found)})")
        return apply_scenario(inst, found[name])
    except InstanceError as err:
        _fail_input(err)


@cli.command()
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
def generate(size, products, markets, warehouses, seed, objective, target, scenario_count):
    """Write a realistic, reproducible instance (same seed and sizes, same file).

    Explicit --products/--markets/--warehouses override the --size preset.

    \b
    Example:
      xborder generate --size m --seed 7 --out gen-m.json
      xborder generate --products 200 --markets 8 --warehouses 5 --objective cost --out gen.xlsx
    """
    from .data.generate import SIZES, GeneratorSpec
    from .data.generate import generate as make
    from .data.instance import load_document
    from .data.write import write_instance

    _check_target(target)
    preset = SIZES[size] if size else SIZES["s"]
    spec = GeneratorSpec(products or preset[0], markets or preset[1], preset[2] if warehouses is None else warehouses, seed, objective)
    try:
        spec.check()
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    inst = load_document(make(spec), Path(target).name)
    try:
        write_instance(inst.settings, inst.tables, target)
    except OSError as err:
        _fail_input(f"cannot write {target}: {err}")
    net = inst.network
    click.echo(f"wrote {target}: {spec.products} products x {spec.markets} markets x {spec.warehouses} warehouses, "
               f"{len(net.pairs)} offerable pairs, {len(net.arcs)} flow arcs ({objective} objective)")
    if scenario_count:
        beside = Path(target).with_name(f"{Path(target).stem}-scenarios.csv")
        _write_scenario_file(inst, scenario_count, seed, beside)
        click.echo(f"wrote {beside}: {scenario_count} scenarios")


@cli.command(name="draw-scenarios")
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
    inst = _load(instance)
    _write_scenario_file(inst, count, seed, target)
    click.echo(f"wrote {target}: {count} scenarios for {inst.name}")


def _write_scenario_file(inst, count, seed, target):
    import json

    import pandas as pd

    from .data.atomic import atomic_path
    from .data.cells import write_csv
    from .data.generate import draw_scenarios

    target = Path(target)
    if target.suffix.lower() not in (".csv", ".json"):
        _fail_input(f"{target}: a scenario file is .csv or .json")
    rows = draw_scenarios(inst, count, seed)
    try:
        if target.suffix.lower() == ".csv":
            write_csv(pd.DataFrame(rows, columns=["scenario", "probability", "table", "action", "column", "value", "where"]),
                      target)
        else:
            with atomic_path(target) as tmp:
                tmp.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    except OSError as err:
        _fail_input(f"cannot write {target}: {err}")


@cli.command()
@click.argument("instances", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--formulations", "formulation_texts", multiple=True, default=("default",), show_default=True,
              help="Formulations to compare (repeat the option or separate with ';'), e.g. default;linking=weak.")
@click.option("--solvers", "solver_text", default="highs", show_default=True,
              help="Comma-separated solvers, or 'all' for every installed one.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True)
@click.option("--mip-gap", type=click.FloatRange(min=0), default=1e-9, show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["auto", "xborder", "orlib-cap", "holmberg"]), default="auto", show_default=True)
@click.option("--capacity", type=click.FloatRange(min=0, min_open=True), multiple=True,
              help="orlib-cap files with an open capacity (capa/b/c): one run set per value.")
@click.option("--cuts/--no-cuts", default=True, show_default=True, help="HiGHS: xborder's root cuts before branching.")
@cluster_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
def bench(instances, formulation_texts, solver_text, time_limit, mip_gap, repeat, fmt, capacity, cuts, jobs, scheduler, out_dir):
    """Benchmark every INSTANCE x formulation x solver, each run in its own subprocess.

    Writes OUT/bench.csv (one row per run, with the checker's verdict and, for benchmark files,
    whether the published optimum was matched) and OUT/profile.png (Dolan-More performance
    profile; needs matplotlib), and prints a summary table. --jobs N runs N at once on a local
    Dask cluster, --scheduler on an existing one (more throughput; the timings then share the
    machine).

    \b
    Example:
      xborder bench benchmarks/orlib/cflp/cap4*.txt --formulations "default;linking=weak" \
          --solvers all --time-limit 60 --out out/bench
    """
    from .studies import bench as b
    from .solvers import available_solvers

    installed = [n for n, (ok, _) in available_solvers().items() if ok]
    solvers_asked = installed if solver_text == "all" else [s.strip() for s in solver_text.split(",") if s.strip()]
    for name in solvers_asked:
        if name not in installed:
            _fail_input(f"solver '{name}' is not available; installed: {', '.join(installed)}")
    forms = [f.strip() for text in formulation_texts for f in text.split(";") if f.strip()]
    for text in forms:
        if text != "default":
            _formulation(text)
    specs = []
    for path in instances:
        try:
            kind = b.detect_format(path) if fmt == "auto" else fmt
        except ValueError as err:
            _fail_input(str(err))
        caps = list(capacity) if (kind == "orlib-cap" and capacity and Path(path).stem in ("capa", "capb", "capc")) else [None]
        for cap in caps:
            for form in forms:
                if kind == "holmberg" and "sourcing=" not in form:
                    form = "sourcing=single" if form == "default" else f"{form},sourcing=single"
                for solver in solvers_asked:
                    for k in range(repeat):
                        specs.append(b.RunSpec(str(path), kind, cap, form, solver, time_limit, mip_gap, k + 1, cuts))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from .studies.runner import make_runner

    runner = _run_study(lambda: make_runner(jobs, scheduler))
    done = []
    with click.progressbar(length=len(specs), label=f"{len(specs)} runs ({runner.name if jobs > 1 or scheduler else 'one at a time'})") as bar:
        def finished(outcome):
            done.append(outcome)
            b.write_csv([_bench_row(o) for o in done], out / "bench.csv")
            bar.update(1)

        try:
            outcomes = runner.map(b.run_in_subprocess, specs, on_done=finished)
        finally:
            runner.close()
    rows = [_bench_row(o) for o in outcomes]
    b.write_csv(rows, out / "bench.csv")
    click.echo(b.format_table(b.summary_table(rows, time_limit)))
    why_not = b.performance_profile(rows, time_limit, out / "profile.png")
    click.echo(f"wrote {out / 'bench.csv'}" + (f"; {why_not}" if why_not else f" and {out / 'profile.png'}"))
    failed = [r for r in rows if r.get("checker") == "failed" or r.get("matches_optimum") is False]
    broken = [r for r in rows if r.get("status") in ("error", "crashed", "killed")]
    for row in broken:
        click.echo(f"error: run {row['instance']} / {row['formulation']} / {row['solver']}: {row['status']}: "
                   f"{row.get('error', '')}", err=True)
    if failed:
        click.echo(f"error: {len(failed)} run(s) failed the check or missed a published optimum", err=True)
    if failed or broken:
        sys.exit(EXIT_NO_PLAN)


def study_options(command):
    """The solve options a study passes to each of its solves."""
    command = click.option("--solver", default="highs", show_default=True, help="Solver back end.")(command)
    command = click.option("--formulation", "formulation_text", default=None, metavar="K=V,...",
                           help="Formulation options (see `xborder formulations`).")(command)
    command = click.option("--threads", type=click.IntRange(min=1), default=None, help="Solver threads per solve.")(command)
    command = click.option("--mip-gap", type=click.FloatRange(min=0), default=1e-4, show_default=True,
                           help="Relative MIP gap of each solve.")(command)
    return click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
                        help="Seconds per solve; the best plan found is kept.")(command)


def _said_done(sr):
    status = sr.run.result.status.value if sr.run is not None else f"failed: {sr.error}"
    click.echo(f"  solved {sr.name}: {status}" + (" (retried)" if sr.retried else ""), err=True)


def _study_setup(instance, out_dir, default_out: str, time_limit, mip_gap, threads, formulation_text, solver="highs"):
    """The loaded instance, output folder (checked writable), formulation and solve options;
    a solver that cannot run is refused first."""
    from .solvers import SolveOptions

    _usable_solver(solver)
    inst = _load(instance)
    out = Path(out_dir) if out_dir else Path("out") / f"{inst.name}-{default_out}"
    _check_writable(out)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    return inst, out, _formulation(formulation_text), options


def _kind(inst) -> str:
    return "cost" if inst.objective == "cost" else "profit"


@cli.command()
@click.argument("instance", type=click.Path())
@click.argument("scenario_file", metavar="SCENARIOS", type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance>-scenarios).")
@cluster_options
@click.option("--xlsx", is_flag=True, help="Also write each scenario's plan as solution.xlsx.")
@click.option("--report", "html", is_flag=True, help="Also write report.html (comparison charts and the base plan).")
@study_options
def scenarios(instance, scenario_file, out_dir, jobs, scheduler, xlsx, html, time_limit, mip_gap, threads, formulation_text, solver):
    """Solve INSTANCE and each scenario of SCENARIOS (a .csv, .xlsx 'scenarios' sheet or .json
    file of overrides; see docs/scenarios.md) and compare them.

    Writes OUT/<scenario>/ (each scenario's solution files), OUT/comparison.csv and .xlsx (one
    row per scenario: status, objective, gap, every KPI and the difference to base) and
    OUT/changes.csv (the decisions that differ from base). Every row of SCENARIOS is checked
    before anything is solved; an infeasible scenario is reported with what had to give.

    \b
    Example:
      xborder scenarios instances/demo.json instances/demo-scenarios.csv --out out/scen --jobs 2
    """
    from .data.errors import InstanceError
    from .data.scenarios import apply_scenarios, read_scenarios
    from .report.studies import scenario_lines, write_scenario_study
    from .studies.scenarios import run_scenarios

    inst, out, form, options = _study_setup(instance, out_dir, "scenarios", time_limit, mip_gap, threads, formulation_text,
                                           solver)
    try:
        found = read_scenarios(scenario_file, inst)
        apply_scenarios(inst, found)  # every scenario is checked before the first solve
    except InstanceError as err:
        _fail_input(err)
    click.echo(f"{inst.name}: base and {len(found)} scenario(s) from {scenario_file}", err=True)
    study = _run_study(lambda: run_scenarios(inst, found, form, options, jobs, solver, on_done=_said_done, scheduler=scheduler))
    written = write_scenario_study(study, out, xlsx)
    for line in scenario_lines(study, inst.settings["currency"], _kind(inst)):
        click.echo(line)
    if html:
        from .report.html import scenario_report

        written.append(scenario_report(study, out / "report.html"))
    click.echo(f"wrote {len(written)} file(s) in {out} (comparison.csv, comparison.xlsx, changes.csv, one folder per scenario)")
    _exit_on_failed_checks([sr.run for sr in study.runs if sr.run is not None])
    if any(sr.run is None for sr in study.runs):
        click.echo("error: some scenario runs failed (see their rows)", err=True)
        sys.exit(EXIT_NO_PLAN)


def _usable_solver(name: str, matrices_for: str | None = None):
    """Refuse (exit 2) a solver that is unknown, not installed, or cannot serve the study."""
    from .solvers import SolverUnavailable, get_solver

    try:
        get_solver(name, matrices_for)
    except SolverUnavailable as err:
        _fail_input(str(err))


def _run_study(work):
    """Run a study; a solver refusing the model is a clean error, Ctrl-C ends it at once."""
    from .solvers import SolverUnavailable

    try:
        return work()
    except (SolverUnavailable, ValueError) as err:
        _fail_input(str(err))
    except KeyboardInterrupt:
        click.echo("interrupted: nothing written", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _exit_on_failed_checks(runs):
    failed = [r for r in runs if r.has_plan and not r.evaluation.ok]
    if failed:
        click.echo(f"error: the independent check rejected {len(failed)} plan(s)", err=True)
        sys.exit(EXIT_NO_PLAN)


@cli.command()
@click.argument("instance", type=click.Path())
@click.option("--vs", "measure_name", required=True,
              type=click.Choice(["lead_time", "within", "payment_loss", "marketing", "warehouses"]),
              help="The measure traded against the objective.")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), default=None,
              help="For --vs within: the delivery time T in days (share of units delivered within T).")
@click.option("--points", type=click.IntRange(min=2), default=6, show_default=True, help="Points on the curve.")
@click.option("--range", "value_range", default=None, metavar="FROM:TO",
              help="Limits from FROM to TO (default: from the plain optimum's value to the measure's best).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance>-tradeoff).")
@click.option("--report", "html", is_flag=True, help="Also write report.html with the frontier.")
@study_options
def tradeoff(instance, measure_name, days, points, value_range, out_dir, html, time_limit, mip_gap, threads,
             formulation_text, solver):
    """Trace the efficient frontier of the objective against one measure (epsilon constraint).

    Each point holds the measure to a limit and re-solves the same model in place, starting from
    the previous point's plan; every point's plan is checked. Writes OUT/tradeoff.csv (one row
    per point, with the decisions that change from the previous point), OUT/tradeoff.png and
    OUT/point-<n>/ (each point's solution files).

    \b
    Example:
      xborder tradeoff instances/demo.json --vs lead_time --points 5
      xborder tradeoff instances/demo.json --vs within --days 5 --range 0.3:0.9
    """
    from .report.studies import tradeoff_chart, tradeoff_lines, write_frame
    from .studies.tradeoff import TradeoffError, measure_of, trace_tradeoff

    inst, out, form, options = _study_setup(instance, out_dir, "tradeoff", time_limit, mip_gap, threads, formulation_text,
                                           solver)
    try:
        measure = measure_of(measure_name, days)
    except TradeoffError as err:
        raise click.BadParameter(str(err), param_hint="--vs") from None
    bounds = _range(value_range)
    study = _run_study(lambda: trace_tradeoff(inst, measure, points, bounds, form, options,
                                              on_point=lambda eps, run: click.echo(f"  limit {eps:,.6g}: {run.result.status.value}", err=True),
                                              solver_name=solver))
    if study.table.empty:
        click.echo(f"{inst.name}: {study.stopped}")
        sys.exit(EXIT_NO_PLAN)
    from .report.solution import write_outputs

    kind = _kind(inst)
    written = [write_frame(study.table, out / "tradeoff.csv")]
    for number, run in enumerate(study.runs, start=1):
        written += write_outputs(run, out / f"point-{number}")[:1]
    why_not = tradeoff_chart(study, out / "tradeoff.png", inst.settings["currency"], kind)
    if why_not is None:
        written.append(out / "tradeoff.png")
    for line in tradeoff_lines(study, inst.settings["currency"], kind):
        click.echo(line)
    if html:
        from .report.html import tradeoff_report

        written.append(tradeoff_report(study, out / "report.html"))
    files = ", ".join(p.name for p in written if p.parent == out)
    click.echo(f"wrote {len(written)} file(s) in {out} ({files}, one folder per point)" + (f"; {why_not}" if why_not else ""))
    _exit_on_failed_checks(study.runs)


def _range(text):
    if text is None:
        return None
    first, sep, second = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return float(first), float(second)
    except ValueError:
        raise click.BadParameter(f"expected FROM:TO (two numbers), got '{text}'", param_hint="--range") from None


@cli.command()
@click.argument("instance", type=click.Path())
@click.option("--k", "count", type=click.IntRange(min=1), default=5, show_default=True, help="How many plans, the best included.")
@click.option("--within", type=click.FloatRange(min=0), default=None, metavar="PCT",
              help="Only plans at most PCT percent behind the best.")
@click.option("--differ-in", default="markets,channels,warehouses,mitigation", show_default=True,
              help="The decisions in which each plan must differ from all before it (comma-separated).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance>-alternatives).")
@click.option("--report", "html", is_flag=True, help="Also write report.html comparing the plans.")
@study_options
def alternatives(instance, count, within, differ_in, out_dir, html, time_limit, mip_gap, threads, formulation_text, solver):
    """The K best plans that differ in their strategic decisions (markets, channels, warehouses,
    mitigation), each checked, with how far each is behind the best and what it changes.

    Writes OUT/alternatives.csv and OUT/plan-<rank>/ (each plan's solution files).

    \b
    Example:
      xborder alternatives instances/demo.json --k 5 --within 2 --differ-in markets,warehouses
    """
    from .report.solution import write_outputs
    from .report.studies import alternatives_lines, write_frame
    from .studies.alternatives import STRATEGIC, find_alternatives

    kinds = [d.strip() for d in differ_in.split(",") if d.strip()]
    unknown = [d for d in kinds if d not in STRATEGIC]
    if unknown or not kinds:
        raise click.BadParameter(f"expected some of {', '.join(STRATEGIC)}, got '{differ_in}'", param_hint="--differ-in")
    inst, out, form, options = _study_setup(instance, out_dir, "alternatives", time_limit, mip_gap, threads, formulation_text,
                                           solver)
    share = None if within is None else within / 100.0
    study = _run_study(lambda: find_alternatives(inst, count, share, form, options, kinds,
                                                 on_found=lambda run: click.echo(f"  plan found: {run.result.objective:,.2f}", err=True),
                                                 solver_name=solver))
    if study.table.empty:
        click.echo(f"{inst.name}: {study.stopped}")
        sys.exit(EXIT_NO_PLAN)
    written = [write_frame(study.table, out / "alternatives.csv")]
    for rank, run in enumerate(study.runs, start=1):
        written += write_outputs(run, out / f"plan-{rank}")[:1]
    for line in alternatives_lines(study, inst.settings["currency"], _kind(inst)):
        click.echo(line)
    if html:
        from .report.html import alternatives_report

        written.append(alternatives_report(study, out / "report.html"))
    click.echo(f"wrote {len(written)} file(s) in {out}")
    _exit_on_failed_checks(study.runs)


@cli.command(name="explain")
@click.argument("instance", type=click.Path())
@click.option("--why", "question", default=None, metavar="DECISION",
              help="market=M, warehouse=W, channel=M/C or product=P/M: re-solve with it the other way.")
@study_options
def explain_command(instance, question, time_limit, mip_gap, threads, formulation_text, solver):
    """Explain a plan in plain words.

    With --why: solve, then solve again with that decision forced the other way, and report the
    difference and the cost and revenue terms that account for it. Without: for an infeasible
    instance, what had to give (elastic solve); for a feasible one, the marginal values of its
    limits (what one more unit of each is worth).

    \b
    Example:
      xborder explain instances/demo.json --why market=DE
      xborder explain instances/demo.json --why channel=US/instagram
      xborder explain instances/demo.json
    """
    from .report.studies import why_lines
    from .report.summary import marginal_sentences, room_sentences
    from .solvers import SolveOptions
    from .studies.explain import QuestionError, diagnose_infeasibility, explain, why

    _usable_solver(solver)
    inst = _load(instance)
    form = _formulation(formulation_text)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    currency, kind = inst.settings["currency"], _kind(inst)
    if question is not None:
        try:
            answer = _run_study(lambda: why(inst, question, form, options, solver))
        except QuestionError as err:
            raise click.BadParameter(str(err), param_hint="--why") from None
        for line in why_lines(answer, currency, kind):
            click.echo(line)
        _exit_on_failed_checks([answer.base, answer.forced])
        return
    from .pipeline import solve_loaded

    run = _run_study(lambda: solve_loaded(inst, form, options, solver))
    if not run.has_plan:
        if run.result.status.value.startswith("infeasible"):
            click.echo(explain(diagnose_infeasibility(inst, form, time_limit or 60.0)))
        else:
            click.echo(f"{inst.name}: no plan ({run.result.status.value})")
        sys.exit(EXIT_NO_PLAN)
    click.echo(f"{inst.name}: {kind} {run.result.objective:,.2f} {currency}. What one more unit of each binding limit is worth:")
    lines = marginal_sentences(run.marginal, currency)
    for line in lines or ["no limit binds at the plan (or none is set)"]:
        click.echo(f"  {line}")
    others = room_sentences(run.marginal, currency)
    if others:
        click.echo("The other limits:")
        for line in others:
            click.echo(f"  {line}")
    _exit_on_failed_checks([run])


@cli.command()
@click.argument("instance", type=click.Path())
@click.argument("scenario_file", metavar="SCENARIOS", type=click.Path())
@click.option("--method", type=click.Choice(["ef", "ph"]), default="ef", show_default=True,
              help="ef: the extensive form on this machine; ph: progressive hedging on mpi-sppy under mpiexec.")
@click.option("--ranks", type=click.IntRange(min=1), default=3, show_default=True,
              help="ph: MPI ranks (a multiple of 3: PH hub, Lagrangian and xhat spokes).")
@click.option("--iterations", type=click.IntRange(min=1), default=50, show_default=True, help="ph: PH iterations at most.")
@click.option("--rho", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True, help="ph: the PH penalty.")
@click.option("--risk", "risk_text", default=None, metavar="cvar:alpha=A,weight=W",
              help="Risk-averse objective (1 - W) E + W CVaR_A (default: the expectation).")
@click.option("--no-values", is_flag=True, help="Skip the wait-and-see and expected-value solves (EVPI, VSS).")
@cluster_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance>-stochastic).")
@click.option("--report", "html", is_flag=True, help="Also write report.html (the two-stage plan and each scenario's plan).")
@study_options
def stochastic(instance, scenario_file, method, ranks, iterations, rho, risk_text, no_values, jobs, scheduler, out_dir, html,
               time_limit, mip_gap, threads, formulation_text, solver):
    """A two-stage stochastic plan: markets, regimes, certifications, warehouses, portfolio and
    channels chosen once for all the scenarios of SCENARIOS (a scenario file with a probability
    column, numbers only); sales, flows and mitigation per scenario.

    Reports the expected objective (recomputed from each scenario's checked plan), a certified
    bound and gap, the value of the stochastic solution (VSS) and the expected value of perfect
    information (EVPI); the scenarios' own solves behind them run on --jobs / --scheduler.
    Writes OUT/stochastic.json, OUT/scenarios.csv and OUT/<scenario>/.

    \b
    Example:
      xborder stochastic instances/demo.json instances/demo-uncertainty.csv
      xborder stochastic instances/demo.json instances/demo-uncertainty.csv --method ph --ranks 3
      xborder stochastic instances/demo.json instances/demo-uncertainty.csv --risk cvar:alpha=0.9,weight=0.3
    """
    from .data.errors import InstanceError
    from .report.studies import stochastic_lines, write_stochastic_study
    from .studies.stochastic import (PH_SOLVER, Risk, evaluate_study, mpi_available, read_uncertainty, solve_ef,
                                     solve_ph)

    try:
        risk = Risk.parse(risk_text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--risk") from None
    if method == "ph":
        ok, why = mpi_available()
        if not ok:
            _fail_input(why)
        if solver != PH_SOLVER:
            _fail_input(f"--method ph solves its subproblems with HiGHS (mpi-sppy's appsi_highs); solver '{solver}' "
                        "cannot serve it (use --solver highs, or --method ef)")
    _usable_solver(solver, None if method == "ph" else "the extensive form")
    inst, out, form, options = _study_setup(instance, out_dir, "stochastic", time_limit, mip_gap, threads, formulation_text)
    try:
        uncertain = read_uncertainty(inst, scenario_file)
    except InstanceError as err:
        _fail_input(err)
    click.echo(f"{inst.name}: {len(uncertain.names)} scenario(s), method {method}", err=True)
    if method == "ef":
        result = _run_study(lambda: solve_ef(uncertain, form, options, risk, solver_name=solver))
    else:
        result = _run_study(lambda: solve_ph(uncertain, instance, scenario_file, ranks, options, risk, form, iterations, rho))
    if not result.runs:
        click.echo(f"{inst.name}: no stochastic plan ({result.message})")
        sys.exit(EXIT_NO_PLAN)
    study = None
    if not no_values:
        study = _run_study(lambda: evaluate_study(uncertain, result, form, options, jobs, scheduler, solver))
    written = write_stochastic_study(result, study, uncertain, out)
    if html:
        from .report.html import stochastic_folder_page, write_page

        written.append(write_page(stochastic_folder_page(out, inst), out / "report.html"))
    for line in stochastic_lines(result, study, uncertain, risk):
        click.echo(line)
    click.echo(f"wrote {len(written)} file(s) in {out} (stochastic.json, scenarios.csv, one folder per scenario)")
    _exit_on_failed_checks(result.runs)
    if result.issues:
        click.echo("error: the check of the two-stage plan failed: " + "; ".join(result.issues), err=True)
        sys.exit(EXIT_NO_PLAN)


@cli.command()
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path(file_okay=False))
@click.option("--instance", "instance_path", type=click.Path(), default=None,
              help="The instance the plans were made for (default: the path their solution.json names).")
@click.option("--to", "target", type=click.Path(dir_okay=False), default=None, help="The page (default: OUT_DIR/report.html).")
def report(out_dir, instance_path, target):
    """Write one self-contained HTML page (no network needed to view it) for OUT_DIR: the output
    folder of `solve`, `scenarios`, `tradeoff` or `alternatives`. Every plan shown is re-checked
    against the instance first.

    The page shows headline KPIs, a profit waterfall, a Sankey of flows by mode, the market x
    channel heat map, warehouse utilisation, lead times per market and the marginal values; for
    studies, the comparison table and a chart per KPI, the frontier, or the alternatives.

    \b
    Example:
      xborder solve instances/demo.json --out out/demo
      xborder report out/demo        (then open out/demo/report.html in a browser)
    """
    from .check import SolutionError
    from .report.html import folder_page, instance_of_folder, write_page

    folder = Path(out_dir)
    if not folder.is_dir():
        _fail_input(f"{folder}: no such output folder")
    instance_path = instance_path or instance_of_folder(folder)
    if instance_path is None:
        _fail_input(f"{folder}: no solution.json names its instance; give --instance")
    if not Path(instance_path).exists():
        _fail_input(f"{folder}: its instance {instance_path} is not there (relative to here); give --instance")
    inst = _load(instance_path)
    try:
        text = folder_page(folder, inst)
    except (SolutionError, ValueError, KeyError) as err:
        _fail_input(f"{folder}: {err}")
    target = Path(target) if target else folder / "report.html"
    try:
        write_page(text, target)
    except OSError as err:
        _fail_input(f"cannot write {target}: {err}")
    click.echo(f"wrote {target}")


def _bench_row(outcome) -> dict:
    """A bench run's row; a run lost with its worker (twice) is reported as an error row."""
    if outcome.ok:
        return outcome.value
    spec = outcome.item
    return {"instance": spec.instance_name, "format": spec.fmt, "formulation": spec.formulation, "solver": spec.solver,
            "repeat": spec.repeat, "cuts": spec.cuts, "status": "error", "error": f"run failed twice: {outcome.error}"}


@cli.command()
def formulations():
    """List the formulation options (MODEL.md section 6) and what each choice changes.

    \b
    Example:
      xborder formulations
      xborder solve instances/demo.json --formulation linking=weak,demand=by_channel
    """
    from .models.formulation import OPTIONS

    for option in OPTIONS.values():
        click.echo(f"{option.name} (default: {option.default.value})")
        for choice, text in option.help.items():
            click.echo(f"  {option.name}={choice.value:<11} {text}")


@cli.command()
def solvers():
    """List the solver back ends and whether each is available here.

    \b
    Example:
      xborder solvers
    """
    from .solvers import available_solvers

    for name, (ok, why) in available_solvers().items():
        click.echo(f"{name:<8} {'available' if ok else 'not available: ' + why}")


def main():
    cli(prog_name="xborder")


if __name__ == "__main__":
    main()
