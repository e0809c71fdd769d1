"""Commands about one plan: solve, check, report."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from pathlib import Path

import click

from .common import (EXIT_INTERRUPTED, EXIT_NO_PLAN, EXIT_NOTHING_FOUND, MAX_SHOWN, check_writable, fail_input,
                     format_options, formulation_for, formulation_of, load, objective_kind, solver_options_of)


@click.command()
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
@click.option("--calendar-start/--no-calendar-start", default=None,
              help="Several periods, HiGHS: first solve the whole horizon as one period, then the calendar with its "
                   "markets, portfolio and warehouses fixed, and start the full solve from that plan (default: on for "
                   "models of 50,000+ columns under a time limit).")
@click.option("--sample-start/--no-sample-start", default=None,
              help="One period, HiGHS: first solve a scale model of about 100 of the products (shared costs and "
                   "capacities scaled to them), then the full model's LP with its markets, channels and warehouses "
                   "fixed, rounded, and start the full solve from that plan (default: on for models of 200,000+ "
                   "columns with more than 200 products under a time limit).")
@click.option("--solver-option", "solver_option_texts", multiple=True, metavar="KEY=VALUE",
              help="A solver option by the solver's own name, e.g. mip_heuristic_effort=0.3 (repeatable).")
@format_options
def solve(instance, out_dir, time_limit, mip_gap, threads, formulation_text, solver, xlsx, html, log, quiet, no_presolve,
          warm_start, cuts, tree, calendar_start, sample_start, solver_option_texts, fmt, capacity, uncapacitated):
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
    from ..solvers import SolveOptions
    from ..solvers.progress import SILENT
    from ..report.terminal import TerminalProgress

    form = formulation_of(formulation_for(fmt, formulation_text))
    progress = SILENT if quiet else TerminalProgress(live=None if not log else False)
    try:
        with _stop_on_signals(progress):
            start = time.perf_counter()
            progress.begin("read")
            inst = load(instance, fmt, capacity, uncapacitated)
            read_seconds = time.perf_counter() - start
            progress.stage("read", f"{inst.name} in {read_seconds:.1f} s")
            progress.set_sense("min" if inst.objective == "cost" else "max")
            options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, log=log, warm_start=warm_start,
                                   cuts=cuts, tree=tree, calendar_start=calendar_start, sample_start=sample_start,
                                   solver_options=solver_options_of(solver_option_texts),
                                   progress=progress)
            _refuse_before_writing(inst, options, solver)
            out = Path(out_dir) if out_dir else Path("out") / inst.name
            check_writable(out)
            if not quiet:
                for warning in inst.warnings:
                    click.echo(f"warning: {warning}", err=True)
            run = _solve_run(inst, form, options, solver, read_seconds, not no_presolve)
            progress.close()
            _finish_solve(run, inst, form, out, xlsx, quiet, progress, html)
    finally:
        progress.close()


@contextlib.contextmanager
def _stop_on_signals(progress):
    """Ctrl-C and SIGTERM ask the solver to stop (solvers/budget.py, STOP); the run then keeps the
    best plan found so far. A second signal ends the process at once, writing nothing."""
    from ..solvers.budget import STOP, reset_stop

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


def _refuse_before_writing(inst, options, solver: str):
    """Options the instance cannot take end the command (exit 2) before anything is written."""
    from ..pipeline import refuse_calendar_start

    try:
        refuse_calendar_start(inst, options, solver)
    except ValueError as err:
        fail_input(str(err))


def _solve_run(inst, form, options, solver, read_seconds, presolve):
    from ..pipeline import solve_loaded
    from ..solvers import SolverUnavailable, Status
    from ..solvers.budget import STOP

    try:
        run = solve_loaded(inst, form, options, solver, read_seconds, presolve=presolve)
    except (SolverUnavailable, ValueError) as err:
        fail_input(str(err))
    if STOP.is_set():
        run.result.status = Status.INTERRUPTED
    return run


def _finish_solve(run, inst, form, out: Path, xlsx: bool, quiet: bool, progress, html: bool = False):
    """Write the outputs, print the summary and exit with the run's code (README table)."""
    from ..studies.explain import diagnose_infeasibility, explain
    from ..report.solution import write_outputs
    from ..report.summary import nothing_found, summary
    from ..report.words import run_in_words
    from ..solvers import Status

    words = run_in_words(run)
    try:
        written = write_outputs(run, out, xlsx=xlsx, words=words)
        if html and run.has_plan:
            from ..report.html import plan_report

            written.append(plan_report(run, out / "report.html", words))
    except OSError as err:
        fail_input(f"cannot write to {out}: {err}")
    progress.stage("write", f"{len(written)} file(s) in {out}")
    click.echo(summary(run, words))
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


@click.command()
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
    from ..check import SolutionError, check_plan, instance_for, read_solution

    inst = load(instance, fmt, capacity, uncapacitated)
    path = Path(solution)
    if path.is_dir():
        if (path / "stochastic.json").is_file():
            _check_stochastic_folder(inst, path, scenario_file)
            return
        if not (path / "solution.json").is_file():
            fail_input(f"{path}: no solution.json or stochastic.json in this folder")
        path = path / "solution.json"
    doc = _read_solution(path)
    try:
        plan, objective = read_solution(doc, inst.objective)
        target = instance_for(inst, doc, scenario_file)
    except SolutionError as err:
        fail_input(f"{path}: {err}")
    claims_single = "sourcing=single" in str((doc.get("run") or {}).get("formulation", ""))
    single = claims_single or sourcing == "single" or (sourcing is None and "sourcing=single" in formulation_for(fmt, ""))
    try:
        ev = check_plan(target, plan, objective, single_sourcing=single)
    except SolutionError as err:
        fail_input(f"{path}: {err}")
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
    from ..check import SolutionError, check_stochastic_folder

    try:
        found = check_stochastic_folder(inst, folder, scenario_file)
    except SolutionError as err:
        fail_input(f"{folder}: {err}")
    kind = objective_kind(inst)
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
        fail_input(f"{solution}: the solution belongs to another instance: it was made for '{made_for}', "
                    f"this instance is '{inst.name}', and {len(unknown)} of its ids are not in this instance ({shown})")


def _read_solution(path) -> dict:
    from ..data.errors import InstanceError
    from ..data.read import parse_json

    try:
        return parse_json(Path(path), "the solution file")
    except InstanceError as err:
        fail_input(f"cannot read the solution file: {err}")


@click.command()
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
    from ..check import SolutionError
    from ..report.html import folder_page, instance_of_folder, write_page

    folder = Path(out_dir)
    if not folder.is_dir():
        fail_input(f"{folder}: no such output folder")
    instance_path = instance_path or instance_of_folder(folder)
    if instance_path is None:
        fail_input(f"{folder}: no solution.json names its instance; give --instance")
    if not Path(instance_path).exists():
        fail_input(f"{folder}: its instance {instance_path} is not there (relative to here); give --instance")
    inst = load(instance_path)
    try:
        text = folder_page(folder, inst)
    except (SolutionError, ValueError, KeyError) as err:
        fail_input(f"{folder}: {err}")
    target = Path(target) if target else folder / "report.html"
    try:
        write_page(text, target)
    except OSError as err:
        fail_input(f"cannot write {target}: {err}")
    click.echo(f"wrote {target}")


COMMANDS = (solve, check, report)
