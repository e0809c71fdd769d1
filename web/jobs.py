"""Runs as background jobs: each run is the xborder command a planner would type, run in its own
worker process, so that the workspace does exactly what the CLI does (the same options, checks,
files, progress lines and exit codes) and a run can be stopped like a Ctrl-C.

- `command_lines` turns a run's kind and options into the CLI's argument lists, checking every
  option against the command's own click definition (an unknown or ill-typed option is refused,
  never ignored).
- `Dispatcher` is one thread of the server: it claims queued runs from the store while fewer
  than `workers` run, starts each in a new process group, copies its stage lines (stderr) into
  the store as they come, asks it to stop with SIGINT when the run is cancelled (the CLI then
  keeps its best plan: status `interrupted`), and records the outcome. With a Dask scheduler the
  same worker body runs on the cluster (studies/runner.py's client); the workers must see the
  workspace folder.
- A worker dies with the server: it gets SIGTERM when the server's process goes (Linux
  PR_SET_PDEATHSIG), which the CLI treats like Ctrl-C. `recover` on the next start marks the runs
  the old server left as `interrupted`, makes sure their process groups are gone, and keeps
  whatever plan they wrote.

No broker: the store's `runs` table is the queue.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from . import store as st
from .results import summarize

KINDS = ("solve", "scenarios", "tradeoff", "alternatives", "explain", "stochastic")
SET_BY_THE_WORKSPACE = {"out", "xlsx", "report", "log", "quiet", "format", "capacity", "uncapacitated", "scheduler", "help"}
WRITES_EXTRAS = {"solve": ("--xlsx", "--report"), "scenarios": ("--xlsx", "--report"), "tradeoff": ("--report",),
                 "alternatives": ("--report",), "stochastic": ("--report",), "explain": ()}
NEEDS_SCENARIOS = ("scenarios", "stochastic")
TICK = 0.2  # seconds between the dispatcher's looks at the queue and its workers
KILL_AFTER = 10.0  # seconds a worker gets to finish after its server is gone


class OptionError(ValueError):
    """A run's options that the command refuses; the message is the command's own."""


def _command(kind: str) -> click.Command:
    from ..commands import plans, studies

    commands = {c.name: c for c in (*plans.COMMANDS, *studies.COMMANDS)}
    if kind not in KINDS:
        raise OptionError(f"unknown run kind '{kind}' (one of {', '.join(KINDS)})")
    return commands[kind]


def option_key(param: click.Option) -> str:
    """An option's name in the API: its long flag without the dashes (--time-limit: time_limit)."""
    return param.opts[0].lstrip("-").replace("-", "_")


def option_arguments(kind: str, options: dict) -> list[str]:
    """The CLI arguments of `options` ({"time_limit": 30, "formulation": "linking=weak", ...}, each
    named by its long flag), each checked against the command's definition."""
    command = _command(kind)
    params = {option_key(p): p for p in command.params if isinstance(p, click.Option)}
    args: list[str] = []
    for name, value in options.items():
        param = params.get(name)
        if param is None or name in SET_BY_THE_WORKSPACE:
            allowed = ", ".join(sorted(n for n in params if n not in SET_BY_THE_WORKSPACE))
            raise OptionError(f"{kind} has no option '{name}' here (options: {allowed})")
        args += _flag_arguments(param, value)
    try:
        command.make_context(kind, ["instance.json", *(["scenarios.csv"] if kind in NEEDS_SCENARIOS else []), *args])
    except click.ClickException as err:
        raise OptionError(err.format_message()) from None
    return args


def _flag_arguments(param: click.Option, value) -> list[str]:
    if value is None:
        return []
    if param.is_flag:
        if not isinstance(value, bool):
            raise OptionError(f"option '{param.name}' is true or false, got {value!r}")
        if param.secondary_opts:
            return [param.opts[0] if value else param.secondary_opts[0]]
        return [param.opts[0]] if value else []
    values = value if param.multiple and isinstance(value, list) else [value]
    if param.multiple is False and isinstance(value, (list, dict)):
        raise OptionError(f"option '{param.name}' takes one value, got {value!r}")
    return [a for v in values for a in (param.opts[0], str(v))]


