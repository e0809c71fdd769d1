"""Commands for researchers: bench, formulations, solvers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_NO_PLAN, cluster_options, fail_input, formulation_for, formulation_of, run_study


@click.command()
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
    from ..studies import bench as b

    specs = _run_specs(instances, formulation_texts, _solvers_asked(solver_text), time_limit, mip_gap, repeat, fmt,
                       capacity, cuts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = _run_all(specs, out, jobs, scheduler)
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


def _solvers_asked(solver_text: str) -> list[str]:
    """The solvers of --solvers ('all': every installed one); one not installed is refused."""
    from ..solvers import available_solvers

    installed = [n for n, (ok, _) in available_solvers().items() if ok]
    asked = installed if solver_text == "all" else [s.strip() for s in solver_text.split(",") if s.strip()]
    for name in asked:
        if name not in installed:
            fail_input(f"solver '{name}' is not available; installed: {', '.join(installed)}")
    return asked


def _run_specs(instances, formulation_texts, solvers_asked, time_limit, mip_gap, repeat, fmt, capacity, cuts) -> list:
    """Every instance x capacity x formulation x solver x repeat, checked before any run."""
    from ..studies import bench as b

    forms = [f.strip() for text in formulation_texts for f in text.split(";") if f.strip()]
    for text in forms:
        if text != "default":
            formulation_of(text)
    specs = []
    for path in instances:
        try:
            kind = b.detect_format(path) if fmt == "auto" else fmt
        except ValueError as err:
            fail_input(str(err))
        caps = list(capacity) if (kind == "orlib-cap" and capacity and Path(path).stem in ("capa", "capb", "capc")) else [None]
        specs += [b.RunSpec(str(path), kind, cap, formulation_for(kind, form), solver, time_limit, mip_gap, k + 1, cuts)
                  for cap in caps for form in forms for solver in solvers_asked for k in range(repeat)]
    return specs


def _run_all(specs: list, out: Path, jobs: int, scheduler) -> list[dict]:
    """The runs, here or on a Dask cluster, with bench.csv rewritten as each finishes."""
    from ..studies import bench as b
    from ..studies.runner import make_runner

    runner = run_study(lambda: make_runner(jobs, scheduler))
    done = []
    label = f"{len(specs)} runs ({runner.name if jobs > 1 or scheduler else 'one at a time'})"
    with click.progressbar(length=len(specs), label=label) as bar:
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
    return rows


def _bench_row(outcome) -> dict:
    """A bench run's row; a run lost with its worker (twice) is reported as an error row."""
    if outcome.ok:
        return outcome.value
    spec = outcome.item
    return {"instance": spec.instance_name, "format": spec.fmt, "formulation": spec.formulation, "solver": spec.solver,
            "repeat": spec.repeat, "cuts": spec.cuts, "status": "error", "error": f"run failed twice: {outcome.error}"}


@click.command()
def formulations():
    """List the formulation options (docs/model.md, "Formulation options") and what each choice changes.

    \b
    Example:
      xborder formulations
      xborder solve instances/demo.json --formulation linking=weak,demand=by_channel
    """
    from ..models.formulation import OPTIONS

    for option in OPTIONS.values():
        click.echo(f"{option.name} (default: {option.default.value})")
        for choice, text in option.help.items():
            click.echo(f"  {option.name}={choice.value:<11} {text}")


@click.command()
def solvers():
    """List the solver back ends and whether each is available here.

    \b
    Example:
      xborder solvers
    """
    from ..solvers import available_solvers

    for name, (ok, why) in available_solvers().items():
        click.echo(f"{name:<8} {'available' if ok else 'not available: ' + why}")


COMMANDS = (bench, formulations, solvers)
