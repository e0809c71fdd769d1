"""The layout shows the architecture (docs/model.md, "Layers"): no import cycle, no import that
runs back up a layer, the checker independent of the model and the solvers, no function over 60
lines outside data tables, an installed package that carries what a user runs, and no run
artefact under version control."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOT_PACKAGE = {"tests", "benchmarks", "instances", "docs", "build", "dist", "out"}
LAYER = {"__init__": 0, "data": 0, "check": 1, "models": 1, "solvers": 2, "pipeline": 3, "studies": 4, "report": 5,
         "commands": 6, "web": 7, "cli": 8}
DATA_TABLES = {"xborder.data.catalog"}  # the generator's catalogue: lists of real markets, channels, lanes
MAX_LINES = 60


def project_modules() -> dict[str, Path]:
    found = {}
    for path in REPO.rglob("*.py"):
        rel = path.relative_to(REPO)
        if rel.parts[0] in NOT_PACKAGE or rel.parts[0].startswith("."):
            continue
        name = ".".join(("xborder", *rel.with_suffix("").parts))
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = project_modules()


def imports_of(module: str) -> set[str]:
    """The project modules `module` imports, at its top or inside a function."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports_of(m) for m in MODULES}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycle():
    seen, on_path, cycles = set(), [], []

    def visit(module):
        if module in on_path:
            cycles.append(on_path[on_path.index(module):] + [module])
            return
        if module in seen:
            return
        seen.add(module)
        on_path.append(module)
        for other in sorted(GRAPH[module]):
            visit(other)
        on_path.pop()

    for module in sorted(GRAPH):
        visit(module)
    assert cycles == []


def test_no_import_runs_back_up_a_layer():
    """Each layer imports only the layers below it (data -> models / check -> solvers -> pipeline
    -> studies -> report -> commands -> web -> cli); the checker and the models are side by side
    and do not import each other."""
    upward = [(m, other) for m, deps in GRAPH.items() for other in deps
              if layer(m) != layer(other) and layer(other) != "__init__" and LAYER[layer(other)] >= LAYER[layer(m)]]
    assert upward == []


def test_the_checker_uses_no_model_and_no_solver():
    assert {layer(o) for m, deps in GRAPH.items() if layer(m) == "check" for o in deps} <= {"check", "data"}
    for path in REPO.glob("check/*.py"):
        assert "pyomo" not in path.read_text(encoding="utf-8")


def test_the_workspace_stays_above_the_pipeline():
    """web/ (the workspace) reads instances, studies and results through data/, check/, studies/,
    report/ and runs the commands; it never reaches into the models or the solvers, and nothing
    below it imports it (cli.py registers `serve`)."""
    reached = {layer(o) for m, deps in GRAPH.items() if layer(m) == "web" for o in deps}
    assert not reached & {"models", "solvers", "pipeline"}
    importers = {layer(m) for m, deps in GRAPH.items() for o in deps if layer(o) == "web"}
    assert importers <= {"web", "cli"}


def test_no_function_over_60_lines():
    long = []
    for module, path in MODULES.items():
        if module in DATA_TABLES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > MAX_LINES:
                long.append(f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert long == []


def test_no_run_artefact_under_version_control():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    artefacts = [f for f in tracked.stdout.splitlines() if f.endswith(".log") or f.startswith("out/")]
    assert artefacts == []
    assert "*.log" in (REPO / ".gitignore").read_text().split()


def test_the_installed_package_carries_what_a_user_runs(tmp_path):
    """The wheel holds the code, the demo instances the README uses and the workspace's page,
    libraries, map geometry and migrations, not the tests, docs, benchmark scripts or the
    OR-Library files (the CLI reads those from a clone's benchmarks/)."""
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the working tree
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv*", "out", "build", "*.egg-info",
                                                                "__pycache__", ".pytest_cache"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    names = zipfile.ZipFile(next(tmp_path.glob("xborder-*.whl"))).namelist()
    assert "xborder/cli.py" in names and "xborder/instances/demo.json" in names and "xborder/instances/demo.xlsx" in names
    for shipped in ("xborder/web/static/index.html", "xborder/web/static/app.js", "xborder/web/static/vendor/tabulator.min.js",
                    "xborder/web/static/vendor/world_110m.json", "xborder/web/migrations/versions/0001_initial.py",
                    "xborder/web/migrations/script.py.mako"):
        assert shipped in names, shipped
    assert not [n for n in names if n.startswith(("xborder/tests/", "xborder/docs/", "xborder/benchmarks/"))]


def test_no_private_name_crosses_a_module():
    """A name that begins with `_` stays in its module: no project module imports one from another."""
    crossing = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("xborder")):
                crossing += [f"{module}: {alias.name}" for alias in node.names
                             if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert crossing == []