def safe_name(name: str) -> str:
    """A file name made from an instance's name: letters, digits, '-', '_' (never a path)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:60] or "instance"


def command_lines(run: dict, instance_file: Path) -> list[list[str]]:
    """The argument lists a run executes in its folder, in order (a drawn uncertainty set first)."""
    kind, options = run["kind"], dict(run["options"])
    draw = options.pop("draw", None)
    lines = []
    head = [kind, instance_file.name]
    if kind in NEEDS_SCENARIOS:
        if draw:
            lines.append(["draw-scenarios", instance_file.name, "--count", str(draw["count"]), "--seed",
                          str(draw.get("seed", 0)), "--out", "scenarios.csv"])
        head.append("scenarios.csv")
    out = [] if kind == "explain" else ["--out", "out"]
    lines.append([*head, *out, *WRITES_EXTRAS[kind], *option_arguments(kind, options)])
    return lines


def execute(folder: str, lines: list[list[str]], cancelled, on_start=None) -> int:
    """The run in `folder`: its commands written to command.json, then run by a worker process
    (web/worker.py) in a new process group that dies with the server; when `cancelled()` turns
    true the worker is asked to stop (it passes one SIGINT, the CLI's Ctrl-C, to the command).
    Returns the worker's exit code (the last command's)."""
    (Path(folder) / "command.json").write_text(json.dumps([["xborder", *a] for a in lines]), encoding="utf-8")
    worker = subprocess.Popen([sys.executable, "-m", "xborder.web.worker", folder], cwd=folder, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                              start_new_session=True, preexec_fn=_die_with_parent)
    if on_start is not None:
        on_start(worker.pid)
    asked = False
    while (code := worker.poll()) is None:
        if not asked and cancelled():
            worker.send_signal(signal.SIGTERM)
            asked = True
        time.sleep(TICK)
    return code


def _die_with_parent():
    """In the worker before exec: SIGTERM when the server's process goes (Linux only)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def outcome_status(code: int, cancel_requested: bool) -> str:
    """The CLI's exit code as a run status (README, "Exit codes")."""
    if code == 0:
        return st.DONE
    if code == 130:
        return st.INTERRUPTED
    if code in (1, 3):
        return st.NO_PLAN
    return st.INTERRUPTED if cancel_requested and code < 0 else st.FAILED


class Dispatcher:
    """The server's job runner (module docstring)."""

    def __init__(self, store: st.Store, workers: int = 2, scheduler: str | None = None):
        self.store, self.workers = store, workers
        self.active: dict[str, _Active] = {}
        self.stopping = threading.Event()
        self.draining = threading.Event()  # stopping: no new run is claimed
        self.thread = threading.Thread(target=self._loop, name="xborder-dispatcher", daemon=True)
        self.cluster = None
        if scheduler:
            from ..studies.runner import DaskRunner

            self.cluster = DaskRunner(scheduler=scheduler)

    def start(self):
        self.thread.start()

    def stop(self, wait: float = KILL_AFTER):
        """Ask every running worker to stop (their best plans are kept), then stop the loop; the
        queued runs stay queued for the next start."""
        self.draining.set()
        for run_id in list(self.active):
            self.store.request_cancel(run_id)
        deadline = time.time() + wait
        while self.active and time.time() < deadline and self.thread.is_alive():
            time.sleep(TICK)
        self.stopping.set()
        self.thread.join(timeout=5)
        for active in self.active.values():
            active.kill()
        if self.cluster is not None:
            self.cluster.close()

    def _loop(self):
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception as err:  # the loop outlives one bad run; the run records why
                print(f"xborder serve: dispatcher: {type(err).__name__}: {err}", file=sys.stderr)
            self.stopping.wait(TICK)

    def tick(self):
        for run_id, active in list(self.active.items()):
            self._follow(run_id, active)
        while len(self.active) < self.workers and not self.draining.is_set():
            run = self.store.claim_next()
            if run is None:
                break
            self._start(run)

    def _start(self, run: dict):
        folder = self.store.run_folder(run["id"])
        try:
            instance_file = folder / f"{safe_name(self.store.instance(run['instance_id'])['name'])}.json"
            instance_file.write_bytes(st.canonical(self.store.document(run["version_hash"])))
            lines = command_lines(run, instance_file)
        except (OptionError, OSError, KeyError) as err:
            self.store.update_run(run["id"], status=st.FAILED, error=str(err), finished_at=time.time())
            return
        self.active[run["id"]] = _Active.local(folder, lines) if self.cluster is None else \
            _Active.on_cluster(self.cluster, folder, lines, run["id"])

    def _follow(self, run_id: str, active: _Active):
        if active.pid_changed:
            active.pid_changed = False
            self.store.update_run(run_id, pid=active.pid)
        lines = active.new_progress()
        if lines:
            self.store.add_progress(run_id, lines)
        status = self.store.status_of(run_id)
        if status == st.CANCELLING:
            active.cancel()
        code = active.exit_code()
        if code is None:
            return
        del self.active[run_id]
        rest = active.new_progress()
        if rest:
            self.store.add_progress(run_id, rest)
        cancelled = status == st.CANCELLING or active.cancelled.is_set()
        final = outcome_status(code, cancelled)
        folder = self.store.run_folder(run_id)
        summary = summarize(self.store.run(run_id)["kind"], folder, final)
        error = None if final in (st.DONE, st.INTERRUPTED) else _error_text(folder, code)
        self.store.update_run(run_id, status=final, exit_code=code, summary=summary, error=error, finished_at=time.time())


