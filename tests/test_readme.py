"""The README's example commands run as written: every `xborder ...` line of its bash blocks
(of the two set-up commands only the demo solve; .ci/run runs them whole), in README order, in a folder that holds the repository's
`instances/` and `benchmarks/`, each ending with exit code 0. Commands that need what the
README's own set-up does not install are skipped with the name of what is missing; long ones are
marked slow (`-m slow`). `xborder serve` is started on a free port and the README's API script
runs against it."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SLOW = ("capa.txt", "xborder bench ")  # capa's root LP alone takes about a minute; bench runs 104 solves


def readme_commands() -> list[str]:
    """The `xborder` lines of the README's bash blocks, continuation lines joined, comments cut."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if "python3 -m venv" in line:  # a set-up command (.ci/run runs those): only the xborder part
                line = line.rpartition("&& ")[2]
            if line.startswith("xborder ") and not line.startswith("xborder serve"):  # serve: test_readme_workspace_script
                commands.append(" ".join(line.split()))
    return commands


COMMANDS = readme_commands()


def missing(command: str) -> str | None:
    """What the command needs that is not installed here, by name; None when it can run."""
    from xborder.solvers import available_solvers

    args = shlex.split(command)
    if "--solvers" in args:
        absent = [s for s in args[args.index("--solvers") + 1].split(",") if not available_solvers().get(s, (False,))[0]]
        if absent:
            return f"solver(s) {', '.join(absent)} (the scip extra; Debian's coinor-cbc, glpk-utils)"
    if ("--jobs" in args or "--scheduler" in args) and importlib.util.find_spec("distributed") is None:
        return "Dask (the cluster extra)"
    if "--method" in args and args[args.index("--method") + 1] == "ph" and importlib.util.find_spec("mpisppy") is None:
        return "mpi-sppy (the mpi extra)"
    return None


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("instances", "benchmarks"):
        (folder / name).symlink_to(REPO / name)
    return folder


def run(command: str, workspace: Path):
    """The command in the workspace; a command reading an out/ folder another README command
    writes gets it written first."""
    for path in re.findall(r"(out/[\w./-]+)", command.split("--out")[0]):
        if not (workspace / path).exists():
            producer = next(c for c in COMMANDS if re.search(r"--out " + re.escape(path.split("/")[1]) + r"\b", c))
            run(producer, workspace)
    args = shlex.split(command)
    executable = shutil.which("xborder", path=str(Path(sys.executable).parent)) or "xborder"
    done = subprocess.run([executable, *args[1:]], cwd=workspace, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_readme_has_examples():
    assert len(COMMANDS) >= 12, COMMANDS


@pytest.mark.parametrize("command", [pytest.param(c, marks=pytest.mark.slow) if any(s in c for s in SLOW) else c
                                     for c in COMMANDS])
def test_readme_command_runs(command, workspace):
    absent = missing(command)
    if absent:
        pytest.skip(f"needs {absent}")
    run(command, workspace)


def test_readme_workspace_script(workspace, tmp_path):
    """The workspace's set-up line ends in `xborder serve`; started (on a free port, in a fresh
    workspace), the README's curl script uploads the demo, solves it, fetches solution.json and
    prints the plan in words."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[web]" && xborder serve' in text
    script = next(b for b in re.findall(r"```bash\n(.*?)```", text, re.S) if "API=http://127.0.0.1:8000/api" in b)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from web_helpers import start_server

    server = start_server(tmp_path / "ws", port, 2)
    try:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
                              cwd=workspace, capture_output=True, text=True, timeout=600)
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    solution = json.loads((workspace / "solution.json").read_text())
    assert solution["status"] == "optimal" and solution["in_words"][0] in done.stdout
