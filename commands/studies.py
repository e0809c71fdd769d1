"""Commands that solve a model many times: scenarios, tradeoff, alternatives, explain, stochastic."""

from __future__ import annotations

import sys

import click

from .common import (EXIT_NO_PLAN, cluster_options, exit_on_failed_checks, fail_input, finish_study, formulation_of, load,
                     objective_kind, run_study, study_options, study_setup, usable_solver)


@click.command()
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
    file of overrides; see docs/decision-support.md) and compare them.

    Writes OUT/<scenario>/ (each scenario's solution files), OUT/comparison.csv and .xlsx (one
    row per scenario: status, objective, gap, every KPI and the difference to base) and
    OUT/changes.csv (the decisions that differ from base). Every row of SCENARIOS is checked
    before anything is solved; an infeasible scenario is reported with what had to give.

    \b
    Example:
      xborder scenarios instances/demo.json instances/demo-scenarios.csv --out out/scen --jobs 2
    """
    from ..data.errors import InstanceError
    from ..data.scenarios import apply_scenarios, read_scenarios
    from ..report.studies import scenario_lines, write_scenario_study
    from ..studies.scenarios import run_scenarios

    inst, out, form, options = study_setup(instance, out_dir, "scenarios", time_limit, mip_gap, threads, formulation_text,
                                           solver)
    try:
        found = read_scenarios(scenario_file, inst)
        apply_scenarios(inst, found)  # every scenario is checked before the first solve
    except InstanceError as err:
        fail_input(err)
    click.echo(f"{inst.name}: base and {len(found)} scenario(s) from {scenario_file}", err=True)
    study = run_study(lambda: run_scenarios(inst, found, form, options, jobs, solver, on_done=_said_done, scheduler=scheduler))
    written = write_scenario_study(study, out, xlsx)
    for line in scenario_lines(study, inst.settings["currency"], objective_kind(inst)):
        click.echo(line)
    if html:
        from ..report.html import scenario_report

        written.append(scenario_report(study, out / "report.html"))
    failed = [f"{sr.name}: run failed ({sr.error})" for sr in study.runs if sr.run is None]
    finish_study(written, out, "one folder per scenario", [sr.run for sr in study.runs if sr.run is not None])
    if failed:
        click.echo("error: some scenario runs failed (see their rows)", err=True)
        sys.exit(EXIT_NO_PLAN)


def _said_done(sr):
    status = sr.run.result.status.value if sr.run is not None else f"failed: {sr.error}"
    click.echo(f"  solved {sr.name}: {status}" + (" (retried)" if sr.retried else ""), err=True)


@click.command()
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
    from ..report.studies import tradeoff_chart, tradeoff_lines, write_frame
    from ..studies.tradeoff import TradeoffError, measure_of, trace_tradeoff

    inst, out, form, options = study_setup(instance, out_dir, "tradeoff", time_limit, mip_gap, threads, formulation_text,
                                           solver)
    try:
        measure = measure_of(measure_name, days)
    except TradeoffError as err:
        raise click.BadParameter(str(err), param_hint="--vs") from None
    bounds = _range(value_range)
    study = run_study(lambda: trace_tradeoff(inst, measure, points, bounds, form, options,
                                              on_point=lambda eps, run: click.echo(f"  limit {eps:,.6g}: {run.result.status.value}", err=True),
                                              solver_name=solver))
    if study.table.empty:
        click.echo(f"{inst.name}: {study.stopped}")
        sys.exit(EXIT_NO_PLAN)
    from ..report.solution import write_outputs

    kind = objective_kind(inst)
    written = [write_frame(study.table, out / "tradeoff.csv")]
    for number, run in enumerate(study.runs, start=1):
        written += write_outputs(run, out / f"point-{number}")[:1]
    why_not = tradeoff_chart(study, out / "tradeoff.png", inst.settings["currency"], kind)
    if why_not is None:
        written.append(out / "tradeoff.png")
    for line in tradeoff_lines(study, inst.settings["currency"], kind):
        click.echo(line)
    if html:
        from ..report.html import tradeoff_report

        written.append(tradeoff_report(study, out / "report.html"))
    finish_study(written, out, "one folder per point", study.runs, why_not or "")


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


@click.command()
@click.argument("instance", type=click.Path())
@click.option("--k", "count", type=click.IntRange(min=1), default=5, show_default=True, help="How many plans, the best included.")
@click.option("--within", type=click.FloatRange(min=0), default=None, metavar="PCT",
              help="Only plans at most PCT percent behind the best.")
@click.option("--differ-in", default="markets,channels,warehouses,mitigation", show_default=True,
              help="The decisions in which each plan must differ from all before it (comma-separated; "
                   "also payment_methods, data_hosting, origins).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance>-alternatives).")
@click.option("--report", "html", is_flag=True, help="Also write report.html comparing the plans.")
@study_options
def alternatives(instance, count, within, differ_in, out_dir, html, time_limit, mip_gap, threads, formulation_text, solver):
    """The K best plans that differ in their strategic decisions (markets, channels, warehouses,
    mitigation, payment methods, local hosting of customer data, origins with a fixed cost), each checked, with how far each is behind the best and what it changes.

    Writes OUT/alternatives.csv and OUT/plan-<rank>/ (each plan's solution files).

    \b
    Example:
      xborder alternatives instances/demo.json --k 5 --within 2 --differ-in markets,warehouses
    """
    from ..report.solution import write_outputs
    from ..report.studies import alternatives_lines, write_frame
    from ..studies.alternatives import STRATEGIC, find_alternatives

    kinds = [d.strip() for d in differ_in.split(",") if d.strip()]
    unknown = [d for d in kinds if d not in STRATEGIC]
    if unknown or not kinds:
        raise click.BadParameter(f"expected some of {', '.join(STRATEGIC)}, got '{differ_in}'", param_hint="--differ-in")
    inst, out, form, options = study_setup(instance, out_dir, "alternatives", time_limit, mip_gap, threads, formulation_text,
                                           solver)
    share = None if within is None else within / 100.0
    study = run_study(lambda: find_alternatives(inst, count, share, form, options, kinds,
                                                 on_found=lambda run: click.echo(f"  plan found: {run.result.objective:,.2f}", err=True),
                                                 solver_name=solver))
    if study.table.empty:
        click.echo(f"{inst.name}: {study.stopped}")
        sys.exit(EXIT_NO_PLAN)
    written = [write_frame(study.table, out / "alternatives.csv")]
    for rank, run in enumerate(study.runs, start=1):
        written += write_outputs(run, out / f"plan-{rank}")[:1]
    for line in alternatives_lines(study, inst.settings["currency"], objective_kind(inst)):
        click.echo(line)
    if html:
        from ..report.html import alternatives_report

        written.append(alternatives_report(study, out / "report.html"))
    finish_study(written, out, "one folder per plan", study.runs)


@click.command(name="explain")
@click.argument("instance", type=click.Path())
@click.option("--why", "question", default=None, metavar="DECISION",
              help="market=M, warehouse=W, channel=M/C, product=P/M, payment=M/METHOD, hosting=M, "
                   "obligation=REGIME/OBLIGATION, containers=LANE, creator=CREATOR or origin=ORIGIN: re-solve with it "
                   "the other way.")
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
      xborder explain instances/demo.json --why payment=SA/cod
      xborder explain instances/demo.json --why containers=CN-SAO-sea_freight
      xborder explain instances/demo.json --why creator=US-tiktok_shop-macro
      xborder explain instances/demo.json --why origin=SGN
      xborder explain instances/demo.json
    """
    from ..report.studies import why_lines
    from ..report.summary import marginal_sentences, room_sentences
    from ..solvers import SolveOptions
    from ..studies.explain import QuestionError, diagnose_infeasibility, explain, why

    usable_solver(solver)
    inst = load(instance)
    form = formulation_of(formulation_text)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    currency, kind = inst.settings["currency"], objective_kind(inst)
    if question is not None:
        try:
            answer = run_study(lambda: why(inst, question, form, options, solver))
        except QuestionError as err:
            raise click.BadParameter(str(err), param_hint="--why") from None
        for line in why_lines(answer, currency, kind):
            click.echo(line)
        exit_on_failed_checks([answer.base, answer.forced])
        return
    from ..pipeline import solve_loaded

    run = run_study(lambda: solve_loaded(inst, form, options, solver))
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
    exit_on_failed_checks([run])


@click.command()
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
@click.option("--ev-start/--no-ev-start", default=None,
              help="ef: start from the expected-value plan (its first stage, each scenario's second stage under it), "
                   "found within 30% of the time limit (default: on).")
@click.option("--no-values", is_flag=True, help="Skip the wait-and-see and expected-value solves (EVPI, VSS).")
@cluster_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: out/<instance>-stochastic).")
@click.option("--report", "html", is_flag=True, help="Also write report.html (the two-stage plan and each scenario's plan).")
@study_options
def stochastic(instance, scenario_file, method, ranks, iterations, rho, risk_text, ev_start, no_values, jobs, scheduler,
               out_dir, html, time_limit, mip_gap, threads, formulation_text, solver):
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
    from ..data.errors import InstanceError
    from ..report.studies import stochastic_lines, write_stochastic_study
    from ..studies.stochastic import evaluate_study, read_uncertainty, solve_ef, solve_ph

    if method == "ph" and ev_start is not None:
        fail_input("--ev-start/--no-ev-start starts the extensive form (--method ef); progressive hedging finds its "
                   "first plans in its xhat spoke")
    risk = _risk_and_method(risk_text, method, solver)
    inst, out, form, options = study_setup(instance, out_dir, "stochastic", time_limit, mip_gap, threads, formulation_text)
    try:
        uncertain = read_uncertainty(inst, scenario_file)
    except InstanceError as err:
        fail_input(err)
    click.echo(f"{inst.name}: {len(uncertain.names)} scenario(s), method {method}", err=True)
    if method == "ef":
        result = run_study(lambda: solve_ef(uncertain, form, options, risk, solver_name=solver, ev_start=ev_start is not False))
    else:
        result = run_study(lambda: solve_ph(uncertain, instance, scenario_file, ranks, options, risk, form, iterations, rho))
    if not result.runs:
        click.echo(f"{inst.name}: no stochastic plan ({result.message})")
        sys.exit(EXIT_NO_PLAN)
    study = None
    if not no_values:
        study = run_study(lambda: evaluate_study(uncertain, result, form, options, jobs, scheduler, solver))
    written = write_stochastic_study(result, study, uncertain, out)
    if html:
        from ..report.html import stochastic_folder_page, write_page

        written.append(write_page(stochastic_folder_page(out, inst), out / "report.html"))
    for line in stochastic_lines(result, study, uncertain, risk):
        click.echo(line)
    finish_study(written, out, "one folder per scenario", result.runs, issues=result.issues)


def _risk_and_method(risk_text, method: str, solver: str):
    """The risk measure of --risk, with the method and solver refused (exit 2) when they cannot run."""
    from ..studies.stochastic import PH_SOLVER, Risk, mpi_available

    try:
        risk = Risk.parse(risk_text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--risk") from None
    if method == "ph":
        ok, why = mpi_available()
        if not ok:
            fail_input(why)
        if solver != PH_SOLVER:
            fail_input(f"--method ph solves its subproblems with HiGHS (mpi-sppy's appsi_highs); solver '{solver}' "
                       "cannot serve it (use --solver highs, or --method ef)")
    usable_solver(solver, None if method == "ph" else "the extensive form")
    return risk


COMMANDS = (scenarios, tradeoff, alternatives, explain_command, stochastic)