def _error_text(folder: Path, code: int) -> str:
    """What the command said about its failure: its error lines, else the last stage lines."""
    said = []
    for name in ("progress.txt", "stdout.txt"):
        path = folder / name
        if path.exists():
            said += [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    errors = [line for line in said if line.lower().startswith(("error", "  ")) or "Error" in line]
    shown = (errors or said)[-12:]
    return "\n".join(shown) if shown else f"the command ended with exit code {code}"


class _Active:
    """One running run: a local process, or a future on the Dask cluster."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.offset = 0
        self.cancelled = threading.Event()
        self.process: subprocess.Popen | None = None
        self.future = None
        self.pid: int | None = None
        self.cluster_event = None
        self.pid_changed = False

    @classmethod
    def local(cls, folder: Path, lines: list[list[str]]) -> _Active:
        active = cls(folder)
        active.thread_result: dict = {}

        def body():
            active.thread_result["code"] = execute(str(folder), lines, active.cancelled.is_set, active.started)

        active.thread = threading.Thread(target=body, name=f"xborder-run-{folder.name[:8]}", daemon=True)
        active.thread.start()
        return active

    @classmethod
    def on_cluster(cls, cluster, folder: Path, lines: list[list[str]], run_id: str) -> _Active:
        from distributed import Event

        active = cls(folder)
        active.cluster_event = Event(f"xborder-cancel-{run_id}", client=cluster.client)
        active.future = cluster.client.submit(execute_on_worker, str(folder), lines, f"xborder-cancel-{run_id}", pure=False)
        return active

    def started(self, pid: int):
        self.pid = pid
        self.pid_changed = True

    def cancel(self):
        if not self.cancelled.is_set():
            self.cancelled.set()
            if self.cluster_event is not None:
                self.cluster_event.set()

    def exit_code(self) -> int | None:
        if self.future is not None:
            if not self.future.done():
                return None
            try:
                return int(self.future.result())
            except Exception:  # the worker died or raised: the run failed
                return -1
        return None if self.thread.is_alive() else self.thread_result.get("code", -1)

    def new_progress(self) -> list[str]:
        path = self.folder / "progress.txt"
        if not path.exists():
            return []
        with open(path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # whole lines only
        self.offset += end
        return [line.rstrip("\r") for line in chunk[:end].decode("utf-8", errors="replace").splitlines() if line.strip()]

    def kill(self):
        self.cancel()


def execute_on_worker(folder: str, lines: list[list[str]], event_name: str) -> int:
    """`execute` on a Dask worker, cancelled through a cluster-wide Event."""
    from distributed import Event

    event = Event(event_name)
    return execute(folder, lines, event.is_set)


def recover(store: st.Store, wait: float = KILL_AFTER) -> list[str]:
    """On start: the runs a stopped server left running are marked interrupted, their workers
    stopped (SIGTERM to the worker, then SIGKILL to its process group after `wait` s), their
    stage lines taken in from progress.txt and whatever plan they wrote summarised. Returns their
    ids."""
    left = store.interrupted_at_start()
    for run in left:
        if run.get("pid") and _is_worker(run["pid"], store.run_folder(run["id"])):
            _signal_worker(run["pid"], signal.SIGTERM)  # the worker passes one stop to its command
            deadline = time.time() + wait
            while _group_alive(run["pid"]) and time.time() < deadline:
                time.sleep(TICK)
            _signal_group(run["pid"], signal.SIGKILL)
        folder = store.run_folder(run["id"])
        said = (folder / "progress.txt").read_text(encoding="utf-8", errors="replace").splitlines() \
            if (folder / "progress.txt").exists() else []
        store.update_run(run["id"], summary=summarize(run["kind"], folder, st.INTERRUPTED),
                         progress="\n".join([line for line in said if line.strip()][-st.PROGRESS_LINES:]))
    return [r["id"] for r in left]


def _signal_worker(pid: int, sig: int):
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _is_worker(pid: int, folder: Path) -> bool:
    """Whether process group `pid` is still one of our workers for that folder (pids get reused)."""
    try:
        return os.path.realpath(f"/proc/{pid}/cwd") == os.path.realpath(folder)
    except OSError:
        return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def run_kinds() -> dict:
    """Each kind's options as the form shows them, read from the command's click definition:
    name, type (number, integer, text, bool, choice), choices, default, whether several values
    are allowed, and the help text."""
    kinds = {}
    for kind in KINDS:
        fields = []
        for p in _command(kind).params:
            if not isinstance(p, click.Option) or option_key(p) in SET_BY_THE_WORKSPACE:
                continue
            fields.append({"name": option_key(p), "type": _field_type(p), "default": _plain(p.default),
                           "choices": list(p.type.choices) if isinstance(p.type, click.Choice) else None,
                           "multiple": bool(p.multiple), "required": bool(p.required), "help": p.help or ""})
        kinds[kind] = {"options": fields, "scenarios": kind in NEEDS_SCENARIOS, "help": (_command(kind).help or "").split("\n\n")[0]}
    return kinds


def _field_type(p: click.Option) -> str:
    if p.is_flag:
        return "bool"
    if isinstance(p.type, click.Choice):
        return "choice"
    name = getattr(p.type, "name", "")
    return {"integer range": "integer", "integer": "integer", "float range": "number", "float": "number"}.get(name, "text")


def _plain(value):
    return value if isinstance(value, (int, float, str, bool)) or value is None else None
