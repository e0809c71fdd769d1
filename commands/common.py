"""What every command shares: exit codes, loading with located errors, the shared options, and
the way a study ends (its files named, its checks' verdict as the exit code)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from ..data.errors import InstanceError

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT, EXIT_NOTHING_FOUND, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
MAX_SHOWN = 25


def fail_input(err: InstanceError | str):
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


def load(path, fmt: str = "xborder", capacity: float | None = None, uncapacitated: bool = False):
    """Load a native instance, or convert a classic benchmark file (docs/model.md, "Classic special cases")."""
    from ..data.classic import read_classic
    from ..data.instance import load_document, load_instance

    try:
        if fmt == "xborder":
            if capacity is not None or uncapacitated:
                fail_input("--capacity and --uncapacitated apply to --format orlib-cap only")
            return load_instance(path)
        return load_document(read_classic(path, fmt, capacity, uncapacitated), path)
    except InstanceError as err:
        fail_input(err)


def solver_options_of(texts) -> dict:
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
    from ..data.classic import FORMATS

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


def formulation_of(text):
    from ..models.formulation import Formulation

    try:
        return Formulation.parse(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--formulation") from None


def check_target(target):
    """An instance output path must name a format (.json, .xlsx, or a folder)."""
    from ..data.write import output_format

    try:
        output_format(target)
    except ValueError as err:
        fail_input(str(err))


def check_writable(out: Path):
    """Fail before the solve, not after it, when the output folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".xborder-write-test-"):
            pass
    except OSError as err:
        fail_input(f"cannot write to the output folder {out}: {err.strerror or err}")


def usable_solver(name: str, matrices_for: str | None = None):
    """Refuse (exit 2) a solver that is unknown, not installed, or cannot serve the study."""
    from ..solvers import SolverUnavailable, get_solver

    try:
        get_solver(name, matrices_for)
    except SolverUnavailable as err:
        fail_input(str(err))


def study_setup(instance, out_dir, default_out: str, time_limit, mip_gap, threads, formulation_text, solver="highs"):
    """The loaded instance, output folder (checked writable), formulation and solve options;
    a solver that cannot run is refused first."""
    from ..solvers import SolveOptions

    usable_solver(solver)
    inst = load(instance)
    out = Path(out_dir) if out_dir else Path("out") / f"{inst.name}-{default_out}"
    check_writable(out)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    return inst, out, formulation_of(formulation_text), options


def objective_kind(inst) -> str:
    return "cost" if inst.objective == "cost" else "profit"


def run_study(work):
    """Run a study; a solver refusing the model is a clean error, Ctrl-C ends it at once."""
    from ..solvers import SolverUnavailable

    try:
        return work()
    except (SolverUnavailable, ValueError) as err:
        fail_input(str(err))
    except KeyboardInterrupt:
        click.echo("interrupted: nothing written", err=True)
        sys.exit(EXIT_INTERRUPTED)


def formulation_for(fmt: str, text: str | None) -> str:
    """The formulation a file format implies: Holmberg's instances are single-source problems, so
    `--format holmberg` adds sourcing=single unless a sourcing is asked for."""
    text = text or ""
    if fmt == "holmberg" and "sourcing=" not in text:
        return "sourcing=single" if text in ("", "default") else f"{text},sourcing=single"
    return text


def finish_study(written: list, out: Path, per_item: str, runs, note: str = "", issues=()):
    """A study's last words: the files it wrote in `out` (by name) and its folders, then exit 1 if
    the independent check rejected a plan, or the study's own check found `issues`."""
    files = ", ".join(p.name for p in written if p.parent == out)
    click.echo(f"wrote {len(written)} file(s) in {out} ({files}{', ' + per_item if per_item else ''})"
               + (f"; {note}" if note else ""))
    exit_on_failed_checks(runs)
    if issues:
        click.echo("error: the check of the study failed: " + "; ".join(issues), err=True)
        sys.exit(EXIT_NO_PLAN)


def exit_on_failed_checks(runs):
    failed = [r for r in runs if r.has_plan and not r.evaluation.ok]
    if failed:
        click.echo(f"error: the independent check rejected {len(failed)} plan(s)", err=True)
        sys.exit(EXIT_NO_PLAN)
